import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/config/config-error.js';

const OIDC = { LINKWIRE_OIDC_ISSUER: 'https://login.acme.example/realms/staff', LINKWIRE_OIDC_CLIENT_ID: 'linkwire', LINKWIRE_OIDC_CLIENT_SECRET: 's3cret-from-env' };

describe('LINKWIRE_OIDC_* settings', () => {
  it('single sign-on is off without them, on with all three; the name defaults to the issuer’s host', () => {
    expect(loadConfig({}).oidc).toBeNull();
    expect(loadConfig(OIDC).oidc).toEqual({ issuer: 'https://login.acme.example/realms/staff', clientId: 'linkwire', clientSecret: 's3cret-from-env', name: 'login.acme.example', insecureLoopback: false });
    expect(loadConfig({ ...OIDC, LINKWIRE_OIDC_NAME: 'Acme SSO' }).oidc?.name).toBe('Acme SSO');
  });

  it('names what is missing when only some are set', () => {
    expect(() => loadConfig({ LINKWIRE_OIDC_ISSUER: OIDC.LINKWIRE_OIDC_ISSUER })).toThrow(/missing: LINKWIRE_OIDC_CLIENT_ID, LINKWIRE_OIDC_CLIENT_SECRET/);
    expect(() => loadConfig({ LINKWIRE_OIDC_NAME: 'Acme' })).toThrow(/LINKWIRE_OIDC_NAME is set but single sign-on is off/);
  });

  it('takes https issuers, and http only on loopback', () => {
    expect(() => loadConfig({ ...OIDC, LINKWIRE_OIDC_ISSUER: 'not a url' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...OIDC, LINKWIRE_OIDC_ISSUER: 'http://login.acme.example' })).toThrow(/must be an https:\/\/ URL/);
    expect(() => loadConfig({ ...OIDC, LINKWIRE_OIDC_ISSUER: 'https://login.acme.example/?x=1' })).toThrow(/bare issuer URL/);
    expect(loadConfig({ ...OIDC, LINKWIRE_OIDC_ISSUER: 'http://127.0.0.1:9000' }).oidc?.insecureLoopback).toBe(true);
    expect(loadConfig({ ...OIDC, LINKWIRE_OIDC_ISSUER: 'http://[::1]:9000' }).oidc?.insecureLoopback).toBe(true);
  });
});
