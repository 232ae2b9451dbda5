import { FlagError, type ParsedFlags, parseFlags } from '../cli/index.ts';
import type { SimEngineKind, SimFaults, SimOptionsInput } from './sim-options.ts';

export interface SimCliConfig {
  help: boolean;
  count: number;
  /** First port; instance i listens on port + i (0: every instance takes an ephemeral port). */
  port: number;
  host: string;
  engine: SimEngineKind | 'mixed';
  models: string[];
  /** Per-instance speed multipliers, cycled when shorter than `count`. */
  speeds: number[];
  apiKey?: string;
  writeConfig?: string;
  sourceType: string;
  /** Engine knobs shared by every instance (only the ones given on the command line). */
  shared: Omit<SimOptionsInput, 'faults'>;
  faults: Partial<SimFaults>;
  /** Instances the fault flags apply to; empty means every instance. */
  faultIndices: number[];
  /** Instances stopped right after start, so their port refuses connections (a crashed engine). */
  downIndices: number[];
}

export type ParsedSimArgs = { ok: true; config: SimCliConfig } | { ok: false; error: string };

type Setter = (config: SimCliConfig, value: string) => string | null;
/** A flag that takes no value: `--flag` turns it on, `--flag=false` off. */
type Switch = (config: SimCliConfig, on: boolean) => void;

export function defaultSimCliConfig(): SimCliConfig {
  return {
    help: false,
    count: 4,
    port: 9001,
    host: '127.0.0.1',
    engine: 'vllm',
    models: [],
    speeds: [1],
    sourceType: 'self_deployed',
    shared: {},
    faults: {},
    faultIndices: [],
    downIndices: [],
  };
}

interface Range {
  min: number;
  max: number;
  integer: boolean;
  /** Human wording of the range for error messages. */
  text: string;
}

const COUNT: Range = { min: 1, max: 10_000, integer: true, text: 'an integer in 1..10000' };
const PORT: Range = { min: 0, max: 65_535, integer: true, text: 'an integer in 0..65535' };
const POSITIVE_INT: Range = {
  min: 1,
  max: Number.MAX_SAFE_INTEGER,
  integer: true,
  text: 'a positive integer',
};
const POSITIVE: Range = {
  min: Number.MIN_VALUE,
  max: Number.MAX_VALUE,
  integer: false,
  text: 'a number > 0',
};
const NON_NEGATIVE: Range = { min: 0, max: Number.MAX_VALUE, integer: false, text: 'a number >= 0' };
const RATE: Range = { min: 0, max: 1, integer: false, text: 'a probability in 0..1' };
const NON_NEGATIVE_INT: Range = {
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  integer: true,
  text: 'an integer >= 0',
};
const STATUS: Range = { min: 100, max: 599, integer: true, text: 'an HTTP status 100..599' };

/** Keys of T whose values are numbers (optional or not). */
type NumberKey<T> = { [K in keyof T]-?: number extends T[K] ? K : never }[keyof T];
type StringKey<T> = { [K in keyof T]-?: string extends T[K] ? K : never }[keyof T];

/** A setter that parses a number within `range` into `pick(config)[key]`. */
function num<T extends object>(pick: (c: SimCliConfig) => T, key: NumberKey<T>, range: Range): Setter {
  return (c, v) => {
    const n = v.trim() === '' ? Number.NaN : Number(v);
    const valid =
      Number.isFinite(n) && n >= range.min && n <= range.max && (!range.integer || Number.isInteger(n));
    if (!valid) return `must be ${range.text} (got "${v}")`;
    (pick(c) as Record<PropertyKey, unknown>)[key] = n;
    return null;
  };
}

function text<T extends object>(pick: (c: SimCliConfig) => T, key: StringKey<T>): Setter {
  return (c, v) => {
    if (v.trim() === '') return 'needs a non-empty value';
    (pick(c) as Record<PropertyKey, unknown>)[key] = v;
    return null;
  };
}

/** A comma list of instance indices (0-based); checked against --count once every flag is read. */
function indices(key: 'faultIndices' | 'downIndices'): Setter {
  return (c, v) => {
    const parts = splitList(v);
    if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p))) {
      return `must be a comma list of instance indices 0,1,... (got "${v}")`;
    }
    c[key] = [...new Set(parts.map(Number))].sort((a, b) => a - b);
    return null;
  };
}

const top = (c: SimCliConfig): SimCliConfig => c;
const shared = (c: SimCliConfig): SimCliConfig['shared'] => c.shared;
const faults = (c: SimCliConfig): Partial<SimFaults> => c.faults;

