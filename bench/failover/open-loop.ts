import { Agent } from 'undici';

export interface RequestRecord {
  /** `performance.now()` when the request was due (open loop: not when a slot freed up). */
  readonly at: number;
  readonly ms: number;
  /** HTTP status, or 0 for a network error. */
  readonly status: number;
  readonly error: string | null;
}

export interface OpenLoop {
  /** Stop issuing; resolves once every request already sent has finished. */
  stop(): Promise<RequestRecord[]>;
  /** Requests issued so far. */
  issued(): number;
}

/**
 * Open-loop load: request `i` is due at `start + i / rate`, whatever happened to earlier ones, so a slow or
 * failing router cannot throttle its own offered load (no coordinated omission).
 */
export function startOpenLoop(options: { url: string; path: string; body: Buffer; rate: number }): OpenLoop {
  const { origin, pathname } = new URL(options.path, options.url);
  const agent = new Agent({ connections: 512, keepAliveTimeout: 30_000 });
  const records: RequestRecord[] = [];
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  let sent = 0;
  let stopped = false;

  const fire = (due: number): void => {
    const promise = (async () => {
      let status = 0;
      let error: string | null = null;
      try {
        const res = await agent.request({
          origin,
          path: pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: options.body,
        });
        status = res.statusCode;
        const text = await res.body.text();
        if (status !== 200) error = text.slice(0, 200);
      } catch (caught) {
        error =
          caught instanceof Error
            ? `${(caught as { code?: string }).code ?? ''} ${caught.message}`
            : String(caught);
      }
      records.push({ at: due, ms: performance.now() - due, status, error });
    })();
    pending.add(promise);
    void promise.finally(() => pending.delete(promise));
  };

  const tick = (): void => {
    if (stopped) return;
    const now = performance.now();
    const due = Math.floor(((now - started) * options.rate) / 1000);
    while (sent < due) {
      fire(started + (sent * 1000) / options.rate);
      sent++;
    }
    setTimeout(tick, 2);
  };
  tick();

  return {
    issued: () => sent,
    async stop() {
      stopped = true;
      while (pending.size > 0) await Promise.all([...pending]);
      await agent.close();
      return records.sort((a, b) => a.at - b.at);
    },
  };
}
