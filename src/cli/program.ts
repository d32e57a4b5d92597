import { Command, CommanderError } from 'commander';
import { adminCommand } from './admin.js';
import { ApiError } from './client.js';
import { UsageError } from './context.js';
import { deliveriesCommand } from './deliveries.js';
import { eventsCommand } from './events.js';
import { linksCommand } from './links.js';
import { listenCommand } from './listen.js';
import { loginCommand } from './login.js';
import { escapeControls, paint } from './output.js';
import { StreamRefused } from './sse.js';
import { serverCommands } from './server.js';
import { webhooksCommand } from './webhooks.js';
import { VERSION } from '../runtime/version.js';

/*
 * The `linkwire` binary. Exit codes scripts can rely on: 0 done; 1 the API (or database)
 * refused or failed, message in words on stderr; 2 the command line itself was wrong.
 * See docs/cli.md.
 */

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command('linkwire')
    .description('Linkwire: the server, and a client for its API')
    .version(VERSION)
    .option('--url <url>', 'the Linkwire server (default: LINKWIRE_URL, the saved profile, or http://127.0.0.1:8080)')
    .option('--api-key <key>', 'API key (default: LINKWIRE_API_KEY or the saved profile)')
    .option('--json', 'print JSON instead of tables')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const [serve, migrate] = serverCommands();
  program.addCommand(serve!, { isDefault: true });
  program.addCommand(migrate!);
  for (const cmd of [linksCommand(), webhooksCommand(), deliveriesCommand(), eventsCommand(), listenCommand(), loginCommand(), adminCommand()]) {
    program.addCommand(cmd);
  }
  // Every sub-command reports usage errors through the same exit path.
  const override = (cmd: Command) => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  return program;
}


/** Runs the CLI; resolves to the exit code (serve resolves once listening and keeps the process alive). */
export async function runCli(argv: string[]): Promise<number> {
  try {
    const program = buildProgram();
    const first = argv[0];
    if (first !== undefined && !first.startsWith('-') && first !== 'help' && !program.commands.some((c) => c.name() === first)) {
      throw new UsageError(`unknown command "${first}"; commands: ${program.commands.map((c) => c.name()).join(', ')} (see linkwire --help)`);
    }
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  // A server's message may quote what was sent (a title, a slug): never raw control characters.
  const say = (text: string) => process.stderr.write(`${paint('red', 'error:', process.stderr)} ${escapeControls(text)}\n`);
  if (err instanceof CommanderError) {
    // Commander has printed its own message (or the help) already.
    return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (err instanceof UsageError) {
    say(err.message);
    return EXIT_USAGE;
  }
  if (err instanceof ApiError) {
    say(err.status === 0 ? err.message : `${err.message} (${err.code}, HTTP ${err.status})`);
    return EXIT_FAILED;
  }
  if (err instanceof StreamRefused) {
    say(`the event stream was refused: ${err.message} (HTTP ${err.status})`);
    return EXIT_FAILED;
  }
  const e = err as Error;
  if (e.name === 'ConfigError') say(`configuration error: ${e.message}`);
  else if (e.name === 'AppError') say(e.message);
  else say(process.env.LINKWIRE_DEBUG ? (e.stack ?? String(err)) : (e.message ?? String(err)));
  return EXIT_FAILED;
}
