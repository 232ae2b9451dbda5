import { z } from 'zod';
import { BLOCK_ALIGN } from '../core/prefix-chain.ts';
import { DEFAULT_CACHE_AWARE_POLICY } from '../routing/cache-aware.ts';

/** Seconds (may be fractional) that must be strictly positive: a zero interval would spin or never fire. */
const seconds = (fallback: number) => z.number().positive().default(fallback);
const count = (fallback: number) => z.number().int().nonnegative().default(fallback);

export const StrategyNameSchema = z.enum([
  'simple-shuffle',
  'least-connections',
  'least-waiting',
  'cache-aware',
]);
export type StrategyName = z.infer<typeof StrategyNameSchema>;

export const LogLevelSchema = z.enum(['debug', 'info', 'warn', 'error']);
export type LogLevel = z.infer<typeof LogLevelSchema>;

export const RateLimitModeSchema = z.enum(['reject', 'wait']);

/** retry.after_send: whether a request that may already have run on a backend is sent again (docs). */
export const AfterSendModeSchema = z.enum(['never', 'idempotent-safe', 'always']);
export type AfterSendMode = z.infer<typeof AfterSendModeSchema>;

/** server.workers: a count, or `auto` for one per available core. */
export const WorkersSchema = z.union([z.number().int().min(1).max(1024), z.literal('auto')]);
export type WorkersSetting = z.infer<typeof WorkersSchema>;

export const StateStoreSchema = z.enum(['memory', 'redis']);

/**
 * Where the live state (RPM windows, in-flight counts, 429 holds, health) is kept: in the router
 * (`memory`), or in Redis/Valkey shared by every replica (`redis`, Node only; docs/scaling.md).
 */
const StateSchema = z
  .strictObject({
    store: StateStoreSchema.default('memory'),
    /** `redis://[user:password@]host:port[/db]` or `rediss://…`, or `os.environ/NAME`. */
    url: z.string().default(''),
    /** Prefix of every key, so routers of different fleets can share one Redis. */
    key_prefix: z.string().min(1).max(200).default('llm-router:'),
    /**
     * Milliseconds one store call may take before this replica serves on its own state (degraded) until
     * the store answers again.
     */
    timeout_ms: z.number().int().min(10).max(60_000).default(250),
  })
  .prefault({})
  .refine((state) => state.store !== 'redis' || state.url !== '', {
    message: 'required when state.store is redis (redis://host:6379, rediss://… or os.environ/NAME)',
    path: ['url'],
  });

const ServerSchema = z
  .strictObject({
    host: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(8080),
    /** Inbound API keys; entries may be `os.environ/NAME`. Empty list = no inbound auth. */
    api_keys: z.array(z.string().min(1)).default([]),
    /**
     * Host names browsers may use for routes no inbound key guards (DNS-rebinding protection); IP
     * addresses and localhost always may. `*.example.com` allows every subdomain.
     */
    allowed_hosts: z.array(z.string().min(1)).default([]),
    max_body_mb: z.number().positive().default(64),
    /** 0 = unlimited concurrent client requests. */
    max_inflight: count(0),
    /** Seconds a client may take to send headers + body before the router gives up on it. */
    request_read_timeout: seconds(60),
    /** Seconds SIGTERM waits for in-flight requests before aborting them. */
    shutdown_grace: seconds(30),
    /**
     * Node processes serving the port (`auto`: one per available core). Above 1, a supervising process
     * owns the state and the background work, and the workers serve (docs/scaling.md).
     */
    workers: WorkersSchema.default(1),
  })
  .prefault({});

/** An HTTP header name (RFC 9110 token), or '' for none. */
const HeaderNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]*$/, 'must be an HTTP header name (or "" for none)');

/** `routing.cache_aware` (docs/routing.md, "cache-aware"). */
const CacheAwareSchema = z
  .strictObject({
    /** Entries (block × backend) one model's prefix index holds at most: its memory bound. */
    max_blocks: z.number().int().positive().default(DEFAULT_CACHE_AWARE_POLICY.maxBlocks),
    /** Bytes of prompt per hashed block (~64 tokens at 256); a multiple of 16. */
    block_bytes: z
      .number()
      .int()
      .min(64)
      .max(65_536)
      .multipleOf(BLOCK_ALIGN, `must be a multiple of ${BLOCK_ALIGN}`)
      .default(256),
    /** Blocks hashed per request at most: the longest prefix told apart (block_bytes × this). */
    max_prefix_blocks: z.number().int().positive().max(4096).default(128),
    /** Stay with the cached backend while its expected TTFT is ≤ (1 + this) × the least loaded one's. */
    load_margin: z.number().nonnegative().default(DEFAULT_CACHE_AWARE_POLICY.loadMargin),
    /** Request header naming a session (a conversation) kept on one backend; '' = none. */
    session_header: HeaderNameSchema.default('x-session-id'),
    /** Also take the body's top-level `user` as the session when the header is absent. */
    session_from_user: z.boolean().default(false),
  })
  .prefault({});

/** Settings one model may take differently from the rest. */
const ModelRoutingSchema = z.strictObject({ strategy: StrategyNameSchema });

const RoutingSchema = z
  .strictObject({
    strategy: StrategyNameSchema.default('simple-shuffle'),
    num_retries: count(3),
    cache_aware: CacheAwareSchema,
    /** Per public model name: its own strategy (e.g. cache-aware for the one whose prompts share prefixes). */
    per_model: z.record(z.string().min(1), ModelRoutingSchema).default({}),
  })
  .prefault({});

