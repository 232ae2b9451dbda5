import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RequestScope } from '../../adapters/cloudflare/request-scope.ts';
import { trackResponse } from '../../adapters/cloudflare/track-response.ts';

/** A body that serves `chunks` on demand and records whether (and why) it was cancelled. */
function source(chunks: number) {
  const seen = { cancelled: null as unknown };
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent === chunks) controller.close();
        else controller.enqueue(new Uint8Array([sent++]));
      },
      cancel(reason) {
        seen.cancelled = reason ?? 'cancelled';
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

function track(chunks: number, stallMs = 1000) {
  const { stream, seen } = source(chunks);
  let settled = false;
  const scope = new RequestScope((promise) => {
    void promise.then(() => {
      settled = true;
    });
  }, 60_000);
  const client = new AbortController();
  const response = trackResponse(new Response(stream), client.signal, scope, stallMs);
  const reader = response.body!.getReader();
  return { reader, seen, client, settled: () => settled };
}

describe('trackResponse (Worker): a client that stops taking chunks', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('cancels the body stallMs after the last chunk it took, and settles the request scope', async () => {
    const { reader, seen, settled } = track(100);
    expect((await reader.read()).value).toEqual(new Uint8Array([0]));
    await vi.advanceTimersByTimeAsync(999);
    expect(seen.cancelled).toBeNull();
    await vi.advanceTimersByTimeAsync(2);
    expect(seen.cancelled).toBe('client stopped reading');
    await vi.advanceTimersByTimeAsync(1);
    expect(settled()).toBe(true);
  });

  it('leaves a slow but steady reader alone', async () => {
    const { reader, seen } = track(100);
    for (let i = 0; i < 10; i++) {
      expect((await reader.read()).value).toEqual(new Uint8Array([i]));
      await vi.advanceTimersByTimeAsync(900);
    }
    expect(seen.cancelled).toBeNull();
  });

  it('arms nothing once the body has ended', async () => {
    const { reader, seen, settled } = track(2);
    while (!(await reader.read()).done) {
      // drain
    }
    await vi.advanceTimersByTimeAsync(5000);
    expect(seen.cancelled).toBeNull();
    expect(settled()).toBe(true);
  });

  it('cancels at once when request.signal aborts', async () => {
    const { reader, seen, client } = track(100);
    await reader.read();
    client.abort('gone');
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.cancelled).toBe('gone');
  });
});
