import * as client from 'openid-client';
import type { OidcSettings } from '../config/oidc-settings.js';
import { AppError } from '../errors.js';

/** What the provider says about who signed in. */
export interface SignedInIdentity {
  subject: string;
  email: string | null;
  emailVerified: boolean;
}

/** The per-sign-in secrets the provider is given (or their hashes) and must answer with. */
export interface FlowChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/**
 * Linkwire as a relying party of the configured OpenID provider (openid-client 6): the
 * authorization code flow with PKCE, state and nonce. The provider's metadata is fetched once, on
 * the first sign-in (a provider that is down at boot does not stop Linkwire), and again after a
 * failure. The client secret goes only to the provider's token endpoint.
 */
export class OidcClient {
  private configuration: Promise<client.Configuration> | null = null;

  constructor(
    private readonly settings: OidcSettings,
    /** `<LINKWIRE_BASE_URL>/api/auth/oidc/callback`: register it at the provider. */
    readonly redirectUri: string,
  ) {}

  async authorizationUrl(checks: FlowChecks): Promise<URL> {
    const config = await this.discover();
    return client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      response_type: 'code',
      scope: 'openid email',
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /**
   * Trades the callback's code for the ID token, checking state, nonce, PKCE, issuer, audience and
   * signature (openid-client does), and returns the identity. The email and `email_verified` come
   * from the ID token; a provider that leaves them out of it is asked at its userinfo endpoint for
   * the same subject. Failures become AppErrors in words (401: this sign-in is refused; 503: the
   * provider could not be reached).
   */
  async finish(callbackUrl: URL, checks: FlowChecks): Promise<SignedInIdentity> {
    const config = await this.discover();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
    } catch (err) {
      throw refusal(err);
    }
    const claims = tokens.claims();
    if (!claims) throw new AppError('UNAUTHORIZED', 'The provider sent no ID token; single sign-on needs an OpenID Connect provider');
    let email = typeof claims.email === 'string' ? claims.email : null;
    let verified = claims.email_verified === true;
    if (email === null) {
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        email = typeof info.email === 'string' ? info.email : null;
        verified = info.email_verified === true;
      } catch (err) {
        throw refusal(err);
      }
    }
    return { subject: claims.sub, email, emailVerified: verified };
  }

  private discover(): Promise<client.Configuration> {
    this.configuration ??= this.fetchConfiguration().catch((err: unknown) => {
      this.configuration = null;
      throw err;
    });
    return this.configuration;
  }

  private async fetchConfiguration(): Promise<client.Configuration> {
    const { issuer, clientId, clientSecret, insecureLoopback } = this.settings;
    // Plain http only for a provider on loopback (config.ts allows no other http issuer).
    const options = insecureLoopback ? { execute: [client.allowInsecureRequests] } : undefined;
    let config: client.Configuration;
    try {
      config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretPost(clientSecret), options);
    } catch (err) {
      throw new AppError('SERVICE_UNAVAILABLE', `The sign-in provider (${issuer}) could not be reached or described itself wrongly: ${describe(err)}`);
    }
    // client_secret_basic is the standard's default; use it when the provider does not take the secret in the body.
    const methods = config.serverMetadata().token_endpoint_auth_methods_supported;
    if (methods && !methods.includes('client_secret_post') && methods.includes('client_secret_basic')) {
      config = new client.Configuration(config.serverMetadata(), clientId, undefined, client.ClientSecretBasic(clientSecret));
      if (insecureLoopback) client.allowInsecureRequests(config);
    }
    return config;
  }
}

/** An openid-client failure as an answer in words; never carries a token or the code. */
function refusal(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof client.AuthorizationResponseError) {
    return new AppError('UNAUTHORIZED', `The provider refused the sign-in (${err.error}${err.error_description ? `: ${err.error_description}` : ''})`);
  }
  if (err instanceof client.ResponseBodyError) {
    return new AppError('UNAUTHORIZED', `The provider did not accept this sign-in (${err.error}${err.error_description ? `: ${err.error_description}` : ''}); start again`);
  }
  if (err instanceof client.ClientError && err.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') {
    const claim = (err.cause as { cause?: { claim?: unknown } } | undefined)?.cause?.claim;
    if (claim === 'nonce') return new AppError('UNAUTHORIZED', 'The ID token does not belong to this sign-in (its nonce does not match); start again');
    return new AppError('UNAUTHORIZED', `The ID token was refused: its "${String(claim)}" claim is not what this sign-in expects`);
  }
  if (err instanceof client.ClientError) return new AppError('UNAUTHORIZED', `The provider's answer was refused: ${describe(err)}`);
  return new AppError('SERVICE_UNAVAILABLE', `The sign-in provider could not be reached: ${describe(err)}`);
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
