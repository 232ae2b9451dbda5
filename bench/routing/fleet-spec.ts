import type { SimOptionsInput } from '../../tools/sim/index.ts';

/** One simulated engine of a benchmark fleet. */
export interface SimSpec {
  readonly name: string;
  readonly options: SimOptionsInput;
  /** False puts a tiny proxy in front of the sim that answers 404 on /metrics (a hosted-API-like backend). */
  readonly metrics: boolean;
  /** `weight` in the router's backend file (1 when absent). */
  readonly weight?: number;
}

/** What every request of the benchmark looks like (the arrival generator draws inside these bounds). */
export interface Workload {
  readonly minTokens: number;
  readonly maxTokens: number;
  readonly minPromptChars: number;
  readonly maxPromptChars: number;
}

export const MODEL = 'bench-model';

/** Output 20–60 tokens, prompts 25–200 tokens (the sim counts ~4 characters per token). */
export const POISSON_WORKLOAD: Workload = {
  minTokens: 20,
  maxTokens: 60,
  minPromptChars: 100,
  maxPromptChars: 800,
};

/** Short generations so the 500-request burst drains in well under a second. */
export const BURST_WORKLOAD: Workload = {
  minTokens: 8,
  maxTokens: 8,
  minPromptChars: 100,
  maxPromptChars: 100,
};

/** The benchmark's engine: 8 slots, 50 ms to first token plus 0.1 ms per prompt token, 50 tokens/s. */
export const BASE_ENGINE: SimOptionsInput = {
  engine: 'vllm',
  models: [MODEL],
  ttftMs: 50,
  prefillMsPerToken: 0.1,
  tokensPerSecond: 50,
  maxNumSeqs: 8,
  keepAliveTimeoutMs: 30_000,
};

/**
 * The heterogeneous fleet: three full-speed engines (one of them with half the `max_num_seqs`) and
 * one three times slower. `noMetrics` names the backend that serves no /metrics (the metric-less scenario).
 */
export function heterogeneousFleet(noMetrics: string | null = null): SimSpec[] {
  const specs: SimSpec[] = [
    { name: 'fast-a', options: { ...BASE_ENGINE }, metrics: true },
    { name: 'fast-b', options: { ...BASE_ENGINE }, metrics: true },
    { name: 'fast-half', options: { ...BASE_ENGINE, maxNumSeqs: 4 }, metrics: true },
    { name: 'slow', options: { ...BASE_ENGINE, speed: 0.33 }, metrics: true },
  ];
  return specs.map((spec) => (spec.name === noMetrics ? { ...spec, metrics: false } : spec));
}

/**
 * The shape of the independent run the issue cites: three full-speed engines with 16, 16 and 8 slots and
 * one three times slower (16 slots).
 */
export function independentFleet(): SimSpec[] {
  return [
    { name: 'full-16a', options: { ...BASE_ENGINE, maxNumSeqs: 16 }, metrics: true },
    { name: 'full-16b', options: { ...BASE_ENGINE, maxNumSeqs: 16 }, metrics: true },
    { name: 'full-8', options: { ...BASE_ENGINE, maxNumSeqs: 8 }, metrics: true },
    { name: 'slow-16', options: { ...BASE_ENGINE, maxNumSeqs: 16, speed: 0.33 }, metrics: true },
  ];
}

/** Four equal engines of the heterogeneous fleet's full-speed kind: speed awareness must cost nothing here. */
export function homogeneousFleet(): SimSpec[] {
  return ['same-1', 'same-2', 'same-3', 'same-4'].map((name) => ({
    name,
    options: { ...BASE_ENGINE },
    metrics: true,
  }));
}

/** Four equal engines for the burst (fair share 25 %), roomy enough that the burst never queues long. */
export function equalFleet(): SimSpec[] {
  const options: SimOptionsInput = { ...BASE_ENGINE, maxNumSeqs: 64, tokensPerSecond: 100 };
  return ['eq-1', 'eq-2', 'eq-3', 'eq-4'].map((name) => ({ name, options: { ...options }, metrics: true }));
}

function num(value: number | undefined, fallback: number): number {
  return value ?? fallback;
}

/** Sim defaults, duplicated from tools/sim/sim-options.ts for the fields the model below reads. */
const SIM_DEFAULTS = { ttftMs: 80, prefillMsPerToken: 0.02, tokensPerSecond: 40, speed: 1, maxNumSeqs: 256 };

/** The model of one engine the oracle and the capacity estimate use (from the sim's own timing rules). */
export interface EngineModel {
  readonly maxNumSeqs: number;
  /** Admission to first token, mean over the workload's prompts, ms. */
  readonly firstTokenMs: number;
  /** Admission to last token (slot held), mean over the workload, ms. */
  readonly serviceMs: number;
  /** maxNumSeqs / serviceMs, requests per second. */
  readonly capacityRps: number;
}

/**
 * The sim admits a request into a free slot, emits token 0 after (ttft + prompt·prefill)/speed and token k
 * (k-1 intervals of 1/(tps·speed)) later, and frees the slot with the last token.
 */
export function engineModel(spec: SimSpec, workload: Workload): EngineModel {
  const o = spec.options;
  const speed = num(o.speed, SIM_DEFAULTS.speed);
  const meanPromptTokens = Math.ceil((workload.minPromptChars + workload.maxPromptChars) / 2 / 4);
  const meanTokens = (workload.minTokens + workload.maxTokens) / 2;
  const firstTokenMs =
    (num(o.ttftMs, SIM_DEFAULTS.ttftMs) +
      meanPromptTokens * num(o.prefillMsPerToken, SIM_DEFAULTS.prefillMsPerToken)) /
    speed;
  const serviceMs =
    firstTokenMs + ((meanTokens - 1) * 1000) / (num(o.tokensPerSecond, SIM_DEFAULTS.tokensPerSecond) * speed);
  const maxNumSeqs = num(o.maxNumSeqs, SIM_DEFAULTS.maxNumSeqs);
  return { maxNumSeqs, firstTokenMs, serviceMs, capacityRps: (maxNumSeqs * 1000) / serviceMs };
}

/** The Poisson fleets of the benchmark, by the name `--fleets` and the reports use. */
export const FLEETS = {
  heterogeneous: () => heterogeneousFleet(),
  independent: independentFleet,
  homogeneous: homogeneousFleet,
} as const satisfies Record<string, () => SimSpec[]>;
export type FleetName = keyof typeof FLEETS;
export const FLEET_NAMES = Object.keys(FLEETS) as FleetName[];
