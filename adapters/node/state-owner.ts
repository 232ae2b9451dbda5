import {
  type AcquireResult,
  applyStateOp,
  type Clock,
  type HealthTransition,
  type Logger,
  type RouterState,
  type StateOp,
  type StatePolicy,
} from '../../src/index.ts';
import type { StateAnswer, StateCall } from './cluster-messages.ts';

export interface StateOwnerDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** The live config's policy, for the releases made for a worker that died. */
  readonly policy: () => StatePolicy;
  /** A worker's call changed a backend's health (a passive ejection): the primary reports it. */
  readonly onTransition: (change: HealthTransition) => void;
  /**
   * The RouterState contract suite drives windows with explicit timestamps and registers its own
   * backends (test/contract/cluster-state.test.ts); the router never sets these.
   */
  readonly contract?: { readonly callerTime: true; readonly registrations: true };
}

/**
 * The attempts a worker holds, by backend and acquire time (what its release names): how many, and how
 * many of them saw their first byte. Two attempts on one backend in one millisecond share an entry.
 */
interface OpenAttempts {
  readonly model: string;
  readonly id: string;
  readonly chargedAt: number;
  count: number;
  firstBytes: number;
}

type Ledger = Map<string, OpenAttempts>;

const keyOf = (id: string, chargedAt: number) => `${chargedAt} ${id}`;

/**
 * The cluster primary's side of the workers' state calls: it applies them to the one state it owns,
 * on its own clock (every window runs on one clock), and keeps a ledger of the attempts each worker
 * holds (from the acquires it answered and the first bytes and releases it applied), so the attempts
 * of a worker that dies are released at once. Nothing is leased: IPC loses no call while both ends
 * live. Registrations are the primary's: workers apply the same config files, and a restarted worker
 * must not bring back a backend the primary retired or pruned.
 */
export class StateOwner {
  readonly #state: RouterState;
  readonly #deps: StateOwnerDeps;
  readonly #open = new Map<number, Ledger>();

  constructor(state: RouterState, deps: StateOwnerDeps) {
    this.#state = state;
    this.#deps = deps;
  }

  /** Answers a worker's calls in order; synchronous where the state is (in memory). */
  handle(worker: number, calls: readonly StateCall[]): StateAnswer[] | Promise<StateAnswer[]> {
    let open = this.#open.get(worker);
    if (!open) {
      open = new Map() as Ledger;
      this.#open.set(worker, open);
    }
    const answers: (StateAnswer | Promise<StateAnswer>)[] = [];
    let async = false;
    for (const call of calls) {
      const answer = this.#answer(open, call);
      if (answer instanceof Promise) async = true;
      answers.push(answer);
    }
    return async ? Promise.all(answers) : (answers as StateAnswer[]);
  }

  /** Attempts the worker holds now (tests, logs). */
  openAttempts(worker: number): number {
    let count = 0;
    for (const entry of this.#open.get(worker)?.values() ?? []) count += entry.count;
    return count;
  }

  /** The worker is gone: release every attempt it held (its clients are gone too). */
  async workerGone(worker: number): Promise<number> {
    const open = this.#open.get(worker);
    this.#open.delete(worker);
    if (!open || open.size === 0) return 0;
    const { clock, log } = this.#deps;
    const policy = this.#deps.policy();
    let released = 0;
    for (const attempts of open.values()) {
      for (let i = 0; i < attempts.count; i++) {
        const now = clock.now();
        try {
          await this.#state.release({
            model: attempts.model,
            id: attempts.id,
            now,
            outcome: 'client-gone',
            chargedAt: attempts.chargedAt,
            sawFirstByte: i < attempts.firstBytes,
            latencyMs: now - attempts.chargedAt,
            ttftMs: null,
            policy,
          });
          released++;
        } catch (error) {
          log.warn('releasing a dead worker attempt failed', { backend: attempts.id, error: String(error) });
        }
      }
    }
    return released;
  }

  #answer(open: Ledger, call: StateCall): StateAnswer | Promise<StateAnswer> {
    try {
      if ('acquire' in call) {
        const request = call.acquire;
        const result = this.#state.acquire({ ...request, now: this.#now(request.now) });
        const remember = (acquired: AcquireResult): StateAnswer => {
          if (acquired.kind === 'acquired') {
            const key = keyOf(acquired.id, acquired.chargedAt);
            const entry = open.get(key);
            if (entry) entry.count++;
            else
              open.set(key, {
                model: request.model,
                id: acquired.id,
                chargedAt: acquired.chargedAt,
                count: 1,
                firstBytes: 0,
              });
          }
          return { id: call.id, ok: acquired };
        };
        return result instanceof Promise
          ? result.then(remember, (error) => failed(call.id, error))
          : remember(result);
      }
      if ('view' in call) {
        const view = this.#state.view(this.#now(call.view));
        return view instanceof Promise
          ? view.then(
              (ok) => ({ id: call.id, ok }),
              (error) => failed(call.id, error),
            )
          : { id: call.id, ok: view };
      }
      const results = call.ops.map((op) => this.#apply(open, op));
      return results.some((result) => result instanceof Promise)
        ? Promise.all(results).then(
            (ok) => ({ id: call.id, ok }),
            (error) => failed(call.id, error),
          )
        : { id: call.id, ok: results };
    } catch (error) {
      return failed(call.id, error);
    }
  }

  /** Windows run on this process's clock, whatever time the worker read (it anchored its own). */
  #now(callerNow: number): number {
    return this.#deps.contract ? callerNow : this.#deps.clock.now();
  }

  #apply(open: Ledger, op: StateOp) {
    switch (op.op) {
      case 'register':
      case 'retire':
        if (!this.#deps.contract) return null;
        break;
      case 'firstByte': {
        const entry = op.attempt && open.get(keyOf(op.id, op.attempt.chargedAt));
        if (entry && entry.firstBytes < entry.count) entry.firstBytes++;
        break;
      }
      case 'release': {
        const key = keyOf(op.report.id, op.report.chargedAt);
        const entry = open.get(key);
        if (!entry) break;
        entry.count--;
        if (op.report.sawFirstByte && entry.firstBytes > 0) entry.firstBytes--;
        if (entry.count === 0) open.delete(key);
        break;
      }
      default:
        break;
    }
    const result = applyStateOp(this.#state, op, (callerNow) => this.#now(callerNow));
    if (result instanceof Promise)
      return result.then((change) => {
        if (change) this.#deps.onTransition(change);
        return change;
      });
    if (result) this.#deps.onTransition(result);
    return result;
  }
}

function failed(id: number, error: unknown): StateAnswer {
  return { id, error: error instanceof Error ? error.message : String(error) };
}
