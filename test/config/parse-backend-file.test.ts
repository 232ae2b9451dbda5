import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.ts';
import { parseBackendFile } from '../../src/config/parse-backend-file.ts';
import { sourceOfFile } from '../../src/config/source-of-file.ts';

const root = join(import.meta.dirname, '..', '..');
const env: Record<string, string> = { OPENAI_API_KEY: 'sk-test-secret', EMPTY: '' };
const options = {
  source: 'self_deployed',
  secrets: (name: string) => env[name],
  skipMetricsSources: ['openai'],
};

function entry(params: Record<string, unknown>, name = 'm'): string {
  const lines = Object.entries({ model: 'openai/m', api_base: 'http://10.0.0.1:8000/v1', ...params })
    .map(([key, value]) => `      ${key}: ${JSON.stringify(value)}`)
    .join('\n');
  return `model_list:\n  - model_name: ${JSON.stringify(name)}\n    litellm_params:\n${lines}\n`;
}

function problemsOf(text: string): string[] {
  try {
    parseBackendFile(text, 'configs/self_deployed_x.yaml', options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('configs/self_deployed_x.yaml');
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('parseBackendFile', () => {
  it('builds backends with identity, defaults and metrics URL', () => {
    const { backends } = parseBackendFile(entry({ api_base: 'http://10.0.0.1:8000/v1/' }), 'f.yaml', options);
    expect(backends).toHaveLength(1);
    expect(backends[0]).toMatchObject({
      id: 'm@http://10.0.0.1:8000/v1',
      apiBase: 'http://10.0.0.1:8000/v1',
      upstreamModel: 'm',
      rewriteModel: false,
      weight: 1,
      rpmLimit: null,
      sourceType: 'self_deployed',
      scrapeMetrics: true,
      metricsUrl: 'http://10.0.0.1:8000/metrics',
    });
  });

  it('detects aliases after stripping a provider prefix only', () => {
    const alias = parseBackendFile(entry({ model: 'openai/Qwen/Qwen3-8B' }, 'qwen'), 'f.yaml', options)
      .backends[0];
    expect(alias).toMatchObject({ upstreamModel: 'Qwen/Qwen3-8B', rewriteModel: true });
    const bare = parseBackendFile(entry({ model: 'Qwen/Qwen3-8B' }, 'Qwen/Qwen3-8B'), 'f.yaml', options)
      .backends[0];
    expect(bare).toMatchObject({ upstreamModel: 'Qwen/Qwen3-8B', rewriteModel: false });
  });

  it('resolves os.environ/NAME keys and names the entry when a variable is unset', () => {
    const ok = parseBackendFile(entry({ api_key: 'os.environ/OPENAI_API_KEY' }), 'f.yaml', options)
      .backends[0];
    expect(ok?.apiKey).toBe('sk-test-secret');
    expect(problemsOf(entry({ api_key: 'os.environ/MISSING_KEY' }))).toEqual([
      'model_list[0].litellm_params.api_key: environment variable MISSING_KEY is not set',
    ]);
    expect(problemsOf(entry({ api_key: 'os.environ/EMPTY' }))[0]).toContain('EMPTY is not set');
  });

  it('rejects rpm_limit 0, bad URLs, bad weights and unknown keys with their path', () => {
    expect(problemsOf(entry({ rpm_limit: 0 }))[0]).toMatch(/^model_list\[0\]\.litellm_params\.rpm_limit: /);
    expect(problemsOf(entry({ api_base: 'not a url' }))[0]).toMatch(
      /^model_list\[0\]\.litellm_params\.api_base: /,
    );
    expect(problemsOf(entry({ api_base: 'ftp://x/v1' }))[0]).toContain('http or https');
    expect(problemsOf(entry({ weight: -1 }))[0]).toMatch(/^model_list\[0\]\.litellm_params\.weight: /);
    expect(problemsOf(entry({ wieght: 2 }))).toEqual(['model_list[0].litellm_params.wieght: unknown key']);
  });

  it('rejects credentials, a query or a fragment in api_base without echoing the value', () => {
    const at = 'model_list[0].litellm_params.api_base: ';
    for (const apiBase of ['http://user:s3cret@10.0.0.1:8000/v1', 'https://user@10.0.0.1/v1']) {
      const problems = problemsOf(entry({ api_base: apiBase }));
      expect(problems).toEqual([
        `${at}must not contain credentials (user:password@); put the key in api_key`,
      ]);
      expect(problems.join('')).not.toContain('s3cret');
    }
    for (const apiBase of ['http://10.0.0.1:8000/v1?key=1', 'http://10.0.0.1:8000/v1#x', 'http://h/v1?']) {
      expect(problemsOf(entry({ api_base: apiBase }))).toEqual([
        `${at}must not contain a query (?) or fragment (#)`,
      ]);
    }
    expect(problemsOf(entry({ api_base: 'file:///etc/passwd' }))).toEqual([`${at}must use http or https`]);
    expect(problemsOf(entry({ api_base: '/v1' }))).toEqual([`${at}must be an absolute http(s) URL`]);
  });

  it('rejects duplicate backends within a file', () => {
    const text = entry({}) + entry({}).replace('model_list:\n', '');
    expect(problemsOf(text)).toEqual(['model_list[1]: duplicate backend m@http://10.0.0.1:8000/v1']);
  });

  it('ignores other top-level keys with one warning, and treats an empty file as no backends', () => {
    const parsed = parseBackendFile(`router_settings:\n  x: 1\n${entry({})}`, 'f.yaml', options);
    expect(parsed.backends).toHaveLength(1);
    expect(parsed.warnings).toEqual(['f.yaml: ignoring top-level key(s) router_settings']);
    expect(parseBackendFile('', 'f.yaml', options).backends).toEqual([]);
    expect(parseBackendFile('model_list: []\n', 'f.yaml', options).backends).toEqual([]);
  });

  it('skips metrics scraping for configured sources unless the entry opts in', () => {
    const hosted = { ...options, source: 'openai' };
    expect(parseBackendFile(entry({}), 'f.yaml', hosted).backends[0]?.scrapeMetrics).toBe(false);
    expect(
      parseBackendFile(entry({ scrape_metrics: true }), 'f.yaml', hosted).backends[0]?.scrapeMetrics,
    ).toBe(true);
  });

  it('validates every shipped backend file', () => {
    for (const name of ['demo_config.yaml', 'openai_config.yaml', 'self_deployed_config.yaml']) {
      const source = sourceOfFile(name, ['demo', 'openai', 'self_deployed']);
      expect(source).toBeDefined();
      const text = readFileSync(join(root, 'configs', name), 'utf8');
      const parsed = parseBackendFile(text, name, { ...options, source: source ?? '' });
      expect(parsed.backends.length).toBeGreaterThan(0);
    }
  });
});

describe('sourceOfFile', () => {
  it('selects by lower-cased prefix and yaml extension, longest source first', () => {
    const enabled = ['openai', 'self_deployed', 'open'];
    expect(sourceOfFile('OpenAI_config.yaml', enabled)).toBe('openai');
    expect(sourceOfFile('self_deployed_config.yml', enabled)).toBe('self_deployed');
    expect(sourceOfFile('openai_config.json', enabled)).toBeUndefined();
    expect(sourceOfFile('other.yaml', enabled)).toBeUndefined();
  });
});
