import { Type, type Static } from '@sinclair/typebox';
import { Id, Nullable, Timestamp } from '../schemas/common.js';
import { ROLE_NAMES, type RoleName } from './permissions.js';

export const ROLES = ROLE_NAMES;
export type MemberRole = RoleName;
/** A role as the API answers it. */
export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
/** A role as the API accepts it: `member` is the old name of `viewer` (canonicalRole maps it). */
export const RoleInputSchema = Type.Union([...ROLES, 'member' as const].map((r) => Type.Literal(r)), {
  description: 'owner, admin, editor or viewer (`member` is accepted as an alias of viewer)',
});

export const WorkspaceSettingsSchema = Type.Object({
  include_click_ip: Type.Boolean({ description: 'Whether click payloads carry the visitor IP' }),
  excluded_ips: Type.Array(Type.String(), { description: 'CIDRs whose clicks are not recorded and fire nothing' }),
  endpoint_alerts: Type.Boolean({ description: 'Mail owners and admins when a webhook endpoint fails 5, 10, 15 times in a row and when it is switched off (default true)' }),
  timezone: Type.String({ description: "IANA time zone of the workspace's analytics days and hours (default UTC)" }),
  require_2fa: Type.Boolean({ description: 'Members must sign in with two-factor: a dashboard session of a member without it may only set it up (default false; owners only; API keys are unaffected)' }),
  sso_auto_join_domains: Type.Array(Type.String(), {
    description: 'Email domains whose people join this workspace as viewers when they first sign in with single sign-on (only the instance operators, LINKWIRE_ADMIN_EMAILS, may change it)',
  }),
});
export type WorkspaceSettings = Static<typeof WorkspaceSettingsSchema>;

export const WorkspaceSchema = Type.Object({
  id: Id('ws'),
  name: Type.String(),
  plan: Type.String(),
  settings: WorkspaceSettingsSchema,
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Workspace = Static<typeof WorkspaceSchema>;

export const UserSchema = Type.Object({ id: Id('usr'), email: Type.String(), created_at: Timestamp });

export const MemberSchema = Type.Object({
  user_id: Nullable(Type.String()),
  email: Type.String(),
  role: RoleSchema,
  added_at: Timestamp,
  status: Type.Union([Type.Literal('active'), Type.Literal('invited')], { description: 'invited: the invitation is not accepted yet' }),
});
export type Member = Static<typeof MemberSchema>;

export const ApiKeySchema = Type.Object({
  id: Id('key'),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it' }),
  scopes: Type.Array(Type.String()),
  created_at: Timestamp,
  last_used_at: Nullable(Timestamp),
});
export type ApiKey = Static<typeof ApiKeySchema>;

export const SignupBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 8, maxLength: 200 }),
    workspace_name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  { email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 200 }) },
  { additionalProperties: false },
);

export const UpdateWorkspaceBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    plan: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    settings: Type.Optional(
      Type.Object(
        {
          include_click_ip: Type.Optional(Type.Boolean()),
          excluded_ips: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 500 })),
          endpoint_alerts: Type.Optional(Type.Boolean()),
          timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'An IANA time zone name, e.g. Europe/Paris' })),
          require_2fa: Type.Optional(Type.Boolean({ description: 'Owners only; needs two-factor sign-in on the owner’s own account' })),
          sso_auto_join_domains: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 50, description: 'Operators only' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
