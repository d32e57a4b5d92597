import { ConfigError } from './config-error.js';
import { isLoopbackHost } from './env-values.js';

/** LINKWIRE_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET and _NAME, validated. */
export interface OidcSettings {
  /** The issuer URL as the provider names itself (its discovery document is under it). */
  readonly issuer: string;
  readonly clientId: string;
  /** From the environment only; never stored, logged or sent anywhere but the provider's token endpoint. */
  readonly clientSecret: string;
  /** What the login page's button says: "Sign in with <name>". */
  readonly name: string;
  /** true only for an http:// issuer on loopback (a provider on this machine, in development or tests). */
  readonly insecureLoopback: boolean;
}

const OIDC_VARIABLES = ['LINKWIRE_OIDC_ISSUER', 'LINKWIRE_OIDC_CLIENT_ID', 'LINKWIRE_OIDC_CLIENT_SECRET'] as const;

/**
 * Single sign-on is on when the three LINKWIRE_OIDC_* settings are set, off when none is; some but
 * not all is a mistake worth stopping for. The issuer must be https — but for http on a loopback
 * address (a provider on this very machine), where nothing travels over a network.
 */
export function parseOidc(env: NodeJS.ProcessEnv): OidcSettings | null {
  const given = OIDC_VARIABLES.filter((name) => (env[name] ?? '').trim() !== '');
  if (given.length === 0) {
    if ((env.LINKWIRE_OIDC_NAME ?? '').trim() !== '') throw new ConfigError(`LINKWIRE_OIDC_NAME is set but single sign-on is off: set ${OIDC_VARIABLES.join(', ')} too`);
    return null;
  }
  const missing = OIDC_VARIABLES.filter((name) => !given.includes(name));
  if (missing.length) throw new ConfigError(`Single sign-on needs ${OIDC_VARIABLES.join(', ')}; missing: ${missing.join(', ')}`);
  const raw = env.LINKWIRE_OIDC_ISSUER!.trim();
  let issuer: URL;
  try {
    issuer = new URL(raw);
  } catch {
    throw new ConfigError(`LINKWIRE_OIDC_ISSUER is not a URL: ${raw}`);
  }
  if (issuer.username || issuer.password || issuer.search || issuer.hash) {
    throw new ConfigError('LINKWIRE_OIDC_ISSUER must be the bare issuer URL (no credentials, query or fragment), e.g. https://login.example.com/realms/acme');
  }
  const loopback = isLoopbackHost(issuer.hostname);
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && loopback)) {
    throw new ConfigError('LINKWIRE_OIDC_ISSUER must be an https:// URL (http:// only for a provider on a loopback address such as 127.0.0.1)');
  }
  const name = (env.LINKWIRE_OIDC_NAME ?? '').trim() || issuer.hostname;
  if (name.length > 60) throw new ConfigError('LINKWIRE_OIDC_NAME must be at most 60 characters (it is shown as "Sign in with <name>")');
  return Object.freeze({
    // Exactly as given: discovery compares it with the issuer the provider names (slash included).
    issuer: raw,
    clientId: env.LINKWIRE_OIDC_CLIENT_ID!.trim(),
    clientSecret: env.LINKWIRE_OIDC_CLIENT_SECRET!,
    name,
    insecureLoopback: issuer.protocol === 'http:',
  });
}
