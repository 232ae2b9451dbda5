import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RssSampler } from '../../bench/lib/proc-stats.ts';
import { chatBodyOfSize, sendShaped, UPLOAD_PLAN, type UploadShape } from '../../bench/lib/upload-shapes.ts';
import { killAllCli } from '../support/cli.ts';
import { waitFor } from '../support/router-fixture.ts';
import { type RouterProcess, startRouterProcess } from '../support/router-process.ts';
import { type StubUpstream, startStubUpstream } from '../support/stub-upstream.ts';

const MiB = 1024 * 1024;

/**
 * The stated bound: while requests are in flight, the router's RSS grows by at most MULTIPLE times their
 * payload, plus a fixed allowance for the heap's own growth under load (young generation, JIT).
 * Bodies are held whole until the response ends (they may be retried elsewhere), so ~1x is the floor.
 */
const MULTIPLE = 3;
const ALLOWANCE = 24 * MiB;

/**
 * Issue 10, item 1 and the adversarial memory bound: a chunked upload of 1-byte chunks took the router
 * from 75 MB to 2 GB RSS for a 5 MB payload (every chunk kept as its own Buffer). For each transfer
 * shape, N requests are held in flight by a backend that has read every body but not answered yet, and
 * the router's RSS growth per request must stay under MULTIPLE x payload (+ ALLOWANCE in all).
 */
describe('router memory per in-flight request, by body transfer shape', () => {
  let upstream: StubUpstream;
  let router: RouterProcess | undefined;
  const held: (() => void)[] = [];
  let bodiesIn = 0;

  beforeAll(async () => {
    upstream = await startStubUpstream(
      (req, res) => {
        req.on('data', () => {});
        req.on('end', () => {
          bodiesIn++;
          held.push(() => res.end('{"choices":[]}'));
        });
      },
      { readBody: false },
    );
  });
  afterAll(async () => {
    for (const release of held.splice(0)) release();
    await router?.close();
    await upstream?.close();
    await killAllCli();
  });

  const release = () => {
    for (const answer of held.splice(0)) answer();
  };

  it.each(Object.entries(UPLOAD_PLAN) as [UploadShape, { count: number; bytes: number }][])(
    '%s',
    async (shape, { count, bytes }) => {
      // A fresh process per shape: RSS never shrinks, so a shape measured after another would reuse the
      // memory the earlier one grew into and look free.
      await router?.close();
      router = await startRouterProcess({
        main: { server: { max_body_mb: 64 }, log: { level: 'warn' } },
        backends: [{ model_name: 'm', api_base: upstream.url }],
      });
      const url = `${router.url}/v1/chat/completions`;
      // Warm the path for this shape, then measure from a settled baseline.
      const warm = sendShaped(url, chatBodyOfSize('m', 64 * 1024), shape);
      await waitFor(() => held.length === 1, 10_000);
      release();
      expect((await warm).status).toBe(200);

      bodiesIn = 0;
      const baseline = router.rss();
      const peak = new RssSampler(router.pid, 10);
      const body = chatBodyOfSize('m', bytes);
      const answers = Array.from({ length: count }, () => sendShaped(url, body, shape));
      const arrived = await waitFor(() => bodiesIn === count, 40_000, 20);
      const grown = peak.stop() - baseline;
      release();
      const statuses = (await Promise.all(answers)).map((answer) => answer.status);
      expect(arrived, `${bodiesIn}/${count} bodies reached the backend`).toBe(true);
      expect(statuses).toEqual(Array(count).fill(200));
      const perRequest = grown / count;
      process.stdout.write(
        `${shape}: +${(grown / MiB).toFixed(1)} MiB for ${count} x ${(bytes / MiB).toFixed(2)} MiB ` +
          `(${(perRequest / bytes).toFixed(2)}x payload per request)\n`,
      );
      expect(grown).toBeLessThan(MULTIPLE * count * bytes + ALLOWANCE);
      expect(router.alive()).toBe(true);
    },
    60_000,
  );
});
