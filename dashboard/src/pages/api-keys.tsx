import { useState } from 'preact/hooks';
import type { ApiKey } from '../api';
import { createApiKey, listApiKeys, revokeApiKey } from '../api/api-keys';
import { Allowed, usePermission } from '../permissions';
import { ConfirmDialog, CopyField, DataTable, Empty, ErrorBox, Loading, TextField, fieldErrors, formatTime, useLoad } from '../ui';

const SCOPES = ['links:read', 'links:write', 'webhooks:read', 'webhooks:write', 'domains:read', 'domains:write', 'events:read', 'members:read', 'members:write', 'api_keys:read', 'api_keys:write', 'integrations:read', 'integrations:write', 'workspace:read', 'workspace:write'];

export function ApiKeysPage() {
  const list = useLoad(listApiKeys, []);
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
              const r = await createApiKey(name.trim(), scopes);
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
        <DataTable
          rows={list.data.data}
          rowKey={(k) => k.id}
          columns={[
            { header: 'Name', cell: (k) => k.name },
            { header: 'Key', class: 'mono small', cell: (k) => `${k.prefix}…` },
            { header: 'Scopes', class: 'small', cell: (k) => (k.scopes.length ? k.scopes.join(', ') : 'full access') },
            { header: 'Last used', class: 'small', cell: (k) => formatTime(k.last_used_at) },
            {
              header: 'Actions',
              hidden: true,
              cell: (k) =>
                manage.allowed && (
                  <button type="button" class="ghost" aria-label={`Revoke ${k.name}`} onClick={() => setRevoking(k)}>
                    Revoke
                  </button>
                ),
            },
          ]}
        />
      )}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this key?"
        message={`Anything using “${revoking?.name ?? ''}” stops working at once.`}
        confirm="Revoke key"
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          await revokeApiKey(revoking!.id);
          list.reload();
        }}
      />
    </section>
  );
}
