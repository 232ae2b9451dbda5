import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const importsOf = (text: string) =>
  [...text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (match) => match[1] ?? match[2] ?? '',
  );

describe('architecture boundaries (ARCHITECTURE.md)', () => {
  const core = filesUnder(join(root, 'src'));

  it('finds the core files it checks', () => {
    expect(core.length).toBeGreaterThan(30);
  });

  it('src/ imports no runtime-specific module and never leaves src/', () => {
    const offences: string[] = [];
    for (const file of core) {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const runtime = /^(node:|cloudflare:|undici$|@hono\/node-server|miniflare|wrangler)/.test(spec);
        const escapes =
          spec.startsWith('.') && relative(join(root, 'src'), join(file, '..', spec)).startsWith('..');
        if (runtime || escapes) offences.push(`${relative(root, file)} -> ${spec}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('src/ does not touch process or Buffer', () => {
    const offences = core.filter((file) => /\b(process\.|Buffer\.)/.test(readFileSync(file, 'utf8')));
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
});
