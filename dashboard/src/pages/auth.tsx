import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError } from '../api';
import { acceptInvitation, forgotPassword, logIn, resetPassword, signUp } from '../api/auth';
import { ssoStartHref, ssoStatus, type SsoStatus } from '../api/sso';
import { sameOriginPath } from '../../../src/net/same-origin-path';
import { useSession } from '../session';
import { ErrorBox, TextField, fieldErrors, useSubmit } from '../ui';

function AuthForm(props: { mode: 'login' | 'signup' }) {
  const session = useSession();
  const { route, query } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [workspaceName, setWorkspaceName] = useState('');
  // Second step, when the account has two-factor sign-in: the password was right, now the code.
  const [askCode, setAskCode] = useState(false);
  const [code, setCode] = useState('');
  const signup = props.mode === 'signup';
  const next = sameOriginPath(query.next, window.location.origin) ?? '/links';
  const { submit, busy, error } = useSubmit(async () => {
    if (signup) await signUp({ email, password, ...(workspaceName ? { workspace_name: workspaceName } : {}) });
    try {
      await logIn({ email, password, ...(askCode ? { code: code.trim() } : {}) });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'TWO_FACTOR_REQUIRED') {
        setAskCode(true);
        return;
      }
      // Signed in, but the workspace requires two-factor sign-in first: the Security page sets it up.
      if (err instanceof ApiError && err.code === 'TWO_FACTOR_SETUP_REQUIRED') {
        await session.refresh();
        route('/settings/security');
        return;
      }
      throw err;
    }
    await session.refresh();
    route(next);
  });
  const errors = fieldErrors(error);

  return (
    <main class="auth">
      <form class="card" onSubmit={submit} noValidate>
        <h1>{signup ? 'Create your Linkwire account' : 'Log in to Linkwire'}</h1>
        <TextField label="Email" type="email" autoComplete="email" required value={email} onValue={setEmail} error={errors.email} />
        <TextField
          label="Password"
          type="password"
          autoComplete={signup ? 'new-password' : 'current-password'}
          required
          value={password}
          onValue={setPassword}
          error={errors.password}
          {...(signup ? { hint: 'At least 8 characters.' } : {})}
        />
        {signup && <TextField label="Workspace name (optional)" value={workspaceName} onValue={setWorkspaceName} error={errors.workspace_name} />}
        {askCode && (
          <TextField
            label="Authentication code"
            autoComplete="one-time-code"
            required
            autoFocus
            value={code}
            onValue={setCode}
            error={errors.code}
            hint="The 6-digit code from your authenticator app, or one of your recovery codes."
          />
        )}
        <ErrorBox error={Object.keys(errors).length ? null : error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Please wait…' : signup ? 'Sign up' : askCode ? 'Verify code' : 'Log in'}
        </button>
        {!signup && (
          <p class="muted">
            <a href="/forgot-password">Forgot your password?</a>
          </p>
        )}
        {!signup && <SsoButton next={next} />}
        <p class="muted">
          {signup ? (
            <>
              Already have an account? <a href="/login">Log in</a>
            </>
          ) : (
            <>
              New here? <a href="/signup">Create an account</a>
            </>
          )}
        </p>
      </form>
    </main>
  );
}

export const LoginPage = () => <AuthForm mode="login" />;
export const SignupPage = () => <AuthForm mode="signup" />;

/** Asks for a reset link; the answer is the same whether or not the address has an account. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const { submit, busy, error } = useSubmit(async () => {
    await forgotPassword(email.trim());
    setSent(true);
  });
  const errors = fieldErrors(error);
  return (
    <main class="auth">
      <form class="card" noValidate onSubmit={submit}>
        <h1>Reset your password</h1>
        {sent ? (
          <p role="status">If an account has this address, a link to reset its password is on its way. It works for 1 hour.</p>
        ) : (
          <>
            <TextField label="Email" type="email" autoComplete="email" required value={email} onValue={setEmail} error={errors.email} />
            <ErrorBox error={Object.keys(errors).length ? null : error} />
            <button type="submit" class="primary" disabled={busy}>
              {busy ? 'Please wait…' : 'Send reset link'}
            </button>
          </>
        )}
        <p class="muted">
          <a href="/login">Back to log in</a>
        </p>
      </form>
    </main>
  );
}

/**
 * "Sign in with <provider>" when the server has single sign-on (nothing otherwise). A link, not a
 * fetch: the browser goes to the provider's pages and comes back signed in, on `next`.
 */
function SsoButton(props: { next: string | null; hint?: string }) {
  const [status, setStatus] = useState<SsoStatus | null>(null);
  useEffect(() => {
    // Without an answer the page keeps its password form: that is all a failure could change.
    ssoStatus().then(setStatus, () => setStatus(null));
  }, []);
  const href = status ? ssoStartHref(status, props.next) : null;
  if (!status || !href) return null;
  return (
    <div class="sso">
      <p class="muted" aria-hidden="true">
        or
      </p>
      {/* A real page load: the router must not take /api/… for one of its pages. */}
      <a class="button sso-button" href={href} onClick={(e) => e.stopPropagation()}>
        Sign in with {status.provider_name}
      </a>
      {props.hint && <p class="muted">{props.hint}</p>}
    </div>
  );
}

/** A form with one new password, posted with the token from the page's address (invitation or reset). */
function TokenPasswordForm(props: { token: string; title: string; intro: string; submit: string; onSubmit: (password: string) => Promise<void>; sso?: boolean }) {
  const [password, setPassword] = useState('');
  const { submit, busy, error } = useSubmit(() => props.onSubmit(password));
  const errors = fieldErrors(error);
  return (
    <main class="auth">
      <form class="card" noValidate onSubmit={submit}>
        <h1>{props.title}</h1>
        <p class="muted">{props.intro}</p>
        <TextField label="Password" type="password" autoComplete="new-password" required value={password} onValue={setPassword} error={errors.password} hint="At least 8 characters." />
        <ErrorBox error={errors.password ? null : error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Please wait…' : props.submit}
        </button>
        {props.sso && <SsoButton next="/links" hint="Signing in accepts the invitation when the provider knows you by the invited address." />}
      </form>
    </main>
  );
}

export function AcceptInvitePage(props: { token?: string }) {
  const session = useSession();
  const { route } = useLocation();
  const token = props.token ?? '';
  return (
    <TokenPasswordForm
      token={token}
      title="Join your team on Linkwire"
      intro="Choose a password to accept the invitation. If you already have a Linkwire account with this address, enter its password."
      submit="Accept invitation"
      sso
      onSubmit={async (password) => {
        await acceptInvitation(token, password);
        await session.refresh();
        route('/links');
      }}
    />
  );
}

export function ResetPasswordPage(props: { token?: string }) {
  const [done, setDone] = useState(false);
  const token = props.token ?? '';
  if (done) {
    return (
      <main class="auth">
        <div class="card">
          <h1>Password changed</h1>
          <p role="status">Your new password is set, and every other session of your account has ended.</p>
          <p>
            <a href="/login">Log in</a>
          </p>
        </div>
      </main>
    );
  }
  return (
    <TokenPasswordForm
      token={token}
      title="Choose a new password"
      intro="The link works once. Setting a new password signs you out everywhere else."
      submit="Set new password"
      onSubmit={async (password) => {
        await resetPassword(token, password);
        setDone(true);
      }}
    />
  );
}
