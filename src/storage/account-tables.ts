/*
 * The tables of who may sign in and to what: workspaces, users and their memberships, sessions,
 * API keys, invitations, one-time tokens, throttles, two-factor secrets and single sign-on.
 * Stored like every table (schema.ts): times as epoch milliseconds, booleans as 0/1, JSON as text.
 */

export interface WorkspaceTable {
  id: string;
  name: string;
  plan: string;
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface UserTable {
  id: string;
  email: string;
  password_hash: string;
  created_at: number;
}

export interface MembershipTable {
  workspace_id: string;
  user_id: string;
  role: string;
  added_at: number;
}

export interface SessionTable {
  id: string;
  user_id: string;
  workspace_id: string;
  created_at: number;
  expires_at: number;
}

export interface ApiKeyTable {
  id: string;
  workspace_id: string;
  name: string;
  key_hash: string;
  key_prefix: string;
  scopes: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
}

/** A pending member: an email invited before it had an account; signup with that email accepts it. */
export interface InviteTable {
  id: string;
  workspace_id: string;
  email: string;
  role: string;
  invited_by: string | null;
  created_at: number;
}

export interface AuthTokenTable {
  token_hash: string;
  kind: string;
  subject: string;
  mail_id: string | null;
  created_at: number;
  expires_at: number;
}

export interface RequestThrottleTable {
  bucket: string;
  hits: number;
  window_started_at: number;
}

/** Login attempts of one bucket (an account at an address, an address, an account) in a fixed window. */
export interface LoginAttemptTable {
  bucket: string;
  attempts: number;
  window_started_at: number;
}

export interface TwoFactorTable {
  user_id: string;
  /** The TOTP secret sealed by the secret box; never the secret itself. */
  secret: string;
  enabled_at: number | null;
  last_step: number;
  created_at: number;
}

export interface RecoveryCodeTable {
  code_hash: string;
  user_id: string;
  created_at: number;
}

/** A single sign-on started and not finished (src/sso/sso-flow.ts); `id` is the SHA-256 of the browser's cookie. */
export interface OidcLoginTable {
  id: string;
  next_path: string | null;
  created_at: number;
  expires_at: number;
}
