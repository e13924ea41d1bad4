import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/** The parts of a V8 `.cpuprofile` (node --cpu-prof) read here. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfiledFunction {
  readonly name: string;
  /** File (relative to the working directory when inside it) and 1-based line. */
  readonly location: string;
  readonly selfMs: number;
  readonly selfPercent: number;
}

/**
 * Self time by function of a V8 CPU profile: each sample's interval is charged
 * to the function on top of the stack, and functions of the same name and place
 * are added up across call paths.
 */
export function summariseCpuProfile(
  file: string,
  top: number,
): { file: string; totalMs: number; functions: ProfiledFunction[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const keyOf = new Map<number, string>();
  const described = new Map<string, { name: string; location: string }>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const path = url.startsWith('file://') ? relative(process.cwd(), url.slice('file://'.length)) : url;
    const location = path === '' ? '' : `${path}:${lineNumber + 1}`;
    const name = functionName === '' ? '(anonymous)' : functionName;
    const key = `${name}\u0000${location}`;
    keyOf.set(node.id, key);
    described.set(key, { name, location });
  }
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((nodeId, index) => {
    // timeDeltas[i] is the time since the previous sample: charge it to the sample that follows it.
    const delta = profile.timeDeltas[index] ?? 0;
    const key = keyOf.get(nodeId) ?? '(unknown)';
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    totalUs += delta;
  });
  const functions = [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => ({
      ...(described.get(key) ?? { name: key, location: '' }),
      selfMs: Math.round(us / 100) / 10,
      selfPercent: totalUs === 0 ? 0 : Math.round((us / totalUs) * 1000) / 10,
    }));
  return { file, totalMs: Math.round(totalUs / 1000), functions };
}
