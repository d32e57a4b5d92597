import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { expect } from 'vitest';
import { loadTlsFixtures } from './tls-fixtures.js';

export interface TestIdentity {
  email: string;
  email_verified: boolean;
}

/**
 * A real OpenID provider (oidc-provider 9) on https://127.0.0.1:<port>, with the test CA's
 * certificate. It knows one client and the identities a test gives it; its sign-in page is one
 * button, "Sign in as <email>", for the identity `signInAs` names (no password: the provider's own
 * login is not what the tests are about). The page loads nothing from elsewhere, unlike
 * oidc-provider's development pages.
 */
export class TestOidcProvider {
  readonly identities = new Map<string, TestIdentity>();
  /** The account id the next sign-in page signs in. */
  signInAs = '';
  readonly clientId = 'linkwire-test';
  readonly clientSecret = `test-client-secret-${Math.random().toString(36).slice(2)}`;
  private server: Server | HttpServer | null = null;
  private issuerUrl = '';

  get issuer(): string {
    return this.issuerUrl;
  }

  /** Listens first (the issuer URL needs the port), and takes requests once `configure` named the redirect URIs. */
  async listen(options: { plainHttp?: boolean } = {}): Promise<string> {
    const tls = loadTlsFixtures();
    // Plain http only to show that Linkwire accepts it for a loopback issuer (config.ts).
    const server = options.plainHttp ? createHttpServer() : createServer({ cert: tls.cert, key: tls.key });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.issuerUrl = `${options.plainHttp ? 'http' : 'https'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.issuerUrl;
  }

  configure(...redirectUris: string[]): void {
    const identities = this.identities;
    const provider = new Provider(this.issuerUrl, {
      clients: [
        {
          client_id: this.clientId,
          client_secret: this.clientSecret,
          redirect_uris: redirectUris,
          response_types: ['code'],
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      findAccount: async (_ctx: unknown, id: string) => {
        const identity = identities.get(id);
        return identity ? { accountId: id, claims: async () => ({ sub: id, ...identity }) } : undefined;
      },
      claims: { openid: ['sub'], email: ['email', 'email_verified'] },
      // The email claims go into the ID token, as Google's, Entra's and Keycloak's do.
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      cookies: { keys: ['linkwire-test-provider-cookie-key'] },
      pkce: { required: () => true },
      ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    });
    const handle = provider.callback();
    this.server!.on('request', (req, res) => {
      const match = /^\/interaction\/([\w-]+)$/.exec(req.url ?? '');
      if (!match) return handle(req, res);
      void this.interaction(provider, req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
      });
    });
  }

  private async interaction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const identity = this.identities.get(this.signInAs);
    if (req.method === 'GET') {
      const label = identity ? `Sign in as ${identity.email}` : 'No test identity chosen';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Test provider</title></head><body><main><h1>Test provider</h1><form method="post" action="/interaction/${details.uid}"><button type="submit">${label}</button></form></main></body></html>`);
      return;
    }
    // Read (and ignore) the form body, then finish: logged in as `signInAs`, consent to openid + email given.
    for await (const _chunk of req) void _chunk;
    const grant = new provider.Grant({ accountId: this.signInAs, clientId: details.params.client_id });
    grant.addOIDCScope('openid email');
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId: this.signInAs }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A browser's cookies, by name (the app and the provider share the host 127.0.0.1 and use distinct names). */
export class CookieBrowser {
  readonly cookies = new Map<string, string>();

  /** One request, redirects not followed, cookies sent and kept. */
  async go(url: string, init: { method?: string; body?: string; accept?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: init.accept ?? 'application/json' };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method: init.method ?? 'GET', headers, redirect: 'manual', ...(init.body !== undefined ? { body: init.body } : {}) });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || attributes.some((a) => /^\s*max-age=0$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}


/**
 * Drives a sign-in as a browser would: the app's start → the provider → its sign-in page (one
 * button) → back to the app's callback, whose answer is returned. `tamper` changes the
 * authorization request on its way to the provider.
 */
export async function signInThrough(
  provider: TestOidcProvider,
  browser: CookieBrowser,
  appUrl: string,
  as: string,
  options: { next?: string | undefined; tamper?: ((url: URL) => void) | undefined; accept?: string | undefined } = {},
): Promise<Response> {
  provider.signInAs = as;
  const start = await browser.go(`${appUrl}/api/auth/oidc/start${options.next ? `?next=${encodeURIComponent(options.next)}` : ''}`);
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.origin).toBe(provider.issuer);
  options.tamper?.(authorize);
  let location = authorize.href;
  for (let hop = 0; hop < 10; hop++) {
    if (location.startsWith(`${appUrl}/api/auth/oidc/callback`)) return browser.go(location, options.accept ? { accept: options.accept } : {});
    let res = await browser.go(location);
    if (res.status === 200 && new URL(location).pathname.startsWith('/interaction/')) {
      expect(await res.text()).toContain(`Sign in as ${provider.identities.get(as)!.email}`);
      res = await browser.go(location, { method: 'POST', body: '' });
    }
    expect([302, 303], `${location} answered ${res.status}`).toContain(res.status);
    location = new URL(res.headers.get('location')!, location).href;
  }
  throw new Error('the provider never sent the browser back');
}
