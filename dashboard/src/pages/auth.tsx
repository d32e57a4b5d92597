import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { post } from '../api';
import { sameOriginPath } from '../safe-next';
import { useSession } from '../session';
import { ErrorBox, TextField, fieldErrors } from '../ui';

function AuthForm(props: { mode: 'login' | 'signup' }) {
  const session = useSession();
  const { route, query } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [workspaceName, setWorkspaceName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error);
  const signup = props.mode === 'signup';
  const next = sameOriginPath(query.next, window.location.origin) ?? '/links';

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (signup) await post('/api/auth/signup', { email, password, ...(workspaceName ? { workspace_name: workspaceName } : {}) });
      await post('/api/auth/login', { email, password });
      await session.refresh();
      route(next);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

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
        <ErrorBox error={Object.keys(errors).length ? null : error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Please wait…' : signup ? 'Sign up' : 'Log in'}
        </button>
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
