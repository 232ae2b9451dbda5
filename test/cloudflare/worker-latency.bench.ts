/**
 * Added latency of one non-streaming request through the Worker (under Miniflare, straight to workerd,
 * not through wrangler dev's proxy) vs through the Node service, both in front of the same sim, and the
 * Durable Object round trips per request. Run: npx tsx test/cloudflare/worker-latency.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { closeAll, startSims, startTestRouter } from '../support/router-fixture.ts';
import { chatJson } from '../support/sse.ts';
import { startWorkerTarget } from './worker-target.ts';

const N = Number(process.env.N ?? 300);
const KEY = 'bench-key';
const body = chatJson('m', { max_tokens: 1 });

async function timeRequests(url: string, auth: boolean): Promise<number[]> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth) headers.authorization = `Bearer ${KEY}`;
  const once = async () => {
    const started = performance.now();
    const response = await fetch(url, { method: 'POST', headers, body });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 30; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < N; i++) samples.push(await once());
  return samples.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

const [sim] = await startSims([{ models: ['m'], ttftMs: 0, tokensPerSecond: 100_000 }]);
if (!sim) throw new Error('no sim');
const setup = { main: { server: { api_keys: [KEY] } }, backends: [{ model_name: 'm', api_base: sim }] };
const node = await startTestRouter(setup);
const worker = await startWorkerTarget(setup);
try {
  const direct = await timeRequests(`${sim.url}/chat/completions`, false);
  const viaNode = await timeRequests(`${node.url}/v1/chat/completions`, true);
  const viaWorker = await timeRequests(`${worker.url}/v1/chat/completions`, true);
  const namespace = await worker.mf.getDurableObjectNamespace('ROUTER_STATE');
  const shard = namespace.get(namespace.idFromName('model:m')) as unknown as { calls(): Promise<number> };
  const before = await shard.calls();
  const M = 50;
  for (let i = 0; i < M; i++) {
    const response = await fetch(`${worker.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body,
    });
    await response.arrayBuffer();
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const perRequest = ((await shard.calls()) - before) / M;
  const row = (name: string, s: number[]) =>
    `${name.padEnd(8)} p50 ${pct(s, 0.5).toFixed(2)} ms  p90 ${pct(s, 0.9).toFixed(2)} ms  added p50 ${(pct(s, 0.5) - pct(direct, 0.5)).toFixed(2)} ms`;
  console.log(`${N} sequential non-streaming requests each (1 token, sim on 127.0.0.1)`);
  console.log(row('direct', direct));
  console.log(row('node', viaNode));
  console.log(row('worker', viaWorker));
  console.log(`worker vs node, added p50: ${(pct(viaWorker, 0.5) - pct(viaNode, 0.5)).toFixed(2)} ms`);
  console.log(`Durable Object round trips per request (model shard): ${perRequest.toFixed(2)}`);
} finally {
  await worker.close();
  await node.close();
  await closeAll([sim]);
}
process.exit(0);
