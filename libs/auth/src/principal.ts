/** The roles a credential may carry (docs/architecture.md §7). */
export const ROLES = ['recorder', 'analyst', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Who is calling, as established from a verified credential. `subject` and
 * `agency` are what the write path stamps on events as `recordedBy` and `agency`.
 */
export interface Principal {
  readonly subject: string;
  /** The agency code, e.g. `NCA`, `NWP`. */
  readonly agency: string;
  readonly roles: readonly Role[];
}

/** Agency codes are short upper-case identifiers: `NCA`, `NWP`, `ROCU-NW`. */
export const AGENCY_CODE_PATTERN = /^[A-Z][A-Z0-9_-]{0,31}$/;
/** Subjects are opaque but bounded and printable. */
export const SUBJECT_PATTERN = /^[\x21-\x7e]{1,128}$/;
