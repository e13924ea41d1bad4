/**
 * @timeline/demo-data — a seeded, deterministic generator of realistic operations
 * (DATASET.md) and what their pictures must show.
 *
 * - `new DemoDataset({ variant, seed, scale })`: iterate it for the submissions in
 *   load order (each: operation, recording agency and principal subject, simulated
 *   recording time, the events of one `POST /operations/{id}/events` body), then
 *   call `expected()` for the per-operation `ExpectedPicture`s and national totals.
 * - `toRequestBody(submission)`: the HTTP request body of a submission.
 */
export * from './generator/demo-dataset';
export * from './generator/operation.generator';
export * from './generator/seed-submission';
export * from './profile/operation.profile';
export * from './totals/expected-totals';
export { SeededRandom } from './random/seeded-random';
export * from './totals/picture-comparison';
export * from './loading/seed-loader';
export * from './loading/write-handler.seed-writer';
export * from './loading/http.seed-writer';
export * from './first-run/first-run.loader';
export * from './first-run/demo-data.module';
export * from './loading/submission-batches';
