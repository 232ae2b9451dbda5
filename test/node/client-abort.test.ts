import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimEventInfo, SimEventName, SimServer } from '../../tools/sim/index.ts';
import { closeAll, startSims, startTestRouter, type TestRouter, waitFor } from '../support/router-fixture.ts';
import { chatJson, sseEvents } from '../support/sse.ts';

const CHAT = '/v1/chat/completions';
/** The bound the spec's "aborts the upstream at once" is held to here. */
const CANCEL_WITHIN_MS = 100;
/**
 * Wall-clock bounds are at the mercy of the OS scheduler on a shared 2-core machine, so each scenario
 * gets up to this many tries and must meet the bound in one of them. That cannot hide a router that
 * notices the disconnect late: the next thing that would reveal it (a token at 2 tokens/s, headers after
 * 2 s, a 50-second non-streaming answer) is always far beyond the bound, so every try would miss it.
 */
const TRIES = 3;

/** Resolves with the first `event` of `sim` carrying `requestId` on the chat path, or null after `timeoutMs`. */
function nextEvent(
  sim: SimServer,
  event: SimEventName,
  requestId: string,
  timeoutMs = 3000,
): Promise<SimEventInfo | null> {
  return new Promise((resolve) => {
    const listener = (info: SimEventInfo) => {
      if (info.path !== CHAT || info.requestId !== requestId) return;
      clearTimeout(timer);
      sim.events.off(event, listener);
      resolve(info);
    };
    const timer = setTimeout(() => {
      sim.events.off(event, listener);
      resolve(null);
    }, timeoutMs);
    sim.events.on(event, listener);
  });
}

/** Runs `scenario` (which returns abort time and the cancel it saw) until the cancel is fast enough. */
async function cancelLatencies(scenario: (attempt: number) => Promise<number>): Promise<number[]> {
  const latencies: number[] = [];
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const latency = await scenario(attempt);
    latencies.push(latency);
    if (latency <= CANCEL_WITHIN_MS) break;
  }
  return latencies;
}

