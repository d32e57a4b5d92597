import type { MemberRole } from './account-schema.js';

/** Who is calling: always one workspace. `userId` is null for API keys made outside a user session. */
export interface Principal {
  workspaceId: string;
  userId: string | null;
  /** That user's email (an API key's: its maker's), when there is a user. */
  email: string | null;
  role: MemberRole;
  via: 'api_key' | 'session';
  keyId: string | null;
  scopes: readonly string[];
  /**
   * A dashboard session in a workspace that requires two-factor sign-in, of a user who has not set
   * it up: it reaches only the routes that set it up (route config `twoFactorSetup`).
   */
  twoFactorSetupRequired?: boolean;
}
