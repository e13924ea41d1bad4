/**
 * Entry of a thread verifying one byte range of an export's NDJSON offline:
 * it reads its range of the file itself and sends back what it found
 * (export-ranges.ts), so no line crosses between threads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveThreadTask } from '../threads/integrity-thread';
import { scanExportRange, type ExportRangeScan, type ExportRangeTask } from './export-ranges';

if (!parentPort) throw new Error('export-range.worker must run as a worker thread');
serveThreadTask<ExportRangeScan>(parentPort, () => scanExportRange(workerData as ExportRangeTask));