describe('client disconnect aborts the upstream exchange', () => {
  let streamSim: SimServer;
  let slowSim: SimServer;
  let router: TestRouter;

  beforeAll(async () => {
    [streamSim, slowSim] = (await startSims([
      // 2 tokens/s: a router that only noticed the client when writing the next token would be 500 ms late.
      { models: ['long-model'], ttftMs: 5, tokensPerSecond: 2 },
      { models: ['slow-model'], ttftMs: 5, tokensPerSecond: 20 },
    ])) as [SimServer, SimServer];
    router = await startTestRouter({
      main: { routing: { num_retries: 3 } },
      backends: [
        { model_name: 'long-model', api_base: streamSim },
        { model_name: 'slow-model', api_base: slowSim },
      ],
    });
    // Set after start-up so the first health probe (GET /v1/models) is not slowed too.
    slowSim.setFaults({ slowFirstByteMs: 2000 });
  });

  afterAll(async () => {
    await router?.close();
    await closeAll([streamSim, slowSim]);
  });

  /** Router and backend hold nothing once the client is gone. */
  async function expectAllReleased(sim: SimServer): Promise<void> {
    expect(await waitFor(() => router.running.router.inflight === 0, 3000)).toBe(true);
    const view = await router.running.router.view();
    for (const backend of view.backends) expect(backend.inflight).toBe(0);
    expect(await waitFor(() => sim.stats().running === 0 && sim.stats().waiting === 0, 3000)).toBe(true);
  }

  it('mid-stream (raw fetch): the backend sees the cancel at once and stops generating', async () => {
    const latencies = await cancelLatencies(async (attempt) => {
      const requestId = `abort-mid-stream-${attempt}`;
      const controller = new AbortController();
      const cancelled = nextEvent(streamSim, 'cancel', requestId);
      const res = await fetch(`${router.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: chatJson('long-model', { max_tokens: 100, stream: true }),
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      const events = sseEvents(res.body!);
      const first = await events.next();
      expect(first.done).toBe(false);
      expect(first.value?.data).toContain('"chat.completion.chunk"');
      expect(router.running.router.inflight).toBe(1);

      const abortedAt = Date.now();
      controller.abort();
      const cancel = await cancelled;
      expect(cancel).not.toBeNull();
      await events.return(undefined).catch(() => {});
      await expectAllReleased(streamSim);
      return cancel!.at - abortedAt;
    });
    expect(Math.min(...latencies)).toBeLessThanOrEqual(CANCEL_WITHIN_MS);

    // Generation really stopped: the engine freed the slot and emits no further tokens.
    const tokens = streamSim.stats().generationTokens;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(streamSim.stats().generationTokens).toBe(tokens);
  });

  it('mid-stream (SDK): stream.controller.abort() cancels upstream at once', async () => {
    const latencies = await cancelLatencies(async (attempt) => {
      const requestId = `abort-sdk-stream-${attempt}`;
      const cancelled = nextEvent(streamSim, 'cancel', requestId);
      const stream = await router.client().chat.completions.create(
        {
          model: 'long-model',
          messages: [{ role: 'user', content: 'go on' }],
          max_tokens: 100,
          stream: true,
        },
        { headers: { 'x-request-id': requestId } },
      );
      let abortedAt = 0;
      let received = 0;
      try {
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta.content) received++;
          if (received === 1) {
            abortedAt = Date.now();
            stream.controller.abort();
            // Chunks the SDK had already parsed may still be yielded after the abort: stop reading here.
            break;
          }
        }
      } catch {
        // The SDK may surface the abort as an error; either way the stream is over.
      }
      expect(received).toBe(1);
      const cancel = await cancelled;
      expect(cancel).not.toBeNull();
      await expectAllReleased(streamSim);
      return cancel!.at - abortedAt;
    });
    expect(Math.min(...latencies)).toBeLessThanOrEqual(CANCEL_WITHIN_MS);
  });

  it('while waiting for response headers: the pending upstream request is cancelled at once', async () => {
    const latencies = await cancelLatencies(async (attempt) => {
      const requestId = `abort-before-headers-${attempt}`;
      const before = slowSim.stats().byPath[CHAT] ?? 0;
      const arrived = nextEvent(slowSim, 'request', requestId);
      const cancelled = nextEvent(slowSim, 'cancel', requestId);
      const controller = new AbortController();
      const pending = fetch(`${router.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: chatJson('slow-model', { max_tokens: 3, stream: true }),
        signal: controller.signal,
      }).then(
        () => 'answered',
        (error: unknown) => (error as Error).name,
      );
      expect(await arrived).not.toBeNull();
      // Let the sim enter its slow-first-byte wait; the router is now waiting for headers.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(router.running.router.inflight).toBe(1);

      const abortedAt = Date.now();
      controller.abort();
      expect(await pending).toBe('AbortError');
      const cancel = await cancelled;
      expect(cancel).not.toBeNull();
      await expectAllReleased(slowSim);
      // Not retried elsewhere or again: the client is gone.
      expect(slowSim.stats().byPath[CHAT] ?? 0).toBe(before + 1);
      return cancel!.at - abortedAt;
    });
    expect(Math.min(...latencies)).toBeLessThanOrEqual(CANCEL_WITHIN_MS);
  });

  it('during a non-streaming generation (SDK signal): the backend sees the cancel at once', async () => {
    const latencies = await cancelLatencies(async (attempt) => {
      const requestId = `abort-sdk-json-${attempt}`;
      const arrived = nextEvent(streamSim, 'request', requestId);
      const cancelled = nextEvent(streamSim, 'cancel', requestId);
      const controller = new AbortController();
      const pending = router
        .client()
        .chat.completions.create(
          { model: 'long-model', messages: [{ role: 'user', content: 'long answer' }], max_tokens: 100 },
          { headers: { 'x-request-id': requestId }, signal: controller.signal },
        )
        .then(
          () => 'answered',
          (error: unknown) => (error as Error).constructor.name,
        );
      expect(await arrived).not.toBeNull();
      // The sequence is generating; its JSON answer (and so any response byte) is 50 s away.
      expect(await waitFor(() => streamSim.stats().running === 1, 3000)).toBe(true);
      const abortedAt = Date.now();
      controller.abort();
      expect(await pending).toBe('APIUserAbortError');
      const cancel = await cancelled;
      expect(cancel).not.toBeNull();
      await expectAllReleased(streamSim);
      return cancel!.at - abortedAt;
    });
    expect(Math.min(...latencies)).toBeLessThanOrEqual(CANCEL_WITHIN_MS);
  });
});
