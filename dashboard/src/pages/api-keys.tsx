import { useState } from 'preact/hooks';
import { del, get, post, type Page } from '../api';
import { Allowed, usePermission } from '../permissions';
import { ConfirmDialog, CopyField, Empty, ErrorBox, Loading, TextField, fieldErrors, formatTime, useLoad } from '../ui';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  last_used_at: string | null;
}

const SCOPES = ['links:read', 'links:write', 'webhooks:read', 'webhooks:write', 'domains:read', 'domains:write', 'events:read', 'members:read', 'members:write', 'api_keys:read', 'api_keys:write', 'integrations:read', 'integrations:write', 'workspace:read', 'workspace:write'];

export function ApiKeysPage() {
  const list = useLoad(() => get<Page<ApiKey>>('/api/workspace/api-keys?limit=100'), []);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const manage = usePermission('api_keys:write');
  return (
    <section>
      <h1>API keys</h1>
      {created && (
        <div class="secret-once card" role="status">
          <p>
            <strong>Copy the key now: you will not see it again.</strong>
          </p>
          <CopyField label="New API key" value={created} secret />
          <button type="button" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      <Allowed permission="api_keys:write">
        <form
          class="card"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              const r = await post<{ key: string }>('/api/workspace/api-keys', { name: name.trim(), scopes });
              setCreated(r.key);
              setName('');
              setScopes([]);
              list.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <TextField label="Key name" value={name} onValue={setName} error={fieldErrors(error).name} placeholder="CI deploys" />
          <fieldset>
            <legend>Scopes (none: the full access of your role)</legend>
            <div class="scope-grid">
              {SCOPES.map((s) => (
                <label class="check" key={s}>
                  <input type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(e.currentTarget.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} />
                  <span class="mono small">{s}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <ErrorBox error={fieldErrors(error).name ? null : error} />
          <button type="submit" class="primary">
            Create API key
          </button>
        </form>
      </Allowed>
      <ErrorBox error={list.error} />
      {!list.data && <Loading />}
      {list.data?.data.length === 0 && <Empty title="No API keys">Create one for scripts, the CLI or the SDK.</Empty>}
      {list.data && list.data.data.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td class="mono small">{k.prefix}…</td>
                  <td class="small">{k.scopes.length ? k.scopes.join(', ') : 'full access'}</td>
                  <td class="small">{formatTime(k.last_used_at)}</td>
                  <td>
                    {manage.allowed && (
                      <button type="button" class="ghost" aria-label={`Revoke ${k.name}`} onClick={() => setRevoking(k)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this key?"
        message={`Anything using “${revoking?.name ?? ''}” stops working at once.`}
        confirm="Revoke key"
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          await del(`/api/workspace/api-keys/${revoking!.id}`);
          list.reload();
        }}
      />
    </section>
  );
}
