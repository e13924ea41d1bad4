/**
 * Stops a process group started detached (`npm start` and what it spawns) and resolves once
 * no process of it is left: SIGTERM now, SIGKILL if any is still there after 30 s.
 */
export async function stopProcessGroup(groupId: number): Promise<void> {
  try {
    process.kill(-groupId, 'SIGTERM');
  } catch {
    return; // Already gone.
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      process.kill(-groupId, Date.now() < deadline ? 0 : 'SIGKILL');
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
