import { render } from 'preact';
import { memo } from 'preact/compat';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { TimelineApiClient } from '@timeline/api-client';
import {
  type ApiProblem,
  NOW,
  answer,
  apiClient,
  momentQuery,
  type DailySeries,
  type Moment,
  type OperationSummary,
  type Picture,
  type Principal,
} from './api';
import { AuditPanel } from './audit';
import { DailyChart as DailyChartView } from './daily-chart';
import {
  Breakdowns as BreakdownsView,
  DrugsTable as DrugsTableView,
  Figures as FiguresView,
} from './figures';
import { formatCount, formatInstant, formatType } from './format';
import { session } from './session';
import { SignIn } from './sign-in';
import { Timeline as TimelineView } from './timeline';
import { useLive, type LiveState } from './use-live';
import './dashboard.css';

// Live entries arrive up to once per animation frame: the parts that do not depend on them
// render again only when their own inputs change (a new picture, a new daily series).
const Figures = memo(FiguresView);
const DrugsTable = memo(DrugsTableView);
const Breakdowns = memo(BreakdownsView);
const DailyChart = memo(DailyChartView);
const Timeline = memo(TimelineView);

function App() {
  const [token, setToken] = useState<string | null>(session.token());
  const [principal, setPrincipal] = useState<Principal | null>(null);
  const [signInError, setSignInError] = useState<string | null>(null);
  const api = useMemo(() => (token === null ? null : apiClient(token)), [token]);

  useEffect(() => {
    if (api === null) return;
    answer(api.GET('/auth/me')).then(setPrincipal, (failure: Error) => {
      session.signOut();
      setToken(null);
      setSignInError(`That token was refused: ${failure.message}`);
    });
  }, [api]);

  if (token === null || api === null) {
    return (
      <SignIn
        error={signInError}
        onToken={(value) => {
          session.signIn(value);
          setSignInError(null);
          setToken(value);
        }}
      />
    );
  }
  if (principal === null) return <p class="loading">Checking the token…</p>;
  return (
    <Signed
      api={api}
      token={token}
      principal={principal}
      onSignOut={() => {
        session.signOut();
        setPrincipal(null);
        setToken(null);
      }}
    />
  );
}

