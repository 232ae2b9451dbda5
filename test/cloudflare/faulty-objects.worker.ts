import { BackgroundScheduler as Scheduler } from '../../adapters/cloudflare/background-scheduler.ts';
import { RouterStateObject as StateObject } from '../../adapters/cloudflare/router-state-object.ts';
import worker from '../../adapters/cloudflare/worker.ts';
import type { AcquireRequest, HistoryPayload, StateOp } from '../../src/index.ts';

/**
 * Test-only Worker: the real Worker, whose Durable Objects fail when told to (through `setFaults` on any
 * of them; the counters are shared by every object of this isolate). Each count is how many of the next
 * calls of that kind fail: `apply` before it is applied, `lose` after it was applied (the answer lost).
 */
interface Faults {
  acquire: number;
  apply: number;
  lose: number;
  history: number;
}

const faults: Faults = { acquire: 0, apply: 0, lose: 0, history: 0 };

function take(kind: keyof Faults): boolean {
  if (faults[kind] <= 0) return false;
  faults[kind]--;
  return true;
}

export class RouterStateObject extends StateObject {
  setFaults(next: Partial<Faults>): void {
    Object.assign(faults, next);
  }

  override acquire(request: AcquireRequest) {
    if (take('acquire')) throw new Error('injected: acquire failed');
    return super.acquire(request);
  }

  override apply(ops: readonly StateOp[], batch?: string) {
    if (take('apply')) throw new Error('injected: apply failed');
    const results = super.apply(ops, batch);
    if (take('lose')) throw new Error('injected: answer lost');
    return results;
  }
}

export class BackgroundScheduler extends Scheduler {
  override async history(): Promise<HistoryPayload> {
    if (take('history')) throw new Error('injected: scheduler unavailable');
    return super.history();
  }
}

export default worker;
