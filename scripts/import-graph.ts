// The server's import graph, measured: rooms (folders under src/), the arrows between them that run back up
// (a lower module importing a higher one, by the layers of scripts/layers.mjs — the ones eslint.config.js enforces),
// file-level import cycles, and files that branch on the SQL dialect outside src/storage/.
//
//   npx tsx scripts/import-graph.ts            summary
//   npx tsx scripts/import-graph.ts --arrows   also list every back-up arrow (file → file)
//   npx tsx scripts/import-graph.ts --rooms    also list every room-to-room arrow with its count
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { layerOf } from './layers.mjs';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

function roomOf(file: string): string {
  const rel = relative(src, file).replaceAll('\\', '/');
  const parts = rel.split('/');
  if (parts.length === 1) return parts[0]!;
  if (parts.length > 2 && ['sql', 'journal', 'formats', 'brokers', 'migrations'].includes(parts[1]!)) return `${parts[0]}/${parts[1]}`;
  return parts[0]!;
}

function rankOf(file: string): number {
  return layerOf(relative(src, file));
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

interface Edge { from: string; to: string; typeOnly: boolean }

function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const edges: Edge[] = [];
  for (const stmt of source.statements) {
    let spec: ts.Expression | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(stmt)) {
      spec = stmt.moduleSpecifier;
      const clause = stmt.importClause;
      typeOnly = !clause || clause.isTypeOnly ||
        (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!clause) typeOnly = false; // a side-effect import runs code
    } else if (ts.isExportDeclaration(stmt) && stmt.moduleSpecifier) {
      spec = stmt.moduleSpecifier;
      typeOnly = stmt.isTypeOnly;
    }
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
    const target = resolve(dirname(file), spec.text.replace(/\.js$/, '.ts'));
    const candidates = [target, `${target}.ts`, join(target, 'index.ts')];
    const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
    if (found) edges.push({ from: file, to: found, typeOnly });
  }
  // Dynamic imports (`await import('../app.js')`): arrows too, run later.
  for (const match of text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)) {
    const target = resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts'));
    if (existsSync(target)) edges.push({ from: file, to: target, typeOnly: false });
  }
  return edges;
}

const files = walk(src);
const edges = files.flatMap(importsOf);
const rel = (f: string) => relative(root, f).replaceAll('\\', '/');

// Rooms and room arrows.
const rooms = new Set(files.map(roomOf));
const roomArrows = new Map<string, number>();
for (const e of edges) {
  const a = roomOf(e.from), b = roomOf(e.to);
  if (a !== b) roomArrows.set(`${a} → ${b}`, (roomArrows.get(`${a} → ${b}`) ?? 0) + 1);
}

// Back-up arrows: file imports that climb to a higher rank.
const backUp = edges.filter((e) => rankOf(e.to) > rankOf(e.from));

// File-level cycles: strongly connected components (Tarjan) with more than one file.
function cyclesOf(graphEdges: Edge[]): string[][] {
  const adjacency = new Map<string, Edge[]>(files.map((f) => [f, []]));
  for (const e of graphEdges) adjacency.get(e.from)!.push(e);
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const connect = (v: string): void => {
    index.set(v, counter); low.set(v, counter); counter++; stack.push(v); onStack.add(v);
    for (const { to } of adjacency.get(v) ?? []) {
      if (!index.has(to)) { connect(to); low.set(v, Math.min(low.get(v)!, low.get(to)!)); }
      else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); component.push(w); } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  };
  for (const f of files) if (!index.has(f)) connect(f);
  return components;
}
const components = cyclesOf(edges);
const valueCycles = cyclesOf(edges.filter((e) => !e.typeOnly));

// Dialect branches outside storage/.
const dialectFiles = files.filter((f) => !rel(f).startsWith('src/storage/') &&
  /\bdialect\s*[!=]==\s*['"](?:sqlite|postgres)['"]|['"](?:sqlite|postgres)['"]\s*[!=]==\s*[\w.]*dialect\b/.test(readFileSync(f, 'utf8')));

const lines = (f: string) => readFileSync(f, 'utf8').split('\n').length - 1;
const big = files.filter((f) => lines(f) > 400);
const totalLines = files.reduce((n, f) => n + lines(f), 0);

console.log(`files ${files.length}, lines ${totalLines}, rooms ${rooms.size}, imports ${edges.length}, room arrows ${roomArrows.size}`);
console.log(`back-up arrows ${backUp.length} (${backUp.filter((e) => e.typeOnly).length} type-only)`);
console.log(`cycles ${components.length} (${valueCycles.length} through value imports)${components.map((c) => `\n  ${c.map(rel).join(' ↔ ')}`).join('')}`);
console.log(`dialect checks outside storage: ${dialectFiles.length}${dialectFiles.map((f) => `\n  ${rel(f)}`).join('')}`);
console.log(`files over 400 lines: ${big.length}${big.map((f) => `\n  ${rel(f)} ${lines(f)}`).join('')}`);
if (process.argv.includes('--arrows')) for (const e of backUp) console.log(`  ↑ ${rel(e.from)} → ${rel(e.to)}${e.typeOnly ? ' (type)' : ''}`);
if (process.argv.includes('--rooms')) for (const [k, n] of [...roomArrows].sort()) console.log(`  ${k} ${n}`);
