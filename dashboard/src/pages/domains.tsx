import { useState } from 'preact/hooks';
import type { Domain } from '../api';
import { addDomain, deleteDomain, listDomains, verifyDomain } from '../api/domains';
import { Allowed, usePermission } from '../permissions';
import { ConfirmDialog, CopyField, Empty, ErrorBox, Loading, TextField, fieldErrors, formatTime, useLoad } from '../ui';

function DomainCard(props: { domain: Domain; onChange: () => void }) {
  const d = props.domain;
  const [checking, setChecking] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [removing, setRemoving] = useState(false);
  const manage = usePermission('domains:write');
  return (
    <li class="card">
      <div class="page-head">
        <h2 class="mono">{d.hostname}</h2>
        <span class={`badge badge-${d.verified ? 'succeeded' : 'pending'}`}>{d.verified ? `Verified ${formatTime(d.verified_at)}` : 'Not verified yet'}</span>
      </div>
      {!d.verified && (
        <>
          <p>Create this DNS TXT record at your DNS provider, then check it:</p>
          <CopyField label="TXT record name" value={d.verification.name} />
          <CopyField label="TXT record value" value={d.verification.value} />
        </>
      )}
      <ErrorBox error={error} />
      {note && (
        <p role="status" class="muted">
          {note}
        </p>
      )}
      {manage.allowed && (
        <div class="actions">
          {!d.verified && (
            <button
              type="button"
              class="primary"
              disabled={checking}
              onClick={async () => {
                setChecking(true);
                setError(null);
                setNote(null);
                try {
                  const r = await verifyDomain(d.id);
                  if (r.verified) props.onChange();
                  else setNote(`Not seen yet: ${r.verification_error ?? `no TXT record ${r.verification.name} with that value was found. DNS changes can take a few minutes.`}`);
                } catch (err) {
                  setError(err);
                } finally {
                  setChecking(false);
                }
              }}
            >
              {checking ? 'Checking…' : 'Verify'}
            </button>
          )}
          <button type="button" class="danger" onClick={() => setRemoving(true)}>
            Remove
          </button>
        </div>
      )}
      <ConfirmDialog
        open={removing}
        title={`Remove ${d.hostname}?`}
        message="Its links stop redirecting on this domain."
        confirm="Remove domain"
        onClose={() => setRemoving(false)}
        onConfirm={async () => {
          await deleteDomain(d.id);
          props.onChange();
        }}
      />
    </li>
  );
}

export function DomainsPage() {
  const list = useLoad(listDomains, []);
  const [hostname, setHostname] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <section>
      <h1>Domains</h1>
      <Allowed permission="domains:write">
        <form
          class="card row"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              await addDomain(hostname.trim());
              setHostname('');
              list.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <TextField label="Custom domain" value={hostname} onValue={setHostname} placeholder="go.example.com" error={fieldErrors(error).hostname ?? (error instanceof Error ? error.message : undefined)} />
          <button type="submit" class="primary">
            Add domain
          </button>
        </form>
      </Allowed>
      <ErrorBox error={list.error} />
      {!list.data && <Loading />}
      {list.data?.data.length === 0 && <Empty title="No custom domains">Add one above to shorten links on your own domain.</Empty>}
      <ul class="plain">
        {list.data?.data.map((d) => <DomainCard key={d.id} domain={d} onChange={list.reload} />)}
      </ul>
    </section>
  );
}