const HttpClientSchema = z
  .strictObject({
    request_timeout: seconds(3600),
    connect_timeout: seconds(10),
    /** Seconds to wait for upstream response headers (vLLM queues before answering non-streaming requests). */
    header_timeout: seconds(600),
    /** Seconds of silence allowed between two body chunks of an upstream response. */
    idle_timeout: seconds(300),
    max_idle_conns: count(2000),
    max_conns_per_host: count(0),
    idle_conn_timeout: seconds(90),
    /** Pooled sockets are closed after this many idle seconds: keep it below the upstream's keep-alive. */
    keep_alive_timeout: seconds(4),
  })
  .prefault({});

const HealthCheckSchema = z
  .strictObject({
    interval: seconds(30),
    timeout: seconds(10),
    failure_threshold: z.number().int().positive().default(3),
    recovery_threshold: z.number().int().positive().default(1),
    /**
     * Seconds after a passive ejection before that backend is probed on its own, so a blip does not keep
     * it out until the next round; 0 = wait for the round. Node only (Workers probe on their alarm).
     */
    ejection_probe_delay: z.number().nonnegative().default(2),
    max_concurrency: z.number().int().positive().default(20),
    prune_unhealthy_on_start: z.boolean().default(false),
    /** Also require the backend's upstream model id in the /models answer. */
    verify_model: z.boolean().default(false),
  })
  .prefault({});

const RetrySchema = z
  .strictObject({
    base_delay_ms: z.number().nonnegative().default(500),
    max_delay_ms: z.number().nonnegative().default(5000),
    jitter_factor: z.number().min(0).max(1).default(0.2),
    failure_threshold: z.number().int().positive().default(3),
    after_send: AfterSendModeSchema.default('idempotent-safe'),
  })
  .prefault({});

const RateLimitSchema = z
  .strictObject({
    /** `reject`: answer 429 + Retry-After at once; `wait`: queue up to `max_wait_ms` for a window to free. */
    mode: RateLimitModeSchema.default('reject'),
    max_wait_ms: z.number().nonnegative().default(10_000),
  })
  .prefault({});

export const WebhookTypeSchema = z.enum(['wecom', 'feishu', 'dingtalk', 'slack', 'json']);
export type WebhookType = z.infer<typeof WebhookTypeSchema>;

/**
 * Who a chat message pings: user ids (WeCom, Feishu `ou_...`, DingTalk, Slack `U...`), phone numbers
 * (DingTalk) or `all` / `here` / `channel`. A closed alphabet: the value lands inside the message markup.
 */
const MentionSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.@+-]{1,64}$/, 'must be a user id, phone number or "all" (letters, digits, _ . @ + -)');

const WebhookTargetSchema = z.strictObject({
  type: WebhookTypeSchema,
  /** The webhook URL (its key is in it: never logged), or `os.environ/NAME`. */
  url: z.string().min(1),
  /** Signing secret of a Feishu or DingTalk robot with signature verification on, or `os.environ/NAME`. */
  secret: z.string().min(1).optional(),
  mentions: z.array(MentionSchema).default([]),
});
export type WebhookTargetConfig = z.infer<typeof WebhookTargetSchema>;

const WebhookSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** The Go router's one target: a WeCom group robot (its type is `format`). */
    url: z.string().default(''),
    format: WebhookTypeSchema.default('wecom'),
    /** Ours: any number of targets, each in its own format. */
    targets: z.array(WebhookTargetSchema).default([]),
    cooldown_seconds: seconds(300),
    batch_interval: seconds(60),
    report_interval_active: seconds(3600),
    report_interval_idle: seconds(10800),
    /** Seconds one delivery attempt may take (a hung webhook is abandoned after this, then retried). */
    timeout: seconds(10),
  })
  .prefault({});

const MonitorSchema = z
  .strictObject({
    collect_interval: seconds(3),
    /** Source types whose backends are never scraped for engine /metrics (hosted APIs have none). */
    skip_sources: z.array(z.string().min(1)).default(['openai']),
  })
  .prefault({});

const BackendsSchema = z
  .strictObject({
    config_dir: z.string().min(1).default('configs'),
    enabled_sources: z.array(z.string().min(1)).min(1).default(['openai', 'self_deployed']),
  })
  .prefault({});

const DashboardSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    refresh_interval: seconds(2),
    /**
     * A second listener for the dashboard, /api/* and /metrics (Node). The Go router defaulted to 80;
     * ours to 0 (the API port only): a listener nobody asked for on a privileged port would stop every
     * non-root start of a config that leaves the key out.
     */
    web_port: z.number().int().min(0).max(65535).default(0),
    /** Extra keys accepted for the dashboard and /api/*; when empty, server.api_keys apply. */
    auth: z.array(z.string().min(1)).default([]),
  })
  .prefault({});

const LogSchema = z
  .strictObject({
    level: LogLevelSchema.default('info'),
    dir: z.string().default('logs'),
    /** Write JSON log files into `dir` (console logging is always on). */
    file: z.boolean().default(false),
    max_size_mb: z.number().positive().default(100),
    max_backups: count(10),
    max_age_days: count(7),
  })
  .prefault({});

/** The main `config.yaml`: keys and defaults of the Go router, plus ours. */
export const MainConfigSchema = z
  .strictObject({
    server: ServerSchema,
    routing: RoutingSchema,
    http_client: HttpClientSchema,
    health_check: HealthCheckSchema,
    retry: RetrySchema,
    rate_limit: RateLimitSchema,
    webhook: WebhookSchema,
    monitor: MonitorSchema,
    backends: BackendsSchema,
    dashboard: DashboardSchema,
    log: LogSchema,
    state: StateSchema,
  })
  .prefault({});

export type MainConfig = z.infer<typeof MainConfigSchema>;
