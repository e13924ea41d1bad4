/** The bearer token, kept for this tab only (sessionStorage), never in a URL. */
const KEY = 'operation-timeline.token';

export const ROLE_CHOICES = ['analyst', 'auditor', 'recorder', 'admin'] as const;

export const session = {
  token(): string | null {
    return sessionStorage.getItem(KEY);
  },
  signIn(token: string): void {
    sessionStorage.setItem(KEY, token);
  },
  signOut(): void {
    sessionStorage.removeItem(KEY);
  },
};