const FLAGS: Readonly<Record<string, Setter>> = {
  count: num(top, 'count', COUNT),
  port: num(top, 'port', PORT),
  host: text(top, 'host'),
  engine: (c, v) => {
    if (v !== 'vllm' && v !== 'sglang' && v !== 'mixed') return `must be vllm, sglang or mixed (got "${v}")`;
    c.engine = v;
    return null;
  },
  model: (c, v) => {
    const names = splitList(v);
    if (names.length === 0) return 'needs a model name';
    c.models.push(...names);
    return null;
  },
  speeds: (c, v) => {
    const speeds = splitList(v).map(Number);
    if (speeds.length === 0 || speeds.some((s) => !Number.isFinite(s) || s <= 0)) {
      return `must be a comma list of positive numbers (got "${v}")`;
    }
    c.speeds = speeds;
    return null;
  },
  'tokens-per-second': num(shared, 'tokensPerSecond', POSITIVE),
  'ttft-ms': num(shared, 'ttftMs', NON_NEGATIVE),
  'prefill-ms-per-token': num(shared, 'prefillMsPerToken', NON_NEGATIVE),
  'max-num-seqs': num(shared, 'maxNumSeqs', POSITIVE_INT),
  'default-max-tokens': num(shared, 'defaultMaxTokens', POSITIVE_INT),
  'kv-capacity-tokens': num(shared, 'kvCapacityTokens', POSITIVE_INT),
  'prefix-cache-tokens': num(shared, 'prefixCacheTokens', NON_NEGATIVE_INT),
  'api-key': text(top, 'apiKey'),
  'error-rate': num(faults, 'errorRate', RATE),
  'error-status': num(faults, 'errorStatus', STATUS),
  'rate-limit-rate': num(faults, 'rateLimitRate', RATE),
  'hang-rate': num(faults, 'hangRate', RATE),
  'retry-after-seconds': num(faults, 'retryAfterSeconds', NON_NEGATIVE_INT),
  'drop-rate': num(faults, 'dropMidStreamRate', RATE),
  'drop-after-tokens': num(faults, 'dropAfterTokens', NON_NEGATIVE_INT),
  'models-status': num(faults, 'modelsStatus', STATUS),
  'slow-first-byte-ms': num(faults, 'slowFirstByteMs', NON_NEGATIVE),
  'flap-period-ms': num(faults, 'flapPeriodMs', NON_NEGATIVE),
  'fault-indices': indices('faultIndices'),
  'down-indices': indices('downIndices'),
  'write-config': text(top, 'writeConfig'),
  'source-type': text(top, 'sourceType'),
};

const SWITCHES: Readonly<Record<string, Switch>> = {
  'fail-inference-only': (c, on) => {
    c.faults.failInferenceOnly = on;
  },
};

/** Every flag the parser accepts (without dashes), so a test can hold the usage text and docs to it. */
export const SIM_FLAG_NAMES: readonly string[] = [...Object.keys(FLAGS), ...Object.keys(SWITCHES), 'help'];

/** Parses `llm-router sim` arguments; the first problem found is reported as a one-line message. */
export function parseSimArgs(argv: readonly string[]): ParsedSimArgs {
  const config = defaultSimCliConfig();
  let parsed: ParsedFlags;
  try {
    parsed = parseFlags(argv, {
      values: Object.keys(FLAGS),
      booleans: [...Object.keys(SWITCHES), 'help'],
      aliases: { h: 'help' },
    });
  } catch (error) {
    if (error instanceof FlagError) return { ok: false, error: `${error.message} (see --help)` };
    throw error;
  }
  if (parsed.positional.length > 0)
    return { ok: false, error: `unexpected argument "${parsed.positional[0]}" (see --help)` };
  for (const { name, value } of parsed.entries) {
    if (name === 'help') {
      config.help = value === 'true';
      continue;
    }
    const toggle = SWITCHES[name];
    if (toggle) {
      toggle(config, value === 'true');
      continue;
    }
    const problem = FLAGS[name]!(config, value);
    if (problem) return { ok: false, error: `--${name} ${problem}` };
  }
  if (config.port > 0 && config.port + config.count - 1 > 65_535) {
    return { ok: false, error: `--port ${config.port} with --count ${config.count} runs past port 65535` };
  }
  for (const flag of ['fault-indices', 'down-indices'] as const) {
    const list = flag === 'fault-indices' ? config.faultIndices : config.downIndices;
    const outside = list.find((index) => index >= config.count);
    if (outside !== undefined) {
      return {
        ok: false,
        error: `--${flag} ${outside} is not an instance (--count ${config.count}: 0..${config.count - 1})`,
      };
    }
  }
  return { ok: true, config };
}

/** One options object per instance: engines alternate for `mixed`, speeds cycle. */
export function simSpecs(config: SimCliConfig): SimOptionsInput[] {
  return Array.from({ length: config.count }, (_, i) => {
    const engine: SimEngineKind =
      config.engine === 'mixed' ? (i % 2 === 0 ? 'vllm' : 'sglang') : config.engine;
    const spec: SimOptionsInput = {
      ...config.shared,
      host: config.host,
      port: config.port === 0 ? 0 : config.port + i,
      engine,
      speed: config.speeds[i % config.speeds.length] ?? 1,
      faults: faultsApplyTo(config, i) ? { ...config.faults } : {},
    };
    if (config.models.length > 0) spec.models = [...config.models];
    if (config.apiKey !== undefined) spec.apiKey = config.apiKey;
    return spec;
  });
}

function faultsApplyTo(config: SimCliConfig, index: number): boolean {
  return config.faultIndices.length === 0 || config.faultIndices.includes(index);
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
