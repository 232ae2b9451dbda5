import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expandNodeList, shellJoin, shellQuote, splitShellWords } from '../../tools/deploy/index.ts';

const HOSTILE = [
  '',
  'plain-word_1.2:3/4@5%6+7=8,9',
  'two words',
  "it's",
  '"double"',
  '$(touch /tmp/llm-router-pwned)',
  '`touch /tmp/llm-router-pwned`',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a parameter expansion the shell must not do
  '${HOME}',
  'a\\b\\',
  'line\nbreak',
  '*?[a]',
  '~root',
  '-n',
  '; rm -rf ~',
  "'; touch x; '",
  'tab\there',
  '!history',
  'ünïcødé ✓',
];

/** Every POSIX shell on the machine: the remote login shell may be any of them. */
const SHELLS = ['/bin/sh', '/bin/dash', '/bin/bash', '/usr/bin/zsh'].filter((shell) => existsSync(shell));

describe('shellQuote: one word for any POSIX shell', () => {
  it.each(SHELLS)('%s reads every hostile word back exactly, running nothing', (shell) => {
    const out = execFileSync(shell, ['-c', `printf '%s\\0' ${shellJoin(HOSTILE)}`], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(HOSTILE);
    expect(existsSync('/tmp/llm-router-pwned')).toBe(false);
  });

  it('leaves plain words bare and refuses NUL', () => {
    expect(shellQuote('vllm')).toBe('vllm');
    expect(shellQuote('--tensor-parallel-size')).toBe('--tensor-parallel-size');
    expect(shellQuote("a'b")).toBe("'a'\\''b'");
    expect(() => shellQuote('a\0b')).toThrow('NUL');
  });
});

describe('splitShellWords (--extra-args)', () => {
  it('splits like a shell, quotes group, nothing expands', () => {
    expect(splitShellWords(` --a 1  --chat-template '/m/a b.jinja' --x "y \\"z\\" $HOME" \\$(id) `)).toEqual({
      words: ['--a', '1', '--chat-template', '/m/a b.jinja', '--x', 'y "z" $HOME', '$(id)'],
    });
    expect(splitShellWords(`--empty '' --json '{"a": 1}'`)).toEqual({
      words: ['--empty', '', '--json', '{"a": 1}'],
    });
    expect(splitShellWords('   ')).toEqual({ words: [] });
  });

  it('reports an unterminated quote', () => {
    expect(splitShellWords(`--a 'b`)).toEqual({ error: "unterminated ' quote" });
    expect(splitShellWords('--a "b')).toEqual({ error: 'unterminated " quote' });
  });
});

describe('expandNodeList (Slurm SLURM_JOB_NODELIST syntax)', () => {
  it('expands ranges and lists, keeps zero padding, crosses several bracket groups', () => {
    expect(expandNodeList('node[01-04,07]')).toEqual({
      hosts: ['node01', 'node02', 'node03', 'node04', 'node07'],
    });
    expect(expandNodeList('gpu[8-10],login1,r[1-2]n[1-2].x')).toEqual({
      hosts: ['gpu8', 'gpu9', 'gpu10', 'login1', 'r1n1.x', 'r1n2.x', 'r2n1.x', 'r2n2.x'],
    });
    expect(expandNodeList(' h1, h2\nh3 h1 ')).toEqual({ hosts: ['h1', 'h2', 'h3'] });
  });

  it('rejects malformed lists and absurd sizes', () => {
    expect(expandNodeList('n[1-')).toEqual({ error: '"n[1-" has a "[" without "]"' });
    expect(expandNodeList('n[4-2]')).toEqual({ error: '"n[4-2]": range 4-2 runs backwards' });
    expect(expandNodeList('n[a]')).toMatchObject({ error: expect.stringContaining('is not a number') });
    expect(expandNodeList('n[0-99999999]')).toMatchObject({
      error: expect.stringContaining('longer than 10000'),
    });
    expect(expandNodeList('a[0-999]b[0-999]')).toMatchObject({
      error: expect.stringContaining('more than 10000'),
    });
  });
});
