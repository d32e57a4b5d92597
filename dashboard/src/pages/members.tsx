import { useState } from 'preact/hooks';
import type { Member } from '../api';
import { addMember, changeRole, invitationLink, listMembers, mailStatus, passwordResetLink, pendingResets, removeMember, resendInvitation } from '../api/members';
import { usePermission } from '../permissions';
import { useSession } from '../session';
import { ConfirmDialog, CopyField, DataTable, Dialog, ErrorBox, Loading, TextField, fieldErrors, formatTime, useLoad } from '../ui';

const ROLES = ['owner', 'admin', 'editor', 'viewer'] as const;
const ROLE_HELP: Record<Member['role'], string> = {
  owner: 'everything',
  admin: 'everything but owners',
  editor: 'links, QR codes and webhooks',
  viewer: 'read only',
};

export function MembersPage() {
  const session = useSession();
  const list = useLoad(listMembers, []);
  const mail = useLoad(mailStatus, []);
  const manage = usePermission('members:write');
  const myRole = session.current?.role;
  // Owners alone touch owners (the server says so too).
  const ownerOnly = (m: Member) => m.role === 'owner' && myRole !== 'owner';
  const roleReasonOf = (m: Member) => (!manage.allowed ? manage.reason : ownerOnly(m) ? 'Only an owner can change an owner’s role' : '');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Member['role']>('viewer');
  const [error, setError] = useState<unknown>(null);
  const [rowError, setRowError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const errors = fieldErrors(error);
  const rowAction = async (what: () => Promise<void>) => {
    setRowError(null);
    setNotice(null);
    try {
      await what();
    } catch (err) {
      setRowError(err);
    }
    list.reload();
  };
  return (
    <section>
      <h1>Members</h1>
      {manage.allowed ? (
        <form
          class="card row"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            setNotice(null);
            try {
              const added = await addMember(email.trim(), role);
              setEmail('');
              setNotice(added.status === 'invited' ? `Invitation ${mail.data?.smtp_configured === false ? 'created (no mail server is set up: copy its link below)' : 'mailed'} to ${added.email}.` : `${added.email} joined as ${added.role}.`);
              list.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <TextField label="Email" type="email" value={email} onValue={setEmail} error={errors.email} placeholder="colleague@example.com" />
          <label>
            <span>Role</span>
            <select aria-label="Role" value={role} onChange={(e) => setRole(e.currentTarget.value as Member['role'])}>
              {ROLES.filter((r) => r !== 'owner' || myRole === 'owner').map((r) => (
                <option key={r} value={r}>
                  {r} ({ROLE_HELP[r]})
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="primary">
            Invite member
          </button>
        </form>
      ) : (
        <p class="muted" role="note">
          {manage.reason}.
        </p>
      )}
      {notice && (
        <p role="status" class="muted">
          {notice}
        </p>
      )}
      <ErrorBox error={errors.email ? null : (error ?? list.error ?? rowError)} />
      {!list.data && <Loading />}
      {list.data && (
        <DataTable
          rows={list.data.data}
          rowKey={(m) => m.email}
          columns={[
            { header: 'Email', cell: (m) => m.email },
            {
              header: 'Role',
              cell: (m) => {
                const reason = roleReasonOf(m);
                return (
                  <select
                    aria-label={`Role of ${m.email}`}
                    value={m.role}
                    disabled={reason !== ''}
                    title={reason || undefined}
                    onChange={(e) => rowAction(async () => void (await changeRole(m, e.currentTarget.value as Member['role'])))}
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r} disabled={r === 'owner' && myRole !== 'owner'}>
                        {r}
                      </option>
                    ))}
                  </select>
                );
              },
            },
            { header: 'Status', cell: (m) => <span class={`badge ${m.status === 'invited' ? 'badge-pending' : ''}`}>{m.status}</span> },
            { header: 'Added', class: 'small', cell: (m) => formatTime(m.added_at) },
            {
              header: 'Actions',
              hidden: true,
              class: 'actions',
              cell: (m) => {
                const self = m.user_id !== null && m.user_id === session.userId;
                return (
                  <>
                    {m.status === 'invited' && manage.allowed && (
                      <>
                        <button type="button" class="ghost" aria-label={`Resend invitation to ${m.email}`} onClick={() => rowAction(async () => {
                          await resendInvitation(m);
                          setNotice(`Invitation mailed again to ${m.email}.`);
                        })}>
                          Resend
                        </button>
                        <button type="button" class="ghost" aria-label={`Copy invitation link for ${m.email}`} onClick={() => rowAction(async () => {
                          const created = await invitationLink(m);
                          setLink({ email: m.email, url: created.url });
                        })}>
                          Copy link
                        </button>
                      </>
                    )}
                    {(manage.allowed || self) && !ownerOnly(m) && (
                      <button type="button" class="ghost" aria-label={m.status === 'invited' ? `Revoke invitation to ${m.email}` : self ? 'Leave this workspace' : `Remove ${m.email}`} onClick={() => setRemoving(m)}>
                        {m.status === 'invited' ? 'Revoke' : self ? 'Leave' : 'Remove'}
                      </button>
                    )}
                  </>
                );
              },
            },
          ]}
        />
      )}
      {mail.data?.operator && !mail.data.smtp_configured && <PendingResets />}
      <Dialog open={link !== null} title="Invitation link" onClose={() => setLink(null)}>
        <p>Send this link to {link?.email} yourself. It works once, for 7 days; anyone who has it can join as the invited role.</p>
        {link && <CopyField label="Invitation link" value={link.url} />}
      </Dialog>
      <ConfirmDialog
        open={removing !== null}
        title={removing?.status === 'invited' ? 'Revoke invitation?' : 'Remove member?'}
        message={removing?.status === 'invited' ? `The invitation links sent to ${removing.email} stop working.` : `${removing?.email ?? ''} loses access to this workspace.`}
        confirm={removing?.status === 'invited' ? 'Revoke invitation' : 'Remove member'}
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          if (removing) await removeMember(removing);
          list.reload();
        }}
      />
    </section>
  );
}

/** Operators, when no mail server is set up: reset requests of the last hour, each handed over as a link. */
function PendingResets() {
  const list = useLoad(pendingResets, []);
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <section class="card">
      <h2>Password reset requests</h2>
      <p class="muted">No mail server is set up (LINKWIRE_SMTP_URL), so these were not mailed. As an operator, create a link and hand it to the person yourself, after checking it is them.</p>
      <ErrorBox error={error ?? list.error} />
      {list.data && list.data.data.length === 0 && <p class="muted">None in the last hour.</p>}
      <ul>
        {list.data?.data.map((r) => (
          <li key={r.id}>
            {r.email} · {formatTime(r.requested_at)}{' '}
            <button type="button" class="ghost" aria-label={`Create reset link for ${r.email}`} onClick={async () => {
              setError(null);
              try {
                setLink(await passwordResetLink(r.id));
              } catch (err) {
                setError(err);
              }
              list.reload();
            }}>
              Create link
            </button>
          </li>
        ))}
      </ul>
      <Dialog open={link !== null} title="Password reset link" onClose={() => setLink(null)}>
        <p>Hand this to {link?.email} only. It works once, for 1 hour.</p>
        {link && <CopyField label="Reset link" value={link.url} />}
      </Dialog>
    </section>
  );
}
