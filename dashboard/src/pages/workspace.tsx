import { useEffect, useState } from 'preact/hooks';
import { getWorkspace, updateWorkspace } from '../api/workspace';
import { useSession } from '../session';
import { usePermission } from '../permissions';
import { Check, ErrorBox, Field, Loading, TextField, fieldErrors, useLoad } from '../ui';

export function WorkspacePage() {
  const session = useSession();
  const ws = useLoad(getWorkspace, []);
  const [name, setName] = useState('');
  const [includeIp, setIncludeIp] = useState(false);
  const [excluded, setExcluded] = useState('');
  const [alerts, setAlerts] = useState(true);
  const [require2fa, setRequire2fa] = useState(false);
  // Only owners may require two-factor sign-in (the API refuses the setting from anyone else).
  const owner = session.current?.role === 'owner';
  const manage = usePermission('workspace:write');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!ws.data) return;
    setName(ws.data.name);
    setIncludeIp(ws.data.settings.include_click_ip);
    setExcluded(ws.data.settings.excluded_ips.join('\n'));
    setAlerts(ws.data.settings.endpoint_alerts);
    setRequire2fa(ws.data.settings.require_2fa);
  }, [ws.data]);
  if (!ws.data) return ws.error ? <ErrorBox error={ws.error} /> : <Loading />;
  const errors = fieldErrors(error);
  return (
    <section>
      <h1>Workspace</h1>
      <form
        class="card"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          setSaved(false);
          try {
            const excluded_ips = excluded
              .split(/[\s,]+/)
              .map((s) => s.trim())
              .filter(Boolean);
            ws.setData(await updateWorkspace({ name: name.trim(), settings: { include_click_ip: includeIp, excluded_ips, endpoint_alerts: alerts, ...(owner ? { require_2fa: require2fa } : {}) } }));
            setSaved(true);
            await session.refresh();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <TextField label="Name" value={name} onValue={setName} error={errors.name} />
        <p class="muted">
          Plan: <strong>{ws.data.plan}</strong> · id <span class="mono">{ws.data.id}</span>
        </p>
        {ws.data.settings.sso_auto_join_domains.length > 0 && (
          <p class="muted">
            People with an address at {ws.data.settings.sso_auto_join_domains.join(', ')} join this workspace as viewers when they first sign in with single sign-on (the
            instance's operators set this).
          </p>
        )}
        <Check label="Include the visitor IP in click events" hint="Off by default; IPs are personal data in many places." checked={includeIp} onChange={setIncludeIp} />
        <Check
          label="Mail owners and admins about failing webhook endpoints"
          hint="When an endpoint has failed 5, 10 and 15 times in a row, and when it is switched off."
          checked={alerts}
          onChange={setAlerts}
        />
        {owner ? (
          <>
            <Check
              label="Require two-factor sign-in for every member"
              hint="Members without it can only set it up until they do. Turn it on for your own account first (Security). API keys are not affected."
              checked={require2fa}
              onChange={setRequire2fa}
            />
            {errors['settings.require_2fa'] && (
              <p class="error-box" role="alert">
                {errors['settings.require_2fa']}
              </p>
            )}
          </>
        ) : (
          ws.data.settings.require_2fa && <p class="muted">This workspace requires two-factor sign-in (its owners decide).</p>
        )}
        <Field label="Excluded IPs" error={errors.settings} hint="CIDRs or addresses, one per line: their clicks are not recorded and fire nothing.">
          {(id, d) => <textarea id={id} aria-describedby={d} rows={4} class="mono" value={excluded} onInput={(e) => setExcluded(e.currentTarget.value)} />}
        </Field>
        <ErrorBox error={Object.keys(errors).length ? null : error} />
        <button type="submit" class="primary" disabled={!manage.allowed} aria-describedby={manage.allowed ? undefined : 'workspace-save-reason'}>
          Save
        </button>
        {!manage.allowed && (
          <span id="workspace-save-reason" class="muted">
            {' '}
            {manage.reason}.
          </span>
        )}
        {saved && <span role="status"> Saved.</span>}
      </form>
    </section>
  );
}
