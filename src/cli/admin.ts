import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { outputOf, UsageError, withJson } from './context.js';
import { note, printJson, printList, printObject } from './output.js';

/*
 * Operator commands: they open LINKWIRE_DATABASE_URL directly (no server, no API key) and go
 * through the same domain services as the API, so events (account.upgraded, …) are emitted as
 * usual. Imported lazily: API commands do not load the server.
 */

async function withAccounts<T>(fn: (services: Awaited<ReturnType<typeof openServices>>) => Promise<T>): Promise<T> {
  const services = await openServices();
  try {
    return await fn(services);
  } finally {
    await services.storage.close();
  }
}

async function openServices() {
  const [{ loadConfig }, { openStorage }, { AccountsService }, { AccountAdmin }, { PlanTable }, { Outbox }, { createIdSource }, { systemClock }] = await Promise.all([
    import('../config.js'),
    import('../storage/open.js'),
    import('../accounts/accounts-service.js'),
    import('../accounts/account-admin.js'),
    import('../accounts/plans.js'),
    import('../events/outbox.js'),
    import('../runtime/ids.js'),
    import('../runtime/clock.js'),
  ]);
  // The operator may create users even when public signup is closed.
  const config = Object.freeze({ ...loadConfig(process.env), signupOpen: true });
  const storage = openStorage(config.databaseUrl);
  await storage.migrate();
  const clock = systemClock;
  const ids = createIdSource(() => clock.now());
  const plans = new PlanTable(config.plans);
  const outbox = new Outbox(ids, clock);
  return { storage, plans, accounts: new AccountsService({ config, storage, clock, ids, outbox, plans }), admin: new AccountAdmin({ storage }) };
}

const newPassword = () => randomBytes(15).toString('base64url');

/**
 * The API's rules for an email, a password and a workspace name (SignupBody, checked by the same
 * validator), before the database is opened: the operator gets the API's words, and nothing is
 * written for input the API would refuse.
 */
async function checkAccountInput(input: { email: string; password: string; workspace_name?: string | undefined }): Promise<void> {
  const [{ SignupBody }, { checkBody }] = await Promise.all([import('../accounts/account-schema.js'), import('../http/validation.js')]);
  const body = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const problems = checkBody(SignupBody, body);
  if (problems.length) throw new UsageError(problems.map((p) => `${p.field === 'workspace_name' ? '--workspace-name' : p.field} ${p.message}`).join('; '));
}

export function adminCommand(): Command {
  const admin = new Command('admin').description('operator commands on the database itself (LINKWIRE_DATABASE_URL)');

  withJson(admin.command('create-user'))
    .description('create a user with their own workspace; prints an API key (and the password when generated)')
    .argument('<email>')
    .option('--password <password>', 'the password (default: a generated one, printed once)')
    .option('--workspace-name <name>', 'the new workspace’s name')
    .action(async (email: string, opts: { password?: string; workspaceName?: string }, cmd: Command) => {
      const password = opts.password ?? newPassword();
      await checkAccountInput({ email, password, workspace_name: opts.workspaceName });
      const result = await withAccounts(({ accounts }) => accounts.signup({ email, password, workspace_name: opts.workspaceName }));
      const shown = { user_id: result.user.id, email: result.user.email, workspace_id: result.workspace.id, plan: result.workspace.plan, api_key: result.api_key, ...(opts.password ? {} : { password }) };
      if (outputOf(cmd).json) printJson({ ...result, ...(opts.password ? {} : { password }) });
      else printObject(shown, outputOf(cmd));
    });

  withJson(admin.command('reset-password'))
    .description('set a user’s password and end their sessions')
    .argument('<email>')
    .option('--password <password>', 'the new password (default: a generated one, printed once)')
    .action(async (email: string, opts: { password?: string }, cmd: Command) => {
      const password = opts.password ?? newPassword();
      await checkAccountInput({ email, password });
      const result = await withAccounts(({ admin: a }) => a.resetPassword(email, password));
      printObject({ ...result, ...(opts.password ? {} : { password }) }, outputOf(cmd));
    });

  withJson(admin.command('disable-2fa'))
    .description('turn a user’s two-factor sign-in off (lost phone and recovery codes) and end their sessions')
    .argument('<email>')
    .action(async (email: string, _opts: unknown, cmd: Command) => {
      const result = await withAccounts(({ admin: a }) => a.disableTwoFactor(email));
      if (outputOf(cmd).json) printJson(result);
      else note(result.was_enabled ? `two-factor sign-in is off for ${result.email}; ${result.sessions_ended} sessions ended` : `${result.email} had no two-factor sign-in; ${result.sessions_ended} sessions ended`);
    });

  withJson(admin.command('set-plan'))
    .description('change a workspace’s plan (emits account.upgraded / account.downgraded)')
    .argument('<workspace>', 'workspace id (ws_…)')
    .argument('<plan>', 'a plan name, e.g. free, pro, team, agency, enterprise')
    .action(async (workspaceId: string, plan: string, _opts: unknown, cmd: Command) => {
      const workspace = await withAccounts(async ({ accounts, storage, plans }) => {
        if (!plans.get(plan)) throw new UsageError(`unknown plan "${plan}"; plans: ${plans.names().join(', ')}`);
        const exists = await storage.db.selectFrom('workspaces').select('id').where('id', '=', workspaceId).executeTakeFirst();
        if (!exists) throw new UsageError(`no workspace ${workspaceId} (see \`linkwire admin list-workspaces\`)`);
        return accounts.updateWorkspace(workspaceId, { plan });
      });
      if (outputOf(cmd).json) printJson(workspace);
      else note(`${workspace.id} is now on ${workspace.plan}`);
    });

  withJson(admin.command('list-workspaces'))
    .description('every workspace with its plan, owner and size')
    .action(async (_opts: unknown, cmd: Command) => {
      const rows = await withAccounts(({ admin: a }) => a.listWorkspaces());
      printList(
        rows,
        [
          { header: 'id', value: (w) => w.id },
          { header: 'name', value: (w) => w.name },
          { header: 'plan', value: (w) => w.plan },
          { header: 'owner', value: (w) => w.owner_email },
          { header: 'members', value: (w) => w.members },
          { header: 'links', value: (w) => w.links },
          { header: 'created_at', value: (w) => w.created_at },
        ],
        outputOf(cmd),
        { data: rows },
      );
    });

  return admin;
}
