import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Module specifiers of every static import/export (`import x from`, `export * from`, `import type`),
 * side-effect import (`import 'node:x'`), dynamic `import('x')` and `require('x')`.
 */
const importsOf = (text: string) =>
  [
    ...text.matchAll(
      /(?:^|[\s;])(?:import|export)[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\b(?:import|require)\(\s*['"`]([^'"`]+)['"`]\s*\)/gm,
    ),
  ].map((match) => match[1] ?? match[2] ?? match[3] ?? '');

const NODE_BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith('_')));

/** Runtime-specific: any `node:`/`cloudflare:`/`bun:` scheme, a bare Node builtin (`fs`, `fs/promises`), undici and its subpaths. */
function isRuntimeSpecific(spec: string): boolean {
  if (/^(node:|cloudflare:|bun:|undici(\/|$)|@hono\/node-server|@cloudflare\/|miniflare|wrangler)/.test(spec))
    return true;
  return NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(spec.split('/')[0] ?? '');
}

/** Source without comments, so "the router process" in a JSDoc is not a use of `process`. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** `process` or `Buffer` as code: `process.env`, `process['env']`, `globalThis.process`, `Buffer.from`, `new Buffer`. */
const RUNTIME_GLOBAL =
  /(?<![\w$.'"`-])(?:globalThis\s*\.\s*)?(process|Buffer)\b(?!\s*:)(?=\s*[.[(]|\s*\)|\s*;|\s*,)|\bnew\s+Buffer\b|globalThis\s*\[\s*['"](?:process|Buffer)['"]\s*\]/;

describe('architecture boundaries (docs/architecture.md)', () => {
  const core = filesUnder(join(root, 'src'));

  it('finds the core files it checks', () => {
    expect(core.length).toBeGreaterThan(30);
  });

  it('the scanners catch every import form and runtime global they are meant to', () => {
    const sample = [
      "import { a } from 'node:fs';",
      "import 'node:worker_threads';",
      "import type { Dispatcher } from 'undici/types/dispatcher';",
      "export * from 'fs/promises';",
      "export { x } from './x.ts';",
      "const m = await import('path');",
      "const c = require('crypto');",
      "import def, { b } from 'events'",
    ].join('\n');
    expect(importsOf(sample)).toEqual([
      'node:fs',
      'node:worker_threads',
      'undici/types/dispatcher',
      'fs/promises',
      './x.ts',
      'path',
      'crypto',
      'events',
    ]);
    expect(importsOf(sample).filter(isRuntimeSpecific)).toEqual([
      'node:fs',
      'node:worker_threads',
      'undici/types/dispatcher',
      'fs/promises',
      'path',
      'crypto',
      'events',
    ]);
    expect(['hono', 'zod', 'yaml', './fs.ts', 'undici-types-like'].filter(isRuntimeSpecific)).toEqual([]);
    const real = core.flatMap((file) => importsOf(readFileSync(file, 'utf8')));
    expect(real).toEqual(expect.arrayContaining(['zod', 'hono', 'yaml']));
    expect(real.length).toBeGreaterThan(core.length);
    for (const code of [
      'const k = process.env.KEY;',
      "const k = process['env'];",
      'const p = globalThis.process;',
      'const b = Buffer.from(text);',
      'const b = new Buffer(3);',
      'foo(process);',
      "const g = globalThis['Buffer'];",
    ])
      expect(RUNTIME_GLOBAL.test(withoutComments(code)), code).toBe(true);
    for (const code of [
      '/** process env on Node */ const a = 1;',
      'const a = 1; // Node Buffer runs this as memchr',
      "const url = 'http://x'; const process_count = 1;",
      "log.info('router process started');",
      'const o = { process: 1 };',
    ])
      expect(RUNTIME_GLOBAL.test(withoutComments(code)), code).toBe(false);
  });

  it('src/ imports no runtime-specific module and never leaves src/', () => {
    const offences: string[] = [];
    for (const file of core) {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const runtime = isRuntimeSpecific(spec);
        const escapes =
          spec.startsWith('.') && relative(join(root, 'src'), join(file, '..', spec)).startsWith('..');
        if (runtime || escapes) offences.push(`${relative(root, file)} -> ${spec}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('src/ does not touch process or Buffer', () => {
    const offences = core.filter((file) => RUNTIME_GLOBAL.test(withoutComments(readFileSync(file, 'utf8'))));
    expect(offences.map((file) => relative(root, file))).toEqual([]);
  });

  it('src/ reads time only through the injected Clock (core/clock.ts is the one system clock)', () => {
    const offences = core.filter(
      (file) =>
        !file.endsWith(join('core', 'clock.ts')) &&
        /\b(?:Date\.now|performance\.now)\s*\(/.test(withoutComments(readFileSync(file, 'utf8'))),
    );
    expect(offences.map((file) => relative(root, file))).toEqual([]);
  });

  it('only src/app imports hono', () => {
    const offences = core.filter(
      (file) =>
        !file.includes(`${join('src', 'app')}`) &&
        importsOf(readFileSync(file, 'utf8')).some((s) => s.startsWith('hono')),
    );
    expect(offences.map((file) => relative(root, file))).toEqual([]);
  });

  it('adapters import the core only through src/index.ts and never each other', () => {
    const offences: string[] = [];
    for (const adapter of ['node', 'cloudflare']) {
      let files: string[] = [];
      try {
        files = filesUnder(join(root, 'adapters', adapter));
      } catch {
        continue;
      }
      for (const file of files) {
        for (const spec of importsOf(readFileSync(file, 'utf8'))) {
          if (!spec.startsWith('.')) continue;
          const target = relative(root, join(file, '..', spec));
          const intoCore = target.startsWith('src') && target !== join('src', 'index.ts');
          const other = adapter === 'node' ? 'cloudflare' : 'node';
          if (intoCore || target.startsWith(join('adapters', other)))
            offences.push(`${relative(root, file)} -> ${spec}`);
        }
      }
    }
    expect(offences).toEqual([]);
  });

  it('tools never import adapters (the Node adapter composes the commands, not the other way round)', () => {
    const offences: string[] = [];
    // tools/miniflare is the harness that bundles the Worker adapter for tests and bench/, not a command.
    for (const file of filesUnder(join(root, 'tools')).filter(
      (f) => !f.includes(join('tools', 'miniflare')),
    )) {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('.') && relative(root, join(file, '..', spec)).startsWith('adapters'))
          offences.push(`${relative(root, file)} -> ${spec}`);
      }
    }
    expect(offences).toEqual([]);
  });
});
