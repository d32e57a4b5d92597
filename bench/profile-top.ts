/**
 * Self-time table of a V8 CPU profile (`.cpuprofile`, from `node --cpu-prof` or the probes'
 * `--prof`): the top N functions by the share of samples spent in their own code, as a Markdown
 * table. Shares, not milliseconds, are what survives a loaded machine.
 *
 *   node --import tsx bench/profile-top.ts <file.cpuprofile> [N=20]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const [file, nText] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node --import tsx bench/profile-top.ts <file.cpuprofile> [N]\n');
  process.exit(2);
}
const top = Number(nText ?? 20);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const hits = new Map<string, number>();
for (const id of profile.samples) {
  const node = byId.get(id);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(node_modules\/|src\/|bench\/|node:)/, '$1')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
  hits.set(key, (hits.get(key) ?? 0) + 1);
}
const total = profile.samples.length;
const idle = [...hits].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
const busy = total - idle;
process.stdout.write(`${total} samples, ${busy} not idle; share of non-idle samples\n\n| # | self % | function (file:line) |\n|---|---|---|\n`);
[...hits]
  .filter(([k]) => !k.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top)
  .forEach(([key, count], i) => process.stdout.write(`| ${i + 1} | ${((count / busy) * 100).toFixed(1)} | \`${key}\` |\n`));
