import { afterEach, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import {
  closeAll,
  occupySim,
  startSims,
  startTestRouter,
  type TestRouter,
  waitFor,
} from '../support/router-fixture.ts';

let sims: SimServer[] = [];
let router: TestRouter | undefined;
const outside: AbortController[] = [];

afterEach(async () => {
  for (const controller of outside.splice(0)) controller.abort();
  await router?.close();
  router = undefined;
  await closeAll(sims);
  sims = [];
});

interface BackendRow {
  readonly id: string;
  readonly capacity: number | null;
  readonly capacity_source: string;
  readonly relative_speed: number | null;
  readonly speed_source: string;
}

describe('learned capacity on /api/dashboard and /metrics (real sims, real router)', () => {
  it('shows configured, engine-reported, plateau-learned and unknown slot counts with their source', async () => {
    sims = await startSims([
      { models: ['m'], maxNumSeqs: 16 },
      { models: ['m'], engine: 'sglang', maxNumSeqs: 6 },
      { models: ['m'], maxNumSeqs: 2, tokensPerSecond: 5 },
      { models: ['m'], maxNumSeqs: 3 },
    ]);
    const [configured, sglang, plateau, bare] = sims as [SimServer, SimServer, SimServer, SimServer];
    // 2 slots, 6 requests from another client: it runs 2 and queues 4 at every scrape.
    outside.push(occupySim(plateau, 6, 2000));
    expect(await waitFor(() => plateau.stats().waiting === 4, 3000)).toBe(true);
    router = await startTestRouter({
      main: { routing: { strategy: 'least-waiting' }, monitor: { collect_interval: 0.05 } },
      backends: [
        { model_name: 'm', api_base: configured, max_num_seqs: 8 },
        { model_name: 'm', api_base: sglang },
        { model_name: 'm', api_base: plateau },
        { model_name: 'm', api_base: bare, scrape_metrics: false },
      ],
    });
    const url = router.url;
    const rows = async (): Promise<Record<string, BackendRow>> => {
      const body = (await (await fetch(`${url}/api/dashboard`)).json()) as { backends: BackendRow[] };
      return Object.fromEntries(body.backends.map((b) => [b.id, b]));
    };
    const id = (sim: SimServer) => `m@${sim.url}`;
    expect(
      await waitFor(async () => (await rows())[id(plateau)]?.capacity_source === 'learned', 5000, 20),
    ).toBe(true);
    const seen = await rows();
    expect(seen[id(configured)]).toMatchObject({ capacity: 8, capacity_source: 'configured' });
    expect(seen[id(sglang)]).toMatchObject({ capacity: 6, capacity_source: 'reported' });
    expect(seen[id(plateau)]).toMatchObject({ capacity: 2, capacity_source: 'learned' });
    // Unknown: the median of the others' (2, 6, 8).
    expect(seen[id(bare)]).toMatchObject({ capacity: 6, capacity_source: 'unknown' });
    // Nothing served yet: every speed is unknown, taken as typical.
    expect(seen[id(bare)]).toMatchObject({ relative_speed: 1, speed_source: 'unknown' });

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain(
      `llm_router_backend_capacity{backend="${id(plateau)}",model="m",source="self_deployed",capacity_source="learned"} 2`,
    );
    expect(metrics).toMatch(
      new RegExp(
        `llm_router_backend_relative_speed\\{backend="${id(bare).replace(/[.]/g, '\\.')}".*speed_source="unknown"\\} 1`,
      ),
    );
  });

  it('learns relative speed from the requests it routes, whatever the strategy', async () => {
    sims = await startSims([
      { models: ['m'], maxNumSeqs: 8, tokensPerSecond: 400, ttftMs: 5 },
      { models: ['m'], maxNumSeqs: 8, tokensPerSecond: 400, ttftMs: 5, speed: 0.25 },
    ]);
    const [fast, slow] = sims as [SimServer, SimServer];
    router = await startTestRouter({
      main: { routing: { strategy: 'least-connections' } },
      backends: [
        { model_name: 'm', api_base: fast },
        { model_name: 'm', api_base: slow },
      ],
    });
    const client = router.client();
    const streamed = async () => {
      const stream = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 8,
        stream: true,
      });
      for await (const _ of stream) {
        // drained
      }
    };
    // Two at a time: least-connections sends the second of each pair to the other, idle backend.
    for (let i = 0; i < 6; i++) await Promise.all([streamed(), streamed()]);
    const body = (await (await fetch(`${router.url}/api/dashboard`)).json()) as { backends: BackendRow[] };
    const byId = Object.fromEntries(body.backends.map((b) => [b.id, b]));
    const f = byId[`m@${fast.url}`]!;
    const s = byId[`m@${slow.url}`]!;
    expect([f.speed_source, s.speed_source]).toEqual(['learned', 'learned']);
    // Four times slower; the typical of two is their mean, so about 1.6 against 0.4.
    expect(f.relative_speed!).toBeGreaterThan(3 * s.relative_speed!);
  });
});
