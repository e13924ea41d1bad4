import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import {
  ACCESS_AUDIT_STREAM,
  accessRecordHash,
  verifyAccessAudit,
  type AccessRecord,
} from '@timeline/integrity';
import { AccessAudit } from './access-audit.service';

const auditor = { subject: 'auditor-1', agency: 'NCA', roles: ['auditor'] as const };

function access(
  index: number,
  overrides: Partial<AccessRecord> = {},
): Omit<AccessRecord, 'subject' | 'agency' | 'roles'> {
  return {
    action: 'history.read',
    method: 'GET',
    path: `/operations/venetic/events?page=${index}`,
    operationId: 'venetic',
    outcome: 'granted',
    correlationId: `c-${index}`,
    at: `2020-06-13T10:00:${String(index).padStart(2, '0')}.000Z`,
    ...overrides,
  };
}

describe('AccessAudit', () => {
  let store: InMemoryEventStore;
  let audit: AccessAudit;

  beforeEach(async () => {
    store = new InMemoryEventStore();
    audit = new AccessAudit(store);
    await audit.onModuleInit();
  });

  it('stores concurrent records in one chained append, in call order', async () => {
    await Promise.all([0, 1, 2].map((index) => audit.record({ ...auditor, ...access(index) })));
    const stored = await store.readStream(ACCESS_AUDIT_STREAM);
    expect(stored.map((event) => event.data['correlationId'])).toEqual(['c-0', 'c-1', 'c-2']);
    let prevHash = '0'.repeat(64);
    stored.forEach((event, sequence) => {
      const { at, ...rest } = event.data as unknown as AccessRecord;
      expect(event.metadata['prevHash']).toBe(prevHash);
      expect(event.metadata['hash']).toBe(accessRecordHash({ ...rest, at }, sequence, prevHash));
      prevHash = String(event.metadata['hash']);
    });
    expect(stored.map((event) => event.revision)).toEqual([0, 1, 2]);
  });

  it('continues the chain of records written by an earlier process', async () => {
    await audit.record({ ...auditor, ...access(0) });
    const restarted = new AccessAudit(store);
    await restarted.onModuleInit();
    await restarted.record({ ...auditor, ...access(1) });
    const [first, second] = await store.readStream(ACCESS_AUDIT_STREAM);
    expect(second.metadata['prevHash']).toBe(first.metadata['hash']);
  });

  it('chains after records another server appended meanwhile', async () => {
    const other = new AccessAudit(store);
    await other.onModuleInit();
    await other.record({ ...auditor, ...access(0) });
    await audit.record({ ...auditor, ...access(1) });
    const [first, second] = await store.readStream(ACCESS_AUDIT_STREAM);
    expect(second.revision).toBe(1);
    expect(second.metadata['prevHash']).toBe(first.metadata['hash']);
  });

  it('keeps one chain the CLI verifies when several servers record at once', async () => {
    const others = [new AccessAudit(store), new AccessAudit(store)];
    for (const other of others) await other.onModuleInit();
    const writers = [audit, ...others];
    await Promise.all(
      Array.from({ length: 12 }, (_, index) => writers[index % 3].record({ ...auditor, ...access(index) })),
    );
    expect(await verifyAccessAudit(store, { pageSize: 5 })).toMatchObject({ ok: true, records: 12 });
  });

  it('answers queries filtered, visible-only and paged', async () => {
    for (let index = 0; index < 6; index++) {
      await audit.record({
        ...auditor,
        ...access(index, index % 2 === 0 ? {} : { operationId: 'secret', action: 'export.download' }),
      });
    }
    const visible = (record: AccessRecord) => record.operationId === 'venetic';
    const first = await audit.query({ limit: 2, visible });
    expect(first.records.map((record) => [record.sequence, record.correlationId])).toEqual([
      [0, 'c-0'],
      [2, 'c-2'],
    ]);
    expect(first.next).toBe(2);
    const second = await audit.query({ limit: 2, after: first.next!, visible });
    expect(second).toMatchObject({ next: null });
    expect(second.records.map((record) => record.correlationId)).toEqual(['c-4']);
    const window = await audit.query({
      limit: 10,
      visible: () => true,
      action: 'export.download',
      from: '2020-06-13T10:00:02.000Z',
      to: '2020-06-13T10:00:04.000Z',
    });
    expect(window.records.map((record) => record.correlationId)).toEqual(['c-3']);
  });

  it('answers an empty page before anything was recorded', async () => {
    await expect(audit.query({ limit: 10, visible: () => true })).resolves.toEqual({
      records: [],
      next: null,
    });
  });

  it('examines a bounded number of records per call and says where to continue', async () => {
    for (let index = 0; index < 5; index++) {
      await audit.record({
        ...auditor,
        ...access(index, { operationId: index === 4 ? 'venetic' : 'elsewhere' }),
      });
    }
    const visible = (record: AccessRecord) => record.operationId === 'venetic';
    const first = await audit.query({ limit: 10, visible }, 3);
    expect(first).toEqual({ records: [], next: 2 });
    const second = await audit.query({ limit: 10, visible, after: first.next! }, 3);
    expect(second.records.map((record) => record.sequence)).toEqual([4]);
    expect(second.next).toBeNull();
  });
});
