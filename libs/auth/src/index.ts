/**
 * @timeline/auth — who a caller is, shared by the api and the CLI:
 * - `Principal`, `ROLES`: a verified caller, its agency and roles (docs/security.md);
 * - `TokenVerifier`: a bearer token to a Principal, or a typed refusal (`credential.errors`);
 * - the local development signing key and `issueToken` (README "Local development").
 * No Nest and no configuration reading: options arrive from the edge.
 */
export * from './principal';
export * from './credential.errors';
export * from './token-verifier';
export * from './local-dev-keys';
