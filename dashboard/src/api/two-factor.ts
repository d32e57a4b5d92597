/** The signed-in person's two-factor sign-in (POST /api/auth/2fa/…, docs/security.md). */
import type { operations } from '../../../src/sdk/openapi-types.js';
import { get, post } from '../api';

export type TwoFactorStatus = operations['getAuth2fa']['responses'][200]['content']['application/json'];
export type TwoFactorSetup = operations['postAuth2faSetup']['responses'][200]['content']['application/json'];
export type RecoveryCodes = operations['postAuth2faEnable']['responses'][200]['content']['application/json'];

export const twoFactorStatus = () => get<TwoFactorStatus>('/api/auth/2fa');
/** A new secret (its QR code and otpauth URL) waiting for one valid code. */
export const startTwoFactorSetup = () => post<TwoFactorSetup>('/api/auth/2fa/setup');
/** Turns it on with the first code; the answer holds the recovery codes, shown only once. */
export const enableTwoFactor = (code: string) => post<RecoveryCodes>('/api/auth/2fa/enable', { code });
export const disableTwoFactor = (code: string) => post<void>('/api/auth/2fa/disable', { code });
export const renewRecoveryCodes = (code: string) => post<RecoveryCodes>('/api/auth/2fa/recovery-codes', { code });
