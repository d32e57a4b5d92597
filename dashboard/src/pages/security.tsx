import { useState } from 'preact/hooks';
import { disableTwoFactor, enableTwoFactor, renewRecoveryCodes, startTwoFactorSetup, twoFactorStatus, type TwoFactorSetup } from '../api/two-factor';
import { download } from '../download';
import { useSession } from '../session';
import { CopyField, ErrorBox, Loading, TextField, copyText, fieldErrors, useLoad, useSubmit } from '../ui';

/** The key inside an otpauth URL, for typing into an app that cannot scan. */
const setupKeyOf = (otpauthUrl: string): string => new URL(otpauthUrl).searchParams.get('secret') ?? '';

/** Recovery codes, shown once right after they were made: copy or download them now. */
function RecoveryCodeList(props: { codes: string[]; onDone: () => void }) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const text = props.codes.join('\n');
  return (
    <div class="card" role="region" aria-label="Recovery codes">
      <h2>Your recovery codes</h2>
      <p>
        Each code signs you in once when you do not have your phone. Keep them somewhere safe: <strong>they are shown only now.</strong>
      </p>
      <ul class="recovery-codes mono" aria-label="Recovery code list">
        {props.codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div class="row">
        <button type="button" onClick={async () => setCopied((await copyText(text, null)) ? 'copied' : 'failed')}>
          Copy codes
        </button>
        <button type="button" onClick={() => download('linkwire-recovery-codes.txt', 'text/plain', `${text}\n`)}>
          Download codes
        </button>
        <button type="button" class="primary" onClick={props.onDone}>
          I have saved them
        </button>
      </div>
      <small class="hint" aria-live="polite">
        {copied === 'copied' ? 'Copied to the clipboard.' : copied === 'failed' ? 'Copying is not available here: select the codes and copy them, or download them.' : ''}
      </small>
    </div>
  );
}

/** Scan, then confirm with one code: two-factor sign-in is on only after that. */
function SetUp(props: { onEnabled: (codes: string[]) => void }) {
  const [setup, setSetup] = useState<TwoFactorSetup | null>(null);
  const [code, setCode] = useState('');
  const start = useSubmit(async () => setSetup(await startTwoFactorSetup()));
  const confirm = useSubmit(async () => props.onEnabled((await enableTwoFactor(code.trim())).recovery_codes));
  const errors = fieldErrors(confirm.error);
  if (!setup) {
    return (
      <form class="card" onSubmit={start.submit}>
        <p>Two-factor sign-in is off. With it on, signing in needs a code from an authenticator app on your phone as well as your password.</p>
        <ErrorBox error={start.error} />
        <button type="submit" class="primary" disabled={start.busy}>
          {start.busy ? 'Please wait…' : 'Set up two-factor sign-in'}
        </button>
      </form>
    );
  }
  return (
    <form class="card" onSubmit={confirm.submit} noValidate>
      <h2>1. Scan this code with your authenticator app</h2>
      <div class="qr">
        <img width={200} height={200} src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qr_svg)}`} alt="QR code to add Linkwire to your authenticator app" />
      </div>
      <CopyField label="Or type this setup key" value={setupKeyOf(setup.otpauth_url)} secret />
      <h2>2. Enter the code the app shows</h2>
      <TextField
        label="Authentication code"
        autoComplete="one-time-code"
        inputMode="numeric"
        required
        value={code}
        onValue={setCode}
        error={errors.code}
        hint="6 digits; it changes every 30 seconds."
      />
      <ErrorBox error={errors.code ? null : confirm.error} />
      <button type="submit" class="primary" disabled={confirm.busy}>
        {confirm.busy ? 'Please wait…' : 'Turn on two-factor sign-in'}
      </button>
    </form>
  );
}

/** On: new recovery codes or turning it off, each with a current code (or a recovery code). */
function Manage(props: { left: number; onCodes: (codes: string[]) => void; onDisabled: () => void }) {
  const [code, setCode] = useState('');
  const [action, setAction] = useState<'renew' | 'disable'>('renew');
  const { submit, busy, error } = useSubmit(async () => {
    if (action === 'renew') props.onCodes((await renewRecoveryCodes(code.trim())).recovery_codes);
    else {
      await disableTwoFactor(code.trim());
      props.onDisabled();
    }
    setCode('');
  });
  const errors = fieldErrors(error);
  return (
    <form class="card" onSubmit={submit} noValidate>
      <p role="status">
        Two-factor sign-in is <strong>on</strong>. {props.left} of 10 recovery codes left.
      </p>
      <TextField
        label="Current code or recovery code"
        autoComplete="one-time-code"
        required
        value={code}
        onValue={setCode}
        error={errors.code}
        hint="Needed to change anything here."
      />
      <ErrorBox error={errors.code ? null : error} />
      <div class="row">
        <button type="submit" disabled={busy} onClick={() => setAction('renew')}>
          Get new recovery codes
        </button>
        <button type="submit" class="danger" disabled={busy} onClick={() => setAction('disable')}>
          Turn off two-factor sign-in
        </button>
      </div>
    </form>
  );
}

/** The signed-in person's account security: two-factor sign-in. */
export function SecurityPage() {
  const session = useSession();
  const status = useLoad(() => twoFactorStatus(), []);
  const [codes, setCodes] = useState<string[] | null>(null);
  if (!status.data) return status.error ? <ErrorBox error={status.error} /> : <Loading />;
  return (
    <section>
      <h1>Security</h1>
      {session.twoFactorSetupRequired && (
        <p class="error-box" role="alert">
          {session.current?.name ?? 'This workspace'} requires two-factor sign-in. Set it up to continue.
        </p>
      )}
      {codes ? (
        <RecoveryCodeList
          codes={codes}
          onDone={async () => {
            setCodes(null);
            status.reload();
            await session.refresh();
          }}
        />
      ) : status.data.enabled ? (
        <Manage left={status.data.recovery_codes_left} onCodes={setCodes} onDisabled={() => status.reload()} />
      ) : (
        <SetUp onEnabled={setCodes} />
      )}
    </section>
  );
}
