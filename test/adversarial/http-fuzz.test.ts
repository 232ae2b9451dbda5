import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RssSampler } from '../../bench/lib/proc-stats.ts';
import { createSeededRandom } from '../../src/core/random.ts';
import { killAllCli } from '../support/cli.ts';
import { type RouterProcess, startRouterProcess } from '../support/router-process.ts';
import { type StubUpstream, startStubUpstream } from '../support/stub-upstream.ts';
import { type FuzzCase, fuzzCase } from './fuzz-cases.ts';

const SEED = 20_261_210;
const CASES = 3000;
const CONCURRENCY = 24;
/** Every case must be answered (a response head) or closed this long after its last byte was written. */
const DEADLINE_MS = 2000;
const MiB = 1024 * 1024;
const FINAL_HEAD = /(?:^|\r\n)HTTP\/1\.[01] [2-5]\d\d [^\r\n]*\r\n(?:[^\r\n]*\r\n)*?\r\n/;

interface CaseResult {
  readonly fuzz: FuzzCase;
  readonly statuses: number[];
  readonly outcome: 'answered' | 'closed' | 'timeout';
  readonly ms: number;
}

/** Write the case's pieces on a fresh socket; wait for a response head or a close, at most DEADLINE_MS. */
function run(port: number, fuzz: FuzzCase): Promise<CaseResult> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let outcome: CaseResult['outcome'] | null = null;
    let sentAt = performance.now();
    let deadline: NodeJS.Timeout | undefined;
    const finish = (how: CaseResult['outcome']) => {
      if (outcome !== null) return;
      outcome = how;
      clearTimeout(deadline);
      // A pipelined second answer may follow the first at once.
      setTimeout(
        () => {
          socket.destroy();
          const statuses = [...text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
          resolve({ fuzz, statuses, outcome: how, ms: performance.now() - sentAt });
        },
        how === 'answered' ? 30 : 0,
      );
    };
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      // A final (not 1xx) response head, complete: "100 Continue" may come first.
      if (FINAL_HEAD.test(text)) finish('answered');
    });
    socket.on('close', () => finish('closed'));
    socket.on('error', () => {});
    socket.once('connect', async () => {
      for (const piece of fuzz.pieces) {
        if (socket.destroyed) break;
        socket.write(piece);
        await new Promise((next) => setImmediate(next));
      }
      sentAt = performance.now();
      deadline = setTimeout(() => finish('timeout'), DEADLINE_MS);
    });
  });
}

/**
 * The adversarial HTTP fuzz: a few thousand seeded malformed and borderline requests over raw sockets
 * against the real router process. A client's mistake is never a 5xx, every request is answered or
 * closed within 2 s, memory stays bounded, the process survives (same pid), and it still serves.
 */
describe('raw-socket HTTP fuzz against the router process', () => {
  let upstream: StubUpstream;
  let router: RouterProcess;

  beforeAll(async () => {
    upstream = await startStubUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"x","object":"chat.completion","choices":[]}');
    });
    router = await startRouterProcess({
      // Incomplete requests are given up on after 1 s, inside the 2 s every case must be settled in.
      main: {
        server: { request_read_timeout: 1, max_body_mb: 1 },
        dashboard: { enabled: true },
        log: { level: 'warn' },
      },
      backends: [{ model_name: 'm', api_base: upstream.url }],
    });
  });
  afterAll(async () => {
    await router?.close();
    await upstream?.close();
    await killAllCli();
  });

  it(`${CASES} cases (seed ${SEED}): no 5xx, all settled within 2 s, bounded memory, same process`, async () => {
    const random = createSeededRandom(SEED);
    const cases = Array.from({ length: CASES }, () => fuzzCase(random, `127.0.0.1:${router.port}`));
    const pid = router.pid;
    const baseline = router.rss();
    const peak = new RssSampler(router.pid, 50);
    const results: CaseResult[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < cases.length) {
          const fuzz = cases[next++]!;
          results.push(await run(router.port, fuzz));
        }
      }),
    );
    const grown = peak.stop() - baseline;

    const serverErrors = results.filter((r) => r.statuses.some((status) => status >= 500));
    const unsettled = results.filter((r) => r.outcome === 'timeout');
    const describe = (r: CaseResult) =>
      `${r.fuzz.kind} ${JSON.stringify(Buffer.concat(r.fuzz.pieces).toString('latin1').slice(0, 300))} -> ${r.statuses.join(',') || r.outcome}`;
    expect(serverErrors.map(describe), router.proc.stderr().slice(-2000)).toEqual([]);
    expect(unsettled.map(describe)).toEqual([]);
    expect(grown).toBeLessThan(200 * MiB);
    expect(router.alive()).toBe(true);
    expect(router.proc.child.pid).toBe(pid);
    // Enough of the cases were real requests that reached a backend, or the fuzz tests nothing.
    expect(results.filter((r) => r.statuses.includes(200)).length).toBeGreaterThan(CASES / 20);
    expect(new Set(results.flatMap((r) => r.statuses)).size).toBeGreaterThan(6);

    const normal = await fetch(`${router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(normal.status).toBe(200);
    await normal.arrayBuffer();
    process.stdout.write(
      `fuzz: ${CASES} cases, statuses ${JSON.stringify(countBy(results.flatMap((r) => r.statuses)))}, ` +
        `closed without answer ${results.filter((r) => r.outcome === 'closed' && r.statuses.length === 0).length}, ` +
        `RSS +${(grown / MiB).toFixed(1)} MiB\n`,
    );
  }, 120_000);
});

function countBy(values: readonly number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const value of values) out[value] = (out[value] ?? 0) + 1;
  return out;
}
