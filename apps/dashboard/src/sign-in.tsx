import { useState } from 'preact/hooks';
import { ROLE_CHOICES } from './session';

interface SignInProps {
  readonly onToken: (token: string) => void;
  readonly error: string | null;
}

/** Sign-in by pasting a bearer token; in local development, a role picker as well. */
export function SignIn({ onToken, error }: SignInProps) {
  const [token, setToken] = useState('');
  const [role, setRole] = useState<(typeof ROLE_CHOICES)[number]>('analyst');
  const [agency, setAgency] = useState('NCA');
  const [pickerError, setPickerError] = useState<string | null>(null);
  const localDev = document.documentElement.hasAttribute('data-local-dev');

  const pick = async (event: Event) => {
    event.preventDefault();
    setPickerError(null);
    const response = await fetch('/auth/local-dev/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ role, agency: agency.trim().toUpperCase() }),
    });
    const body = (await response.json()) as { token?: string; detail?: string };
    if (response.ok && body.token) onToken(body.token);
    else setPickerError(body.detail ?? `The api answered ${response.status}`);
  };

  return (
    <main class="sign-in">
      <h1>Operation Timeline</h1>
      <p>Sign in with a bearer token. It is kept for this tab only and forgotten when the tab closes.</p>
      {error && (
        <p class="problem" role="alert">
          {error}
        </p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim() !== '') onToken(token.trim());
        }}
      >
        <label for="token">Bearer token</label>
        <textarea
          id="token"
          rows={4}
          value={token}
          autocomplete="off"
          spellcheck={false}
          onInput={(event) => setToken((event.target as HTMLTextAreaElement).value)}
        />
        <button type="submit">Sign in</button>
      </form>
      {localDev && (
        <form class="role-picker" onSubmit={pick} aria-labelledby="picker-title">
          <h2 id="picker-title">Local development: sign in as a role</h2>
          <p>This api runs in local development mode (AUTH_MODE=local-dev): any role, any agency.</p>
          <div class="row">
            <label>
              Role
              <select
                value={role}
                onChange={(event) => setRole((event.target as HTMLSelectElement).value as never)}
              >
                {ROLE_CHOICES.map((choice) => (
                  <option key={choice} value={choice}>
                    {choice}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Agency
              <input
                value={agency}
                list="agencies"
                onInput={(event) => setAgency((event.target as HTMLInputElement).value)}
              />
            </label>
            <datalist id="agencies">
              {['NCA', 'NWP', 'GMP', 'MPS', 'WMP', 'ROCU-NW'].map((code) => (
                <option key={code} value={code} />
              ))}
            </datalist>
            <button type="submit">Sign in as {role}</button>
          </div>
          {pickerError && (
            <p class="problem" role="alert">
              {pickerError}
            </p>
          )}
        </form>
      )}
    </main>
  );
}
