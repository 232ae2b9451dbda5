export { type AppOptions, createApp } from './app/create-app.ts';
export { errorResponse, jsonResponse } from './app/json-response.ts';
export { ConfigError } from './config/config-error.ts';
export {
  backendFileFrom,
  baseName,
  type ConfigOverrides,
  type ConfigTexts,
  isEnabledBackendFile,
  type LoadedBackendFile,
  mainConfigFrom,
  parseConfigTexts,
} from './config/config-texts.ts';
export {
  type LogLevel,
  LogLevelSchema,
  type MainConfig,
  MainConfigSchema,
  type StrategyName,
  WorkersSchema,
  type WorkersSetting,
} from './config/main-config-schema.ts';
export { type ParsedBackendFile, parseBackendFile } from './config/parse-backend-file.ts';
export { parseMainConfig } from './config/parse-main-config.ts';
export { resolveSecret, type SecretSource } from './config/resolve-secret.ts';
export { sourceOfFile } from './config/source-of-file.ts';
export { BodyAccumulator } from './core/body-accumulator.ts';
export { type Clock, systemClock } from './core/clock.ts';
export { collectBody } from './core/collect-body.ts';
export { ClientGoneError } from './core/dispatch.ts';
export type { LogFields, Logger } from './core/logger.ts';
export { mapLimit } from './core/map-limit.ts';
export type { ProxyRequest, ProxyResponse } from './core/proxy-exchange.ts';
export { createSeededRandom, type Random, systemRandom } from './core/random.ts';
export { type AffinitySettings, requestAffinity } from './core/request-affinity.ts';
export { errorEnvelope, RouterError, renderError, routerErrors } from './core/router-error.ts';
export type {
  AbortSignalLike,
  HeaderRecord,
  Transport,
  UpstreamRequest,
  UpstreamResponse,
} from './core/transport.ts';
export { TransportError, type UpstreamFailure } from './core/upstream-failure.ts';
export type { DashboardData, SystemInfo } from './metrics/dashboard-data.ts';
export { type EngineLoad, parseEngineLoad } from './metrics/engine-load.ts';
export type { DeliveryTuning } from './notify/deliver-payload.ts';
export type { Notice } from './notify/notice.ts';
export type { NoticeChannel, NoticeOptions, NotifierStore } from './notify/notice-hub.ts';
export type { NotifierSnapshot } from './notify/notifier-machine.ts';
export { type Backend, metricsUrlOf, normaliseApiBase } from './pool/backend.ts';
export type { PoolChange } from './pool/backend-pool.ts';
export { BACKGROUND_TASKS, type BackgroundTask, type TaskFilter } from './router/background.ts';
export { type CreatedRouter, createRouter, type RouterRuntime } from './router/create-router.ts';
export { maxInflightShare, type RuntimeTuning, statePolicyFrom } from './router/dispatch-settings-from.ts';
export {
  type BodySource,
  type FrontDoorResult,
  type InboundRequest,
  serveProxy,
} from './router/front-door.ts';
export type { HealthListener, Readiness } from './router/health-rounds.ts';
export { LlmRouter } from './router/llm-router.ts';
export type { LlmRouterDeps } from './router/router-parts.ts';
export type { HistoryPayload, RouterDashboard } from './router/router-views.ts';
export type { Affinity } from './routing/affinity.ts';
export { MemoryRouterState } from './state/memory-router-state.ts';
export { mergeViews } from './state/merge-views.ts';
export {
  RemoteRouterState,
  type RemoteRouterStateOptions,
  type StateChannel,
} from './state/remote-router-state.ts';
export type {
  AcquireRequest,
  AcquireResult,
  AttemptOutcome,
  AttemptReport,
  BackendLiveView,
  BlameReport,
  ClientRequestRecord,
  FirstByteTiming,
  HealthTransition,
  PrefixIndexView,
  ProbeReport,
  RouterState,
  StatePolicy,
  StateView,
  StoreStatus,
} from './state/router-state.ts';
export { GLOBAL_SHARD, shardName } from './state/shard-name.ts';
export { applyStateOp, type StateOp, type StateOpResult } from './state/state-ops.ts';
