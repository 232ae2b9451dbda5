import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RotatingLogFile } from '../../adapters/node/rotating-log-file.ts';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const DAY = 86_400_000;
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'llm-router-logs-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('RotatingLogFile', () => {
  it('rotates before a line would pass the size, with unique lumberjack names even within one millisecond', async () => {
    const dir = await tempDir();
    const file = new RotatingLogFile({
      dir,
      name: 'r',
      maxBytes: 20,
      maxBackups: 0,
      maxAgeMs: 0,
      now: () => T0,
    });
    for (let i = 0; i < 5; i++) file.write(`line-${i}-xxxxxxx`); // 17 bytes with the newline
    file.close();
    const files = (await readdir(dir)).sort();
    expect(files).toEqual([
      'r-2026-03-01T12-00-00.000.log',
      'r-2026-03-01T12-00-00.001.log',
      'r-2026-03-01T12-00-00.002.log',
      'r-2026-03-01T12-00-00.003.log',
      'r.log',
    ]);
    expect(await readFile(join(dir, 'r.log'), 'utf8')).toBe('line-4-xxxxxxx\n');
    expect(await readFile(join(dir, files[0]!), 'utf8')).toBe('line-0-xxxxxxx\n');
  });

  it('a line longer than the limit is written whole; an existing file counts toward the size', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'r.log'), 'x'.repeat(15));
    const file = new RotatingLogFile({
      dir,
      name: 'r',
      maxBytes: 20,
      maxBackups: 0,
      maxAgeMs: 0,
      now: () => T0,
    });
    file.write('y'.repeat(50));
    file.close();
    expect(await readFile(join(dir, 'r.log'), 'utf8')).toBe(`${'y'.repeat(50)}\n`);
    expect(await readFile(join(dir, 'r-2026-03-01T12-00-00.000.log'), 'utf8')).toBe('x'.repeat(15));
  });

  it('keeps max_backups newest rotated files and none older than max_age_days; leaves other files alone', async () => {
    const dir = await tempDir();
    const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 23).replace(/:/g, '-');
    await writeFile(join(dir, `r-${stamp(T0 - 10 * DAY)}.log`), 'old');
    await writeFile(join(dir, `r-${stamp(T0 - DAY)}.log`), 'recent');
    await writeFile(join(dir, 'other.log'), 'not ours');
    let now = T0;
    const file = new RotatingLogFile({
      dir,
      name: 'r',
      maxBytes: 4,
      maxBackups: 2,
      maxAgeMs: 7 * DAY,
      now: () => now,
    });
    expect((await readdir(dir)).sort()).toEqual(['other.log', `r-${stamp(T0 - DAY)}.log`, 'r.log']);
    for (let i = 0; i < 3; i++) {
      now += 1000;
      file.write('abc');
    }
    file.close();
    expect((await readdir(dir)).sort()).toEqual([
      'other.log',
      `r-${stamp(T0 + 2000)}.log`,
      `r-${stamp(T0 + 3000)}.log`,
      'r.log',
    ]);
  });

  it('throws naming the path when the directory cannot be created', async () => {
    // A path through a regular file: mkdir fails with ENOTDIR whoever runs the test (root included).
    const file = join(await tempDir(), 'plain-file');
    await writeFile(file, '');
    const dir = join(file, 'logs');
    expect(
      () =>
        new RotatingLogFile({
          dir,
          name: 'r',
          maxBytes: 1,
          maxBackups: 1,
          maxAgeMs: 0,
        }),
    ).toThrow(dir);
  });
});
