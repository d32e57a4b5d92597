import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The code of docs/migrating/<service>.md, run as it is printed: each guide's ```js verify and
 * ```python verify blocks are extracted at run time, so the docs and the tests cannot drift.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Service = 'awsys' | 'nobsredir' | 'linkzly' | 'snip' | 'linkly';

export function guide(service: Service): string {
  return readFileSync(join(ROOT, 'docs', 'migrating', `${service}.md`), 'utf8');
}

/** The body of the fenced block whose info string is exactly `info` (e.g. "js verify"). */
export function fencedBlock(markdown: string, info: string): string {
  const match = new RegExp('^```' + info.replace(/ /g, ' +') + '\\n([\\s\\S]*?)^```$', 'm').exec(markdown);
  if (!match) throw new Error(`no \`\`\`${info} block`);
  return match[1]!;
}

/** One request a receiver got: its raw body, lower-case headers and path. */
export interface DeliveryCase {
  body: string;
  headers: Record<string, string>;
  path: string;
  secret: string;
}

/**
 * Runs a guide's Node.js and Python `verify` blocks over the cases in one process each; answers
 * each language's verdicts. `byPath`: the guide checks a secret in the URL (Linkly) rather than a signature.
 */
export function runGuideVerifiers(service: Service, cases: DeliveryCase[], byPath = false): { node: boolean[]; python: boolean[] } {
  const markdown = guide(service);
  const dir = mkdtempSync(join(tmpdir(), 'linkwire-guide-'));
  try {
    const nodeFile = join(dir, 'verify.cjs');
    writeFileSync(
      nodeFile,
      `${fencedBlock(markdown, 'js verify')}\n;const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));\n` +
        `process.stdout.write(JSON.stringify(cases.map((c) => ${byPath ? 'isValidDelivery(c.path, c.secret)' : "isValidDelivery(Buffer.from(c.body, 'utf8'), c.headers, c.secret)"})));\n`,
    );
    const pythonFile = join(dir, 'verify.py');
    writeFileSync(
      pythonFile,
      `${fencedBlock(markdown, 'python verify')}\n\nimport json as _json, sys as _sys\n_cases = _json.load(_sys.stdin)\n` +
        `print(_json.dumps([${byPath ? 'is_valid_delivery(c["path"], c["secret"])' : 'is_valid_delivery(c["body"].encode("utf-8"), c["headers"], c["secret"])'} for c in _cases]))\n`,
    );
    const input = JSON.stringify(cases);
    const run = (command: string, file: string) => JSON.parse(execFileSync(command, [file], { input, encoding: 'utf8', timeout: 30_000 })) as boolean[];
    return { node: run(process.execPath, nodeFile), python: run('python3', pythonFile) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
