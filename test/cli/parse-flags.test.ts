import { describe, expect, it } from 'vitest';
import { allValues, parseFlags } from '../../tools/cli/index.ts';

/** The router's own flag set (adapters/node/cli.ts). */
const KNOWN = {
  values: ['config', 'log-level', 'enabled-sources', 'host', 'port'],
  booleans: ['help', 'stream'],
  aliases: { h: 'help' },
} as const;

const parse = (argv: readonly string[]) => parseFlags(argv, KNOWN);

describe('parseFlags', () => {
  it('takes one or two dashes, with the value as the next argument or after =', () => {
    for (const argv of [
      ['-config', 'x.yaml'],
      ['--config', 'x.yaml'],
      ['-config=x.yaml'],
      ['--config=x.yaml'],
    ]) {
      expect(parse(argv).flags.get('config'), argv.join(' ')).toBe('x.yaml');
    }
  });

  it('keeps everything after the first = as the value', () => {
    expect(parse(['--config=a=b.yaml']).flags.get('config')).toBe('a=b.yaml');
    expect(parse(['-host=']).flags.get('host')).toBe('');
  });

  it('reads -enabled-sources and -log-level as plain values (the CLI splits and validates them)', () => {
    const { flags, positional } = parse(['-enabled-sources', 'a,b', '-log-level', 'debug', '-port', '8001']);
    expect(flags.get('enabled-sources')).toBe('a,b');
    expect(flags.get('log-level')).toBe('debug');
    expect(flags.get('port')).toBe('8001');
    expect(positional).toEqual([]);
  });

  it('booleans take no value and do not swallow the next argument', () => {
    const { flags, positional } = parse(['--help', 'extra', '-stream']);
    expect(flags.get('help')).toBe('true');
    expect(flags.get('stream')).toBe('true');
    expect(positional).toEqual(['extra']);
  });

  it('collects positional arguments, "-" included', () => {
    expect(parse(['top', '-', '-config', 'c.yaml']).positional).toEqual(['top', '-']);
  });

  it('the last occurrence of a flag wins', () => {
    expect(parse(['-config', 'a.yaml', '--config=b.yaml']).flags.get('config')).toBe('b.yaml');
  });

  it('an unknown flag is an error naming it as typed', () => {
    expect(() => parse(['--no-such-flag'])).toThrow('unknown flag "--no-such-flag"');
    expect(() => parse(['-conifg', 'x.yaml'])).toThrow('unknown flag "-conifg"');
  });

  it('a value flag at the end with no value is an error', () => {
    expect(() => parse(['-config'])).toThrow('flag -config needs a value');
    expect(() => parse(['-log-level', 'info', '--port'])).toThrow('flag --port needs a value');
  });

  it('aliases map to one flag; booleans take =true/=false and --no-name', () => {
    expect(parse(['-h']).flags.get('help')).toBe('true');
    expect(parse(['--stream=false']).flags.get('stream')).toBe('false');
    expect(parse(['--stream', '--no-stream']).flags.get('stream')).toBe('false');
    expect(() => parse(['--stream=maybe'])).toThrow(
      '--stream takes no value, or =true / =false (got "maybe")',
    );
  });

  it('keeps repeated flags in order and stops at a lone --', () => {
    const parsed = parse(['-config', 'a', 'x', '--config=b', '--', '--port', '1']);
    expect(allValues(parsed, 'config')).toEqual(['a', 'b']);
    expect(parsed.positional).toEqual(['x', '--port', '1']);
  });

  it('names an unknown flag without its value', () => {
    expect(() => parse(['--bogus=1'])).toThrow('unknown flag "--bogus"');
  });
});
