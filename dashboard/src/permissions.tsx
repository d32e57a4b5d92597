import type { ComponentChildren } from 'preact';
import { can, refusal, type Permission } from '../../src/accounts/permissions';
import { useSession } from './session';

/** Whether the current role has `permission`, and if not, why (the server's own table: src/accounts/permissions.ts). */
export function usePermission(permission: Permission): { allowed: boolean; reason: string } {
  const role = useSession().current?.role ?? 'viewer';
  const allowed = can(role, permission);
  return { allowed, reason: allowed ? '' : refusal(role, permission) };
}

/** Shows `children` to roles that may use them; others read why not, in place of the controls. */
export function Allowed(props: { permission: Permission; children: ComponentChildren }) {
  const { allowed, reason } = usePermission(props.permission);
  if (allowed) return <>{props.children}</>;
  return (
    <p class="muted" role="note">
      {reason}.
    </p>
  );
}
