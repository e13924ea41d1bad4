/**
 * @timeline/integrity — what auditors rely on:
 * - `sealEvents` / `computeEventHash`: the per-stream hash chain sealed on the write path;
 * - `verifyOperationStream` / `verifyLog`: recompute chains through the store port and name the first broken link;
 * - `toTimelineEvent`: a stored event in the shape auditors see;
 * - `lineageOf` / `readLineage`: the corrections and retraction applying to an event;
 * - `EvidentialExport`, `writeExportFiles`, `verifyExportFiles`: NDJSON + manifest exports and their offline check;
 * - `walkStream` / `walkLog`: paged reads that hold one page in memory;
 * - `MerkleLog`, `MerkleLogFollower`, `TreeHeadIssuer`, `verifyStoreAgainstTreeHeads`: the Merkle tree over
 *   the log, signed tree heads, proofs and their checks (docs/merkle-log.md);
 * - `chainAccessRecords` / `verifyAccessAudit`: the access audit's hash chain and its check.
 */
export * from './chain/hash-chain';
export * from './events/timeline-event.mapper';
export * from './reading/paged-reads';
export * from './verify/chain-verifier';
export * from './verify/store-verification';
export * from './export/export-manifest';
export * from './export/evidential-export';
export * from './export/export-files';
export * from './export/export-verifier';
export * from './export/software-identity';
export * from './export/export-inclusion';
export * from './lineage/lineage';
export * from './verify/anchors';
export * from './merkle';
export * from './access-audit/access-audit.chain';
