import { routerErrors } from '../core/router-error.ts';

/**
 * Router-level admission: how many client requests are open (a stream counts until its last byte),
 * `server.max_inflight`, and draining on shutdown.
 */
export class Admission {
  #inflight = 0;
  #draining = false;

  get inflight(): number {
    return this.#inflight;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Take a slot or throw the RouterError the client gets (503 while draining or at `limit`; 0 = none). */
  enter(limit: number): void {
    if (this.#draining) throw routerErrors.shuttingDown();
    if (limit > 0 && this.#inflight >= limit) throw routerErrors.overloaded(1);
    this.#inflight++;
  }

  /** Give the slot back: once per successful enter. */
  readonly leave = (): void => {
    this.#inflight--;
  };

  /** Stop admitting (SIGTERM); requests already in keep their slots until they end. */
  startDraining(): void {
    this.#draining = true;
  }
}