function Signed({
  api,
  token,
  principal,
  onSignOut,
}: {
  api: TimelineApiClient;
  token: string;
  principal: Principal;
  onSignOut: () => void;
}) {
  const [operations, setOperations] = useState<readonly OperationSummary[] | null>(null);
  const [operationId, setOperationId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reader = principal.roles.includes('analyst') || principal.roles.includes('auditor');

  useEffect(() => {
    if (!principal.roles.some((role) => role !== 'admin')) return;
    answer(api.GET('/operations')).then(
      ({ operations: list }) => {
        setOperations(list);
        const wanted = new URLSearchParams(location.hash.slice(1)).get('operation');
        setOperationId(
          list.find((operation) => operation.operationId === wanted)?.operationId ??
            list[0]?.operationId ??
            null,
        );
      },
      (failure: Error) => setError(failure.message),
    );
  }, [api, principal]);

  return (
    <>
      <header class="top">
        <h1>Operation Timeline</h1>
        {operations && operations.length > 0 && (
          <label class="operation-choice">
            Operation{' '}
            <select
              value={operationId ?? ''}
              onChange={(event) => {
                const chosen = (event.target as HTMLSelectElement).value;
                location.hash = `operation=${encodeURIComponent(chosen)}`;
                setOperationId(chosen);
              }}
            >
              {operations.map((operation) => (
                <option key={operation.operationId} value={operation.operationId}>
                  {operation.codename ?? operation.operationId} · {formatCount(operation.eventCount)} events ·{' '}
                  {operation.status}
                </option>
              ))}
            </select>
          </label>
        )}
        <p class="who" data-principal={`${principal.roles.join(',')}@${principal.agency}`}>
          {principal.subject} · {principal.roles.join(', ')} · {principal.agency}{' '}
          <button type="button" class="secondary" onClick={onSignOut}>
            Sign out
          </button>
        </p>
      </header>
      <main>
        {error && (
          <p class="problem" role="alert">
            {error}
          </p>
        )}
        {!reader && (
          <p class="problem" role="alert">
            The role {principal.roles.join(', ')} may not read pictures or timelines: sign in as an analyst or
            an auditor.
          </p>
        )}
        {operations && operations.length === 0 && <p>Your agency takes part in no operation yet.</p>}
        {reader && operationId !== null && (
          <OperationView
            key={operationId}
            api={api}
            token={token}
            operationId={operationId}
            auditor={principal.roles.includes('auditor')}
            onLivePicture={(live) =>
              setOperations((list) => list && withLiveFigures(list, operationId, live))
            }
          />
        )}
      </main>
    </>
  );
}

const LIVE_LABELS: Record<LiveState, string> = {
  connecting: 'Connecting…',
  'catching-up': 'Catching up…',
  live: 'Live: caught up',
  reconnecting: 'Reconnecting…',
  paused: 'Time travel: live updates paused',
  closed: 'Live updates refused',
};

/**
 * The operation list as fetched, with the shown operation's count and status taken from its live
 * picture: the selector must not contradict the header beside it. Same list when nothing changed.
 */
function withLiveFigures(
  operations: readonly OperationSummary[],
  operationId: string,
  picture: Picture,
): readonly OperationSummary[] {
  const { eventCount } = picture.asOf;
  const { status } = picture.operation;
  const index = operations.findIndex((operation) => operation.operationId === operationId);
  const known = operations[index];
  if (known === undefined || (known.eventCount === eventCount && known.status === status)) return operations;
  return operations.map((operation, at) => (at === index ? { ...operation, eventCount, status } : operation));
}

function OperationView({
  api,
  token,
  operationId,
  auditor,
  onLivePicture,
}: {
  api: TimelineApiClient;
  token: string;
  operationId: string;
  auditor: boolean;
  /** Called with each picture the live feed pushes. */
  onLivePicture: (picture: Picture) => void;
}) {
  const [moment, setMoment] = useState<Moment>(NOW);
  const [fetched, setFetched] = useState<Picture | null>(null);
  const [daily, setDaily] = useState<DailySeries | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Live pushes are the picture now, as corrected: any other moment or view is read, not pushed.
  const isNow = moment.knownAt === null && moment.view === 'as-corrected';
  const live = useLive(token, operationId, isNow);
  const picture = isNow ? (live.picture ?? fetched) : fetched;
  const livePicture = isNow ? live.picture : null;
  useEffect(() => {
    if (livePicture) onLivePicture(livePicture);
  }, [livePicture]);
  const position = picture?.asOf.position ?? null;

  useEffect(() => {
    let current = true;
    setFetched(null);
    answer(
      api.GET('/operations/{operationId}/picture', {
        params: { path: { operationId }, query: momentQuery(moment) },
      }),
    ).then(
      (loaded) => current && setFetched(loaded),
      (failure: ApiProblem) => current && setError(failure.message),
    );
    return () => {
      current = false;
    };
  }, [api, operationId, moment]);

  // The chart and the timeline's first page follow the figures, at most every two seconds while
  // events stream in (throttled, not debounced: a steady stream must not starve them).
  const [followedPosition, setFollowedPosition] = useState<string | null>(null);
  const latestPosition = useRef(position);
  latestPosition.current = position;
  const stale = position !== followedPosition;
  useEffect(() => {
    if (!stale) return;
    const timer = setTimeout(
      () => setFollowedPosition(latestPosition.current),
      followedPosition === null ? 0 : 2000,
    );
    return () => clearTimeout(timer);
  }, [stale, followedPosition]);
  useEffect(() => {
    let current = true;
    answer(
      api.GET('/operations/{operationId}/timeline/daily', {
        params: { path: { operationId }, query: momentQuery(moment) },
      }),
    ).then(
      (loaded) => current && setDaily(loaded),
      (failure: ApiProblem) => current && setError(failure.message),
    );
    return () => {
      current = false;
    };
  }, [api, operationId, moment, followedPosition]);

  const types = useMemo(
    () => [...new Set(daily?.days.flatMap((day) => Object.keys(day.byType)) ?? [])].sort(),
    [daily],
  );
  const agencyList = picture
    ? picture.operation.agencies
        .map(({ agency }) => agency)
        .sort()
        .join(',')
    : '';
  const agencies = useMemo(() => (agencyList === '' ? [] : agencyList.split(',')), [agencyList]);

  return (
    <>
      <section class="status-bar" aria-label="What the page shows">
        <div>
          <h2 class="codename">{picture?.operation.codename ?? operationId}</h2>
          {picture && (
            <p
              class="as-of"
              data-event-count={String(picture.asOf.eventCount)}
              data-position={picture.asOf.position ?? ''}
            >
              {formatCount(picture.asOf.eventCount)} events, last recorded{' '}
              {formatInstant(picture.asOf.lastRecordedAt)}
              {moment.knownAt !== null && <> · as known at {formatInstant(moment.knownAt)}</>} · {moment.view}
            </p>
          )}
        </div>
        <p class={`live-state ${live.state}`} role="status" data-live-state={live.state}>
          <span class="dot" aria-hidden="true" /> {LIVE_LABELS[live.state]}
        </p>
      </section>
      <TimeTravel moment={moment} onChange={setMoment} />
      {error && (
        <p class="problem" role="alert">
          {error}
        </p>
      )}
      {picture === null ? (
        <p class="loading">Loading the picture…</p>
      ) : (
        <>
          <Figures picture={picture} />
          <div class="two-columns">
            {daily ? <DailyChart series={daily} /> : <p class="loading">Loading the daily series…</p>}
            <DrugsTable totals={picture.totals} />
          </div>
          <Breakdowns picture={picture} />
        </>
      )}
      <div class="two-columns wide-left">
        <Timeline
          api={api}
          operationId={operationId}
          moment={moment}
          types={types}
          agencies={agencies}
          auditor={auditor}
          revision={isNow ? followedPosition : null}
        />
        <div>
          {isNow && <Recent recent={live.recent} />}
          {auditor && <AuditPanel api={api} token={token} operationId={operationId} />}
        </div>
      </div>
    </>
  );
}

function Recent({ recent }: { recent: ReturnType<typeof useLive>['recent'] }) {
  return (
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">Just recorded</h2>
      {recent.length === 0 ? (
        <p>Nothing recorded since the page opened.</p>
      ) : (
        <ol class="recent" data-list="recent">
          {recent.map(({ position, kind, entry }) => (
            <li key={`${position}-${entry.eventId}`} data-position={position} data-event-id={entry.eventId}>
              <span class="type">{formatType(entry.type)}</span> {kind === 'changed' ? '(changed) ' : ''}
              <span class="meta">
                {entry.agency} · occurred {formatInstant(entry.occurredAt)}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** Choose a recorded moment (UTC) and a view; the whole page then shows what was known then. */
function TimeTravel({ moment, onChange }: { moment: Moment; onChange: (moment: Moment) => void }) {
  const [at, setAt] = useState(moment.knownAt?.slice(0, 19) ?? '');
  const [view, setView] = useState<Moment['view']>(moment.view);
  return (
    <form
      class="time-travel"
      aria-label="Time travel"
      onSubmit={(event) => {
        event.preventDefault();
        onChange({ knownAt: at === '' ? null : `${at.length === 16 ? `${at}:00` : at}Z`, view });
      }}
    >
      <label>
        As known at (UTC)
        <input
          type="datetime-local"
          step={1}
          value={at}
          onInput={(event) => setAt((event.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        View
        <select
          value={view}
          onChange={(event) => setView((event.target as HTMLSelectElement).value as Moment['view'])}
        >
          <option value="as-corrected">as corrected</option>
          <option value="as-recorded">as recorded</option>
        </select>
      </label>
      <button type="submit">Show</button>
      <button
        type="button"
        class="secondary"
        disabled={moment.knownAt === null && moment.view === 'as-corrected'}
        onClick={() => {
          setAt('');
          setView('as-corrected');
          onChange(NOW);
        }}
      >
        Back to now, live
      </button>
    </form>
  );
}

render(<App />, document.getElementById('app')!);
