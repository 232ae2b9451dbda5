import { createUndiciTransport } from '../../adapters/node/undici-transport.ts';
import { parseBackendFile } from '../../src/config/parse-backend-file.ts';
import { parseMainConfig } from '../../src/config/parse-main-config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createSeededRandom } from '../../src/core/random.ts';
import { LlmRouter } from '../../src/router/llm-router.ts';
import { MemoryRouterState } from '../../src/state/memory-router-state.ts';
import type { FakeClock } from './fake-clock.ts';

// An LlmRouter driven directly (no HTTP server in front) over the real undici transport.
export const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const transport = createUndiciTransport({
  connectTimeoutMs: 2000,
  headersTimeoutMs: 5000,
  idleTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  maxConnsPerHost: 0,
  keepAliveTimeoutMs: 1000,
});

export function backendYaml(
  entries: { url: string; weight: number; model?: string; upstream?: string }[],
): string {
  return `model_list:\n${entries
    .map(
      (e) =>
        `  - model_name: ${e.model ?? 'm'}\n    litellm_params:\n      model: openai/${e.upstream ?? e.model ?? 'm'}\n      api_base: ${e.url}\n      weight: ${e.weight}\n`,
    )
    .join('')}`;
}

export async function routerFor(yaml: string, configText: string, clock: FakeClock): Promise<LlmRouter> {
  const config = parseMainConfig(configText, 'config.yaml');
  const random = createSeededRandom(7);
  const router = new LlmRouter({
    config,
    state: new MemoryRouterState(random),
    transport,
    clock,
    random,
    log: silentLogger,
    secrets: () => undefined,
    systemInfo: () => ({ memoryMb: null, runtime: 'test', version: '0' }),
  });
  const { backends } = parseBackendFile(yaml, 'self_deployed.yaml', {
    source: 'self_deployed',
    secrets: () => undefined,
    skipMetricsSources: [],
  });
  await router.applyBackendFile('self_deployed.yaml', backends, true);
  return router;
}

export async function send(router: LlmRouter, model = 'm') {
  const body = encoder.encode(
    JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
  );
  const response = await router.proxy({
    path: 'chat/completions',
    headers: {},
    body: [body],
    signal: new AbortController().signal,
  });
  let text = '';
  if (response.body instanceof Uint8Array) text = decoder.decode(response.body);
  else for await (const chunk of response.body) text += decoder.decode(chunk, { stream: true });
  return { status: response.status, headers: response.headers, text };
}
