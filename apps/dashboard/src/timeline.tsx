import { useEffect, useState } from 'preact/hooks';
import type { TimelineApiClient } from '@timeline/api-client';
import { answer, momentQuery, type Lineage, type Moment, type TimelineEntry, type TimelinePage } from './api';
import { formatInstant, formatType, isWithheld } from './format';

interface Filters {
  readonly type: string;
  readonly agency: string;
  readonly from: string;
  readonly to: string;
}

const NO_FILTERS: Filters = { type: '', agency: '', from: '', to: '' };
const PAGE_SIZE = 25;

interface TimelineProps {
  readonly api: TimelineApiClient;
  readonly operationId: string;
  readonly moment: Moment;
  readonly types: readonly string[];
  readonly agencies: readonly string[];
  readonly auditor: boolean;
  /** Changes whenever the page's figures do, so a first page that shows "now" follows them. */
  readonly revision: string | null;
}

/** The timeline: filters, cursor paging, and one entry's details and lineage. */
export function Timeline({ api, operationId, moment, types, agencies, auditor, revision }: TimelineProps) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  // The cursors of the pages before this one, for "previous"; undefined is the first page.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<TimelinePage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<TimelineEntry | null>(null);
  const cursor = cursors.at(-1);
  const firstPage = cursors.length === 1;

  useEffect(() => {
    setCursors([undefined]);
    setSelected(null);
  }, [operationId, moment, filters]);

  useEffect(() => {
    let current = true;
    answer(
      api.GET('/operations/{operationId}/timeline', {
        params: {
          path: { operationId },
          query: {
            ...momentQuery(moment),
            limit: PAGE_SIZE,
            ...(cursor === undefined ? {} : { cursor }),
            ...(filters.type ? { type: filters.type } : {}),
            ...(filters.agency ? { agency: filters.agency } : {}),
            ...(filters.from ? { from: filters.from } : {}),
            ...(filters.to ? { to: filters.to } : {}),
          },
        },
      }),
    ).then(
      (loaded) => current && (setPage(loaded), setError(null)),
      (failure: Error) => current && setError(failure.message),
    );
    return () => {
      current = false;
    };
    // A later page is stable (its cursor pins it); the first page follows the live figures.
  }, [api, operationId, moment, filters, cursor, firstPage ? revision : null]);

  const field = (name: keyof Filters) => (event: Event) =>
    setDraft({ ...draft, [name]: (event.target as HTMLInputElement).value });

  return (
    <section aria-labelledby="timeline-title" class="timeline">
      <h2 id="timeline-title">Timeline</h2>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
        }}
      >
        <label>
          Type
          <select value={draft.type} onChange={field('type')}>
            <option value="">every type</option>
            {types.map((type) => (
              <option key={type} value={type}>
                {formatType(type)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Agency
          <select value={draft.agency} onChange={field('agency')}>
            <option value="">every agency</option>
            {agencies.map((agency) => (
              <option key={agency} value={agency}>
                {agency}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={draft.from} onInput={field('from')} />
        </label>
        <label>
          To
          <input type="date" value={draft.to} onInput={field('to')} />
        </label>
        <button type="submit">Filter</button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setDraft(NO_FILTERS);
            setFilters(NO_FILTERS);
          }}
        >
          Clear
        </button>
      </form>
      {error && (
        <p class="problem" role="alert">
          {error}
        </p>
      )}
      {page && (
        <>
          <div class="scroll" tabIndex={0} role="region" aria-label="Timeline entries, scrollable">
            <table class="entries" data-table="timeline">
              <thead>
                <tr>
                  <th scope="col">Occurred</th>
                  <th scope="col">Event</th>
                  <th scope="col">Agency</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {page.entries.map((entry) => (
                  <tr
                    key={entry.eventId}
                    data-event-id={entry.eventId}
                    class={selected?.eventId === entry.eventId ? 'selected' : ''}
                  >
                    <td>{formatInstant(entry.occurredAt)}</td>
                    <td>
                      <button
                        type="button"
                        class="link"
                        onClick={() => setSelected(entry)}
                        aria-label={`Details of ${formatType(entry.type)} ${entry.eventId}`}
                      >
                        {formatType(entry.type)}
                      </button>
                    </td>
                    <td>{entry.agency}</td>
                    <td>
                      <EntryStatus entry={entry} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {page.entries.length === 0 && <p>No entry matches.</p>}
          <nav class="pager" aria-label="Timeline pages">
            <button type="button" disabled={firstPage} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous page
            </button>
            <span>Page {cursors.length}</span>
            <button
              type="button"
              disabled={page.nextCursor === null}
              onClick={() => setCursors([...cursors, page.nextCursor!])}
            >
              Next page
            </button>
          </nav>
        </>
      )}
      {selected && (
        <EntryDetails
          api={api}
          operationId={operationId}
          entry={selected}
          auditor={auditor}
          onClose={() => setSelected(null)}
        />
      )}
    </section>
  );
}

function EntryStatus({ entry }: { entry: TimelineEntry }) {
  if (isWithheld(entry.data)) return <span class="badge withheld">withheld (handling code C)</span>;
  if (entry.status === 'retracted') return <span class="badge retracted">retracted</span>;
  if (entry.status === 'corrected') return <span class="badge corrected">corrected</span>;
  return <span class="badge">recorded</span>;
}

function DataList({ data }: { data: unknown }) {
  if (isWithheld(data)) {
    return (
      <p class="withheld-note">
        Withheld: handling code C intelligence your agency is not entitled to see. It exists and is counted;
        its details are not shown.
      </p>
    );
  }
  return (
    <pre class="data" tabIndex={0} aria-label="The entry's data">
      {JSON.stringify(data, null, 2)}
    </pre>
  );
}

function EntryDetails({
  api,
  operationId,
  entry,
  auditor,
  onClose,
}: {
  api: TimelineApiClient;
  operationId: string;
  entry: TimelineEntry;
  auditor: boolean;
  onClose: () => void;
}) {
  const [lineage, setLineage] = useState<Lineage | null>(null);
  const [lineageError, setLineageError] = useState<string | null>(null);
  useEffect(() => {
    setLineage(null);
    setLineageError(null);
    if (!auditor) return;
    answer(
      api.GET('/operations/{operationId}/events/{eventId}/lineage', {
        params: { path: { operationId, eventId: entry.eventId } },
      }),
    ).then(setLineage, (failure: Error) => setLineageError(failure.message));
  }, [api, operationId, entry.eventId, auditor]);

  return (
    <aside class="details" aria-labelledby="details-title" data-details={entry.eventId}>
      <div class="section-head">
        <h3 id="details-title">
          {formatType(entry.type)} <EntryStatus entry={entry} />
        </h3>
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <dl class="facts">
        <dt>Occurred</dt>
        <dd>{formatInstant(entry.occurredAt)}</dd>
        <dt>Recorded</dt>
        <dd>
          {formatInstant(entry.recordedAt)} by {entry.recordedBy} ({entry.agency})
        </dd>
        <dt>Event id</dt>
        <dd>
          <code>{entry.eventId}</code> at position {entry.position}
        </dd>
        <dt>Classification</dt>
        <dd>{entry.classification}</dd>
      </dl>
      <h4>Current value</h4>
      <DataList data={entry.data} />
      {entry.retraction && (
        <p class="retraction">
          Retracted {formatInstant(entry.retraction.recordedAt)} by {entry.retraction.recordedBy}:{' '}
          {entry.retraction.reason}
        </p>
      )}
      {entry.history.length > 1 && (
        <>
          <h4>History</h4>
          <ol class="history">
            {entry.history.map((version) => (
              <li key={version.eventId}>
                {version.kind === 'recorded' ? 'Recorded' : 'Corrected'} {formatInstant(version.recordedAt)}{' '}
                by {version.recordedBy} ({version.agency}){version.reason ? `: ${version.reason}` : ''}
                <DataList data={version.data} />
              </li>
            ))}
          </ol>
        </>
      )}
      {auditor && (
        <>
          <h4>Lineage</h4>
          {lineageError && <p class="problem">{lineageError}</p>}
          {lineage && (
            <div data-lineage={lineage.status}>
              <p>
                Status: <strong>{lineage.status}</strong>; {lineage.changes.length} correction or retraction
                {lineage.changes.length === 1 ? '' : 's'}.
              </p>
              <ol class="history">
                {lineage.changes.map((change) => (
                  <li key={change.eventId} data-change={change.kind}>
                    {change.kind === 'correction' ? 'Corrected' : 'Retracted'}{' '}
                    {formatInstant(change.recordedAt)} by {change.recordedBy} ({change.agency})
                    {change.reason === null ? ' (reason withheld, handling code C)' : `: ${change.reason}`}
                  </li>
                ))}
              </ol>
            </div>
          )}
        </>
      )}
    </aside>
  );
}
