import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { setTwoFactorSetupHandler, setUnauthorizedHandler, type WorkspaceChoice } from './api';
import { currentSession, logOut, switchWorkspace } from './api/auth';
import { SessionContext, useSession, type Session } from './session';
import { Loading } from './ui';
import { AcceptInvitePage, ForgotPasswordPage, LoginPage, ResetPasswordPage, SignupPage } from './pages/auth';
import { LinksPage, NewLinkPage } from './pages/links';
import { LinkDetailPage } from './pages/link-detail';
import { LinkEditPage } from './pages/link-edit';
import { WebhooksPage } from './pages/webhooks';
import { NewWebhookPage } from './pages/webhook-new';
import { WebhookDetailPage } from './pages/webhook-detail';
import { DomainsPage } from './pages/domains';
import { MembersPage } from './pages/members';
import { ApiKeysPage } from './pages/api-keys';
import { WorkspacePage } from './pages/workspace';
import { EventsPage } from './pages/events';
import { ANALYTICS_PATH, AnalyticsPage } from './pages/analytics';
import { SecurityPage } from './pages/security';

const SETTINGS = [
  ['/settings/webhooks', 'Webhooks'],
  ['/settings/domains', 'Domains'],
  ['/settings/members', 'Members'],
  ['/settings/api-keys', 'API keys'],
  ['/settings/workspace', 'Workspace'],
  ['/settings/events', 'Events'],
  ['/settings/security', 'Security'],
] as const;

function WorkspacePicker() {
  const session = useSession();
  const { route } = useLocation();
  if (session.workspaces.length < 2) return <span class="ws-name">{session.current?.name}</span>;
  return (
    <label class="ws-picker">
      <span class="sr-only">Workspace</span>
      <select
        aria-label="Workspace"
        value={session.current?.id}
        onChange={async (e) => {
          try {
            await switchWorkspace(e.currentTarget.value);
          } finally {
            await session.refresh().catch(() => undefined);
          }
          route('/links');
        }}
      >
        {session.workspaces.map((w) => (
          <option value={w.id} key={w.id}>
            {w.name}
          </option>
        ))}
      </select>
    </label>
  );
}

function Shell(props: { children: ComponentChildren }) {
  const { path, route } = useLocation();
  const session = useSession();
  const inSettings = path.startsWith('/settings');
  const inAnalytics = path === ANALYTICS_PATH;
  return (
    <div class="shell">
      <header class="topbar">
        <a href="/links" class="brand">
          Linkwire
        </a>
        <nav aria-label="Main">
          <a href="/links" aria-current={path.startsWith('/links') && !inAnalytics ? 'page' : undefined}>
            Links
          </a>
          <a href={ANALYTICS_PATH} aria-current={inAnalytics ? 'page' : undefined}>
            Analytics
          </a>
          <a href="/settings/webhooks" aria-current={inSettings ? 'page' : undefined}>
            Settings
          </a>
        </nav>
        <div class="spacer" />
        <WorkspacePicker />
        <button
          type="button"
          class="ghost"
          onClick={async () => {
            await logOut().catch(() => undefined);
            await session.refresh().catch(() => undefined);
            route('/login');
          }}
        >
          Log out
        </button>
      </header>
      <div class={inSettings ? 'with-side' : ''}>
        {inSettings && (
          <nav class="side" aria-label="Settings">
            {SETTINGS.map(([href, label]) => (
              <a key={href} href={href} aria-current={path.startsWith(href) ? 'page' : undefined}>
                {label}
              </a>
            ))}
          </nav>
        )}
        <main id="main">{props.children}</main>
      </div>
    </div>
  );
}

function Redirect(props: { to: string; path?: string; default?: boolean }) {
  const { route } = useLocation();
  useEffect(() => route(props.to, true), [props.to]);
  return null;
}

function Routes() {
  const session = useSession();
  const { path, route } = useLocation();
  const publicPage = path === '/login' || path === '/signup' || path === '/forgot-password' || path.startsWith('/invite/') || path.startsWith('/reset/');
  useEffect(() => {
    if (!session.current && !publicPage) route(`/login${path === '/' ? '' : `?next=${encodeURIComponent(path)}`}`, true);
    // A workspace that requires two-factor sign-in answers nothing else until it is set up.
    else if (session.current && session.twoFactorSetupRequired && !publicPage && path !== '/settings/security') route('/settings/security', true);
  }, [session.current, session.twoFactorSetupRequired, publicPage, path]);
  if (publicPage) {
    return (
      <Router>
        <Route path="/login" component={LoginPage} />
        <Route path="/signup" component={SignupPage} />
        <Route path="/forgot-password" component={ForgotPasswordPage} />
        <Route path="/invite/:token" component={AcceptInvitePage} />
        <Route path="/reset/:token" component={ResetPasswordPage} />
      </Router>
    );
  }
  if (!session.current) return <Loading />;
  return (
    <Shell>
      <Router>
        <Redirect path="/" to="/links" />
        <Route path="/links" component={LinksPage} />
        <Route path="/links/new" component={NewLinkPage} />
        <Route path={ANALYTICS_PATH} component={AnalyticsPage} />
        <Route path="/links/:id" component={LinkDetailPage} />
        <Route path="/links/:id/edit" component={LinkEditPage} />
        <Redirect path="/settings" to="/settings/webhooks" />
        <Route path="/settings/webhooks" component={WebhooksPage} />
        <Route path="/settings/webhooks/new" component={NewWebhookPage} />
        <Route path="/settings/webhooks/:id" component={WebhookDetailPage} />
        <Route path="/settings/domains" component={DomainsPage} />
        <Route path="/settings/members" component={MembersPage} />
        <Route path="/settings/api-keys" component={ApiKeysPage} />
        <Route path="/settings/workspace" component={WorkspacePage} />
        <Route path="/settings/events" component={EventsPage} />
        <Route path="/settings/security" component={SecurityPage} />
        <NotFound default />
      </Router>
    </Shell>
  );
}

function NotFound(_: { default?: boolean }) {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <a href="/links">Go to your links</a>
      </p>
    </section>
  );
}

export function App() {
  const [workspaces, setWorkspaces] = useState<WorkspaceChoice[] | null>(null);
  const [userId, setUserId] = useState<string | null>(null);
  const [twoFactorSetupRequired, setTwoFactorSetupRequired] = useState(false);
  const refresh = useCallback(async () => {
    try {
      const answer = await currentSession();
      setUserId(answer.user_id);
      setTwoFactorSetupRequired(answer.two_factor_setup_required);
      setWorkspaces(answer.workspaces);
    } catch (err) {
      setWorkspaces([]);
      throw err;
    }
  }, []);
  useEffect(() => {
    setUnauthorizedHandler(() => setWorkspaces([]));
    setTwoFactorSetupHandler(() => setTwoFactorSetupRequired(true));
    void refresh();
  }, [refresh]);
  if (workspaces === null) return <Loading />;
  const session: Session = { workspaces, current: workspaces.find((w) => w.current) ?? null, userId, twoFactorSetupRequired, refresh };
  return (
    <SessionContext.Provider value={session}>
      <LocationProvider>
        <Routes />
      </LocationProvider>
    </SessionContext.Provider>
  );
}
