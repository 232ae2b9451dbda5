import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.ts';
import { parseMainConfig } from '../../src/config/parse-main-config.ts';
import { notifySettingsFrom } from '../../src/notify/notify-settings.ts';

const root = join(import.meta.dirname, '..', '..');

function problemsOf(text: string): string[] {
  try {
    parseMainConfig(text, 'config.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.file).toBe('config.yaml');
    expect(configError.message.startsWith('config.yaml: ')).toBe(true);
    return [...configError.problems];
  }
  throw new Error('expected a ConfigError');
}

describe('parseMainConfig', () => {
  it('applies the Go router defaults to an empty file', () => {
    const config = parseMainConfig('', 'config.yaml');
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 8080, api_keys: [], max_inflight: 0 });
    expect(config.routing).toEqual({
      strategy: 'simple-shuffle',
      num_retries: 3,
      cache_aware: {
        max_blocks: 65_536,
        block_bytes: 256,
        max_prefix_blocks: 128,
        load_margin: 1,
        session_header: 'x-session-id',
        session_from_user: false,
      },
      per_model: {},
    });
    expect(config.http_client).toMatchObject({
      request_timeout: 3600,
      connect_timeout: 10,
      max_idle_conns: 2000,
    });
    expect(config.health_check).toMatchObject({
      interval: 30,
      timeout: 10,
      failure_threshold: 3,
      max_concurrency: 20,
    });
    expect(config.health_check.prune_unhealthy_on_start).toBe(false);
    expect(config.retry).toEqual({
      base_delay_ms: 500,
      max_delay_ms: 5000,
      jitter_factor: 0.2,
      failure_threshold: 3,
      after_send: 'idempotent-safe',
    });
    expect(config.webhook).toMatchObject({ enabled: false, cooldown_seconds: 300, batch_interval: 60 });
    expect(config.monitor.collect_interval).toBe(3);
    expect(config.backends).toEqual({ config_dir: 'configs', enabled_sources: ['openai', 'self_deployed'] });
    expect(config.dashboard).toMatchObject({ enabled: true, refresh_interval: 2, web_port: 0 });
    expect(config.log.level).toBe('info');
  });

  it('validates the shipped config.yaml', () => {
    const config = parseMainConfig(readFileSync(join(root, 'config.yaml'), 'utf8'), 'config.yaml');
    expect(config.server.port).toBe(8000);
    expect(config.backends.enabled_sources).toContain('demo');
  });

  it('names an unknown strategy with the allowed values', () => {
    const [problem] = problemsOf('routing:\n  strategy: round-robin\n');
    expect(problem).toMatch(/^routing\.strategy: /);
    expect(problem).toContain('least-waiting');
  });

  it('rejects unknown keys with their full path', () => {
    expect(problemsOf('server:\n  prot: 8000\n')).toEqual(['server.prot: unknown key']);
    expect(problemsOf('servre: {}\n')).toEqual(['servre: unknown key']);
  });

  it('has no demo section: the demo fleet listens where configs/demo_config.yaml api_base says', () => {
    expect(problemsOf('demo:\n  base_port: 18101\n')).toEqual(['demo: unknown key']);
  });

  it('rejects wrong types and zero or negative intervals', () => {
    expect(problemsOf('server:\n  port: "eighty"\n')[0]).toMatch(/^server\.port: .*number/);
    expect(problemsOf('health_check:\n  interval: 0\n')[0]).toMatch(/^health_check\.interval: .*>0/);
    expect(problemsOf('monitor:\n  collect_interval: -1\n')[0]).toMatch(/^monitor\.collect_interval: /);
    expect(problemsOf('routing:\n  num_retries: 1.5\n')[0]).toMatch(/^routing\.num_retries: /);
  });

  it('reports every problem at once', () => {
    expect(problemsOf('routing:\n  strategy: x\nhealth_check:\n  timeout: 0\n')).toHaveLength(2);
  });

  it('validates routing.cache_aware and per-model strategies, naming each key', () => {
    expect(problemsOf('routing:\n  cache_aware:\n    block_bytes: 100\n')).toEqual([
      'routing.cache_aware.block_bytes: must be a multiple of 16',
    ]);
    expect(problemsOf('routing:\n  cache_aware:\n    max_blocks: 0\n')[0]).toMatch(
      /^routing\.cache_aware\.max_blocks: /,
    );
    expect(problemsOf('routing:\n  cache_aware:\n    load_margin: -1\n')[0]).toMatch(
      /^routing\.cache_aware\.load_margin: /,
    );
    expect(problemsOf('routing:\n  cache_aware:\n    session_header: "x session"\n')[0]).toMatch(
      /^routing\.cache_aware\.session_header: must be an HTTP header name/,
    );
    expect(problemsOf('routing:\n  cache_aware:\n    blocks: 3\n')[0]).toMatch(/^routing\.cache_aware/);
    expect(problemsOf('routing:\n  per_model:\n    qwen: { strategy: sticky }\n')[0]).toMatch(
      /^routing\.per_model\.qwen\.strategy: /,
    );
    const config = parseMainConfig(
      'routing:\n  strategy: least-waiting\n  per_model:\n    qwen: { strategy: cache-aware }\n  cache_aware:\n    session_header: ""\n    load_margin: 0.5\n',
      'config.yaml',
    );
    expect(config.routing.per_model).toEqual({ qwen: { strategy: 'cache-aware' } });
    expect(config.routing.cache_aware).toMatchObject({ session_header: '', load_margin: 0.5 });
  });

  it('checks cross-field rules', () => {
    expect(problemsOf('retry:\n  base_delay_ms: 100\n  max_delay_ms: 10\n')).toEqual([
      'retry.max_delay_ms: must be >= retry.base_delay_ms',
    ]);
    expect(problemsOf('webhook:\n  enabled: true\n')[0]).toMatch(/^webhook\.url: /);
  });

  it('validates webhook targets, naming each key (never the URL, which holds the key)', () => {
    const text = (targets: string) => `webhook:\n  enabled: true\n  targets:\n${targets}`;
    expect(problemsOf(text('    - { type: teams, url: "https://x" }\n'))[0]).toMatch(
      /^webhook\.targets\[0\]\.type: /,
    );
    expect(
      problemsOf(
        text(
          '    - { type: slack, url: "https://hooks.slack.com/x" }\n    - { type: json, url: "ftp://x" }\n',
        ),
      ),
    ).toEqual(['webhook.targets[1].url: must be an absolute http(s) URL']);
    expect(problemsOf(text('    - { type: slack, url: "https://x", secret: s }\n'))).toEqual([
      'webhook.targets[0].secret: only feishu and dingtalk targets sign their requests',
    ]);
    expect(problemsOf(text('    - { type: wecom, url: "https://x", mentions: ["<@all>"] }\n'))[0]).toMatch(
      /^webhook\.targets\[0\]\.mentions\[0\]: /,
    );
    expect(problemsOf('webhook:\n  url: "not a url"\n')).toEqual([
      'webhook.url: must be an absolute http(s) URL',
    ]);
    // Targets alone are enough, and env references are left for the runtime to resolve.
    const config = parseMainConfig(
      text('    - { type: feishu, url: "os.environ/FEISHU_HOOK", secret: "os.environ/FEISHU_SECRET" }\n'),
      'config.yaml',
    );
    expect(config.webhook.targets[0]).toEqual({
      type: 'feishu',
      url: 'os.environ/FEISHU_HOOK',
      secret: 'os.environ/FEISHU_SECRET',
      mentions: [],
    });
  });

  it('resolves webhook secrets at load; the seed url is a target of webhook.format (WeCom by default)', () => {
    const config = parseMainConfig(
      'webhook:\n  enabled: true\n  url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"\n  targets:\n    - { type: dingtalk, url: "os.environ/DT_URL", secret: "os.environ/DT_SECRET", mentions: ["13800000000"] }\n',
      'config.yaml',
    );
    const env: Record<string, string> = { DT_URL: 'https://oapi.dingtalk.com/robot/send?access_token=t' };
    let thrown: unknown;
    try {
      notifySettingsFrom(config, (name) => env[name], 'config.yaml');
    } catch (error) {
      thrown = error;
    }
    expect((thrown as ConfigError).problems).toEqual([
      'webhook.targets[0].secret: environment variable DT_SECRET is not set',
    ]);
    env.DT_SECRET = 'SECxyz';
    const settings = notifySettingsFrom(config, (name) => env[name], 'config.yaml');
    expect(settings?.targets.map((t) => [t.key, t.type, t.url, t.secret])).toEqual([
      ['webhook.url', 'wecom', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', null],
      ['webhook.targets[0]', 'dingtalk', env.DT_URL, 'SECxyz'],
    ]);
    expect(settings?.timings).toMatchObject({
      batchMs: 60_000,
      cooldownMs: 300_000,
      reportIdleMs: 10_800_000,
    });
    expect(notifySettingsFrom(parseMainConfig('', 'config.yaml'), () => undefined, 'config.yaml')).toBeNull();
  });

  it('names the line of a YAML syntax error', () => {
    expect(problemsOf('server:\n  port: [8000\n')[0]).toMatch(/^invalid YAML at line \d+, column \d+/);
  });

  it('rejects a top level that is not a mapping', () => {
    expect(problemsOf('- a\n- b\n')[0]).toMatch(/expected a mapping/);
  });
});
