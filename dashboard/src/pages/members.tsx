import { useState } from 'preact/hooks';
import { del, get, patch, post, type Page } from '../api';
import { ConfirmDialog, ErrorBox, Loading, TextField, fieldErrors, formatTime, useLoad } from '../ui';

interface Member {
  user_id: string | null;
  email: string;
  role: 'owner' | 'admin' | 'member';
  added_at: string;
}

const ROLES = ['owner', 'admin', 'member'] as const;

export function MembersPage() {
  const list = useLoad(() => get<Page<Member>>('/api/workspace/members?limit=100'), []);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Member['role']>('member');
  const [error, setError] = useState<unknown>(null);
  const [rowError, setRowError] = useState<unknown>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const errors = fieldErrors(error);
  return (
    <section>
      <h1>Members</h1>
      <form
        class="card row"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            await post('/api/workspace/members', { email: email.trim(), role });
            setEmail('');
            list.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <TextField label="Email" type="email" value={email} onValue={setEmail} error={errors.email} placeholder="colleague@example.com" />
        <label>
          <span>Role</span>
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as Member['role'])}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary">
          Add member
        </button>
      </form>
      <ErrorBox error={errors.email ? null : (error ?? list.error ?? rowError)} />
      {!list.data && <Loading />}
      {list.data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((m) => (
                <tr key={m.email}>
                  <td>
                    {m.email}
                    {!m.user_id && <span class="badge">invited</span>}
                  </td>
                  <td>
                    <select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      disabled={!m.user_id}
                      onChange={async (e) => {
                        setRowError(null);
                        try {
                          await patch(`/api/workspace/members/${m.user_id}`, { role: e.currentTarget.value });
                        } catch (err) {
                          setRowError(err);
                        }
                        list.reload();
                      }}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td class="small">{formatTime(m.added_at)}</td>
                  <td>
                    <button type="button" class="ghost" aria-label={`Remove ${m.email}`} onClick={() => setRemoving(m)}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={removing !== null}
        title="Remove member?"
        message={`${removing?.email ?? ''} loses access to this workspace.`}
        confirm="Remove member"
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          await del(`/api/workspace/members/${encodeURIComponent(removing?.user_id ?? removing?.email ?? '')}`);
          list.reload();
        }}
      />
    </section>
  );
}
