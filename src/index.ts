export { type AppOptions, createApp } from './app/create-app.ts';
export { errorResponse, jsonResponse } from './app/json-response.ts';
export { proxyPathOf, upstreamQueryOf } from './app/proxy-route.ts';
export { ConfigError } from './config/config-error.ts';
export {
  type LogLevel,
  LogLevelSchema,
  type MainConfig,
  MainConfigSchema,
  type StrategyName,
} from './config/main-config-schema.ts';
export { type ParsedBackendFile, parseBackendFile } from './config/parse-backend-file.ts';
export { parseMainConfig } from './config/parse-main-config.ts';
export { resolveSecret, type SecretSource } from './config/resolve-secret.ts';
export { sourceOfFile } from './config/source-of-file.ts';
export { type Clock, systemClock } from './core/clock.ts';
export { collectBody } from './core/collect-body.ts';
export { ClientGoneError } from './core/dispatch.ts';
export type { LogFields, Logger } from './core/logger.ts';
export type { ProxyRequest, ProxyResponse } from './core/proxy-exchange.ts';
export { createSeededRandom, type Random, systemRandom } from './core/random.ts';
export { errorEnvelope, RouterError, routerErrors } from './core/router-error.ts';
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
export type { Backend } from './pool/backend.ts';
export type { PoolChange } from './pool/backend-pool.ts';
export { LlmRouter, type LlmRouterDeps, type Readiness } from './router/llm-router.ts';
export { MemoryRouterState } from './state/memory-router-state.ts';
export type {
  AcquireRequest,
  AcquireResult,
  AttemptReport,
  ClientRequestRecord,
  FirstByteTiming,
  HealthTransition,
  ProbeReport,
  RouterState,
  StateView,
} from './state/router-state.ts';
