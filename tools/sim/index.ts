export { runSimCli, type SimCliIo } from './sim-cli.ts';
export {
  type ParsedSimArgs,
  parseSimArgs,
  SIM_FLAG_NAMES,
  type SimCliConfig,
  simSpecs,
} from './sim-cli-args.ts';
export { SIM_USAGE } from './sim-cli-usage.ts';
export { simCommand } from './sim-command.ts';
export {
  type EngineSnapshot,
  type SequenceHandle,
  type SequenceRequest,
  type SequenceSink,
  SimEngine,
} from './sim-engine.ts';
export type { SimEventInfo, SimEventListener, SimEventName, SimEvents } from './sim-events.ts';
export { type BackendConfigOptions, backendConfigYaml, startSimFleet } from './sim-fleet.ts';
export { renderMetrics } from './sim-metrics.ts';
export {
  defaultSimFaults,
  resolveSimOptions,
  type SimEngineKind,
  type SimFaults,
  type SimOptions,
  type SimOptionsInput,
} from './sim-options.ts';
export { BLOCK_CHARS, BLOCK_TOKENS, PrefixCache, promptBlocks } from './sim-prefix-cache.ts';
export { type InferenceRequest, parseInference } from './sim-request.ts';
export { type SimServer, startSimServer } from './sim-server.ts';
export type { SimStats } from './sim-stats.ts';
