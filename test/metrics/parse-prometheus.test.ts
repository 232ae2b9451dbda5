import { describe, expect, it } from 'vitest';
import { parsePrometheusText, parseValue } from '../../src/metrics/parse-prometheus.ts';
import { metricsFixture } from './fixture.ts';

describe('parsePrometheusText', () => {
  it('skips HELP, TYPE, comments and blank lines', () => {
    const text = '# HELP a A gauge.\n# TYPE a gauge\n\n   \n# just a comment\na 1\n';
    expect(parsePrometheusText(text)).toEqual([{ name: 'a', labels: {}, value: 1 }]);
  });

  it('parses labels, including escaped values with } " , and newlines', () => {
    const [sample] = parsePrometheusText(
      'vllm:num_requests_running{model_name="weird} \\"name\\", with\\\\back\\nline",engine="0"} 4\n',
    );
    expect(sample).toEqual({
      name: 'vllm:num_requests_running',
      labels: { model_name: 'weird} "name", with\\back\nline', engine: '0' },
      value: 4,
    });
  });

  it('accepts a trailing comma, blanks around tokens and an empty label set', () => {
    expect(parsePrometheusText('m{a="1",} 2\nm { a = "1" , b="" } 3\nm{} 4\n')).toEqual([
      { name: 'm', labels: { a: '1' }, value: 2 },
      { name: 'm', labels: { a: '1', b: '' }, value: 3 },
      { name: 'm', labels: {}, value: 4 },
    ]);
  });

  it('keeps a label called __proto__ as a plain label', () => {
    const [sample] = parsePrometheusText('m{__proto__="x"} 1');
    expect(Object.entries(sample?.labels ?? {})).toEqual([['__proto__', 'x']]);
  });

  it('ignores exposition timestamps and exemplars', () => {
    expect(parsePrometheusText('a 1 1700000000000\nb{x="y"} 2.5 -12\nc 3 # {trace_id="t"} 1.0\n')).toEqual([
      { name: 'a', labels: {}, value: 1 },
      { name: 'b', labels: { x: 'y' }, value: 2.5 },
      { name: 'c', labels: {}, value: 3 },
    ]);
  });

  it('reads NaN, infinities and exponent floats', () => {
    const values = parsePrometheusText('a NaN\nb +Inf\nc -Inf\nd 1.5e+3\ne -2E-2\nf .5\ng 7.\nh Inf\n').map(
      (s) => s.value,
    );
    expect(values).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      1500,
      -0.02,
      0.5,
      7,
      Number.POSITIVE_INFINITY,
    ]);
  });

  it('skips malformed lines without throwing', () => {
    const text = [
      'no_value',
      'no_value{a="b"}',
      'unterminated{a="b} 5',
      'bad_label{a=b} 1',
      'bad_label_name{1a="b"} 1',
      'hex 0x10',
      'word one',
      'ts 1 notatimestamp',
      '{a="b"} 1',
      'x-y 1',
      'trailing_escape{a="b\\',
      'good 1',
    ].join('\n');
    expect(parsePrometheusText(text)).toEqual([{ name: 'good', labels: {}, value: 1 }]);
  });

  it('handles Windows line endings and a missing final newline', () => {
    expect(parsePrometheusText('# TYPE a gauge\r\na{b="c"} 1\r\nd 2')).toEqual([
      { name: 'a', labels: { b: 'c' }, value: 1 },
      { name: 'd', labels: {}, value: 2 },
    ]);
  });

  it('reads every sample of a real vLLM exposition', () => {
    const text = metricsFixture('vllm-0.6.txt');
    const samples = parsePrometheusText(text);
    const sampleLines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples).toHaveLength(sampleLines.length);
    const buckets = samples.filter((s) => s.name === 'vllm:time_to_first_token_seconds_bucket');
    expect(buckets.at(-1)).toEqual({
      name: 'vllm:time_to_first_token_seconds_bucket',
      labels: { le: '+Inf', model_name: 'meta-llama/Meta-Llama-3.1-8B-Instruct' },
      value: 2200,
    });
    expect(samples.find((s) => s.name === 'process_virtual_memory_bytes')?.value).toBe(6.0231323648e10);
  });
});

describe('parseValue', () => {
  it('rejects what Go would reject', () => {
    for (const bad of ['', '0x1', '1e', 'e1', '--1', '1.2.3', 'infinit', '1_000']) {
      expect(parseValue(bad), bad).toBeUndefined();
    }
  });
});
