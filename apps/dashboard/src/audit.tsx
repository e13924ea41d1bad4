import { useEffect, useState } from 'preact/hooks';
import type { TimelineApiClient } from '@timeline/api-client';
import { answer, type Verification } from './api';
import { formatCount } from './format';

/** For auditors: the operation's hash chain verified now, and the export download. */
export function AuditPanel({
  api,
  token,
  operationId,
}: {
  api: TimelineApiClient;
  token: string;
  operationId: string;
}) {
  const [verification, setVerification] = useState<Verification | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);

  const verify = () => {
    setVerification(null);
    setError(null);
    answer(api.GET('/operations/{operationId}/verify', { params: { path: { operationId } } })).then(
      setVerification,
      (failure: Error) => setError(failure.message),
    );
  };
  useEffect(verify, [api, operationId]);

  const download = async () => {
    setExporting(true);
    try {
      // A plain link could not carry the bearer header: fetch, then hand the file to the browser.
      const response = await fetch(`/operations/${encodeURIComponent(operationId)}/export`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      if (!response.ok) throw new Error(`The export was refused (${response.status})`);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = `${operationId}.ndjson`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setExporting(false);
    }
  };

  return (
    <section aria-labelledby="audit-title" class="audit">
      <h2 id="audit-title">Audit</h2>
      <div
        data-verification={verification === null ? 'pending' : verification.ok ? 'ok' : 'broken'}
        role="status"
      >
        {verification === null && !error && <p>Verifying the hash chain…</p>}
        {verification?.ok === true && (
          <p class="ok">Hash chain intact: {formatCount(verification.events)} events verified.</p>
        )}
        {verification?.ok === false && (
          <p class="problem">
            Hash chain broken at revision {verification.brokenAt.revision} (event{' '}
            <code>{verification.brokenAt.eventId}</code>, position {verification.brokenAt.position}):{' '}
            {verification.brokenAt.reason}; expected {String(verification.brokenAt.expected)}, found{' '}
            {String(verification.brokenAt.actual)}. {formatCount(verification.events)} events before it are
            intact.
          </p>
        )}
        {error && <p class="problem">{error}</p>}
      </div>
      <div class="row">
        <button type="button" class="secondary" onClick={verify}>
          Verify again
        </button>
        <button type="button" onClick={download} disabled={exporting}>
          {exporting ? 'Preparing the export…' : 'Download the export (NDJSON)'}
        </button>
      </div>
    </section>
  );
}
