/**
 * The Lua scripts behind state.store: redis. Each runs atomically in Redis/Valkey, so a limit is checked
 * and charged in one step whatever the number of replicas (never read-modify-write from a client).
 *
 * Keys of one backend (all of a model's keys share the `{model}` hash tag, so one script touches one
 * slot and works on Redis Cluster too):
 *   s  sorted set of sends in the last 60 s (member: attempt token, score: send time): the RPM window
 *   l  sorted set of attempt leases (member: token, score: expiry): in-flight = its size once expired
 *      members are gone, so a replica that dies stops counting within one lease
 *   h  hash: hy healthy (0/1, absent = healthy), pr probed, ej ejected by traffic, pf/ps consecutive
 *      probe failures/successes, rf consecutive request failures, hold (429 hold until), ret retired,
 *      le leases that expired unreleased
 * and one set per model, `gone`: ids retired from config and dropped (a late call must not revive them).
 *
 * Times: ARGV[1] is 'c' (use the caller's time, ARGV[2]: the contract suite) or 's' (the server's TIME,
 * one clock for every replica: the default). Durations from the caller (a lease, a 429 hold) are added
 * to the script's own now.
 */

const PRELUDE = `
local now = tonumber(ARGV[2])
if ARGV[1] == 's' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local WINDOW = 60000
local DAY = 86400000
local function keep(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
local function traffic(h, failed, threshold)
  if not failed then
    if redis.call('EXISTS', h) == 1 then redis.call('HSET', h, 'rf', 0) end
    return -1
  end
  local rf = redis.call('HINCRBY', h, 'rf', 1)
  keep(h, DAY)
  if redis.call('HGET', h, 'hy') ~= '0' and rf >= threshold then
    redis.call('HSET', h, 'hy', 0, 'ej', 1)
    return 0
  end
  return -1
end
local function expire_leases(l, h)
  local expired = redis.call('ZREMRANGEBYSCORE', l, '-inf', now)
  if expired > 0 then redis.call('HINCRBY', h, 'le', expired) end
end
`;

/**
 * KEYS: s1 l1 h1 ... sn ln hn gone. ARGV: mode now leaseMs token n, then per candidate: id rpm conc
 * (-1: none), in the order the replica ranked them. Takes the first eligible candidate: charges its
 * window and leases the attempt. Returns {picked (0: none), now, anyHealthy, saturated, retryAfterMs
 * (-1: none), then sends and in-flight per candidate}.
 */
export const ACQUIRE = `${PRELUDE}
local leaseMs = tonumber(ARGV[3])
local token = ARGV[4]
local n = tonumber(ARGV[5])
local gone = KEYS[3 * n + 1]
local anyHealthy, saturated, retry, picked = 0, 0, -1, 0
local counts = {}
for i = 1, n do
  local s, l, h = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  local id = ARGV[3 + 3 * i]
  local rpm = tonumber(ARGV[4 + 3 * i])
  local conc = tonumber(ARGV[5 + 3 * i])
  local sends, inflight = 0, 0
  if redis.call('SISMEMBER', gone, id) == 0 then
    local f = redis.call('HMGET', h, 'hy', 'ret', 'hold')
    if f[1] ~= '0' and f[2] ~= '1' then
      anyHealthy = 1
      redis.call('ZREMRANGEBYSCORE', s, '-inf', now - WINDOW)
      expire_leases(l, h)
      sends = redis.call('ZCARD', s)
      inflight = redis.call('ZCARD', l)
      local hold = tonumber(f[3] or '0')
      if hold > now then
        if retry < 0 or hold - now < retry then retry = hold - now end
      elseif conc >= 0 and inflight >= conc then
        saturated = 1
      elseif rpm >= 0 and sends >= rpm then
        local wait = 1000
        if rpm >= 1 then
          local k = sends - rpm
          local at = redis.call('ZRANGE', s, k, k, 'WITHSCORES')
          wait = math.max(0, tonumber(at[2]) + WINDOW - now)
        end
        if retry < 0 or wait < retry then retry = wait end
      elseif picked == 0 then
        picked = i
        redis.call('ZADD', s, now, token)
        redis.call('ZADD', l, now + leaseMs, token)
        keep(s, WINDOW + 1000)
        keep(l, leaseMs + WINDOW)
        if f[1] == false then redis.call('HSET', h, 'hy', 1) end
        keep(h, DAY)
        sends = sends + 1
        inflight = inflight + 1
      end
    end
  end
  counts[2 * i - 1] = sends
  counts[2 * i] = inflight
end
local reply = { picked, now, anyHealthy, saturated, retry }
for i = 1, 2 * n do reply[5 + i] = counts[i] end
return reply
`;

/**
 * KEYS: s l h gone. ARGV: mode now token id outcome holdMs ejectAfter defer. Outcomes: s success,
 * c client-error, r rate-limited, n not-sent, w withdrawn, f failure, g client-gone. Ends the lease
 * (once: an expired one is not counted twice), refunds a send that never reached the backend, applies
 * the traffic result and a 429 hold; drops a retired backend with nothing left in flight. Returns
 * {change (-1 none, 0 down), now}.
 */
export const RELEASE = `${PRELUDE}
local s, l, h, gone = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local token, id, outcome = ARGV[3], ARGV[4], ARGV[5]
local holdMs, threshold, defer = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8] == '1'
if redis.call('SISMEMBER', gone, id) == 1 then return { -1, now } end
redis.call('ZREM', l, token)
local change = -1
if outcome == 'n' or outcome == 'w' then redis.call('ZREM', s, token) end
if outcome == 's' or outcome == 'c' then change = traffic(h, false, threshold)
elseif outcome == 'n' or (outcome == 'f' and not defer) then change = traffic(h, true, threshold)
elseif outcome == 'r' then
  local hold = now + holdMs
  if hold > tonumber(redis.call('HGET', h, 'hold') or '0') then redis.call('HSET', h, 'hold', hold) end
  keep(h, DAY)
end
if redis.call('HGET', h, 'ret') == '1' then
  expire_leases(l, h)
  if redis.call('ZCARD', l) == 0 then
    redis.call('DEL', s, l, h)
    redis.call('SADD', gone, id)
    keep(gone, DAY)
  end
end
return { change, now }
`;

/** KEYS: h gone. ARGV: mode now id ejectAfter. A deferred failure that turned out to be the backend's. */
export const BLAME = `${PRELUDE}
if redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 1 or redis.call('EXISTS', KEYS[1]) == 0 then
  return { -1, now }
end
return { traffic(KEYS[1], true, tonumber(ARGV[4])), now }
`;

/**
 * KEYS: h gone. ARGV: mode now id ok failureThreshold recoveryThreshold. The probe state machine of
 * health/health-record.ts (applyProbeResult), on the shared record. Returns {change (-1, 0 down, 1 up), now}.
 */
export const PROBE = `${PRELUDE}
local h = KEYS[1]
if redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 1 or redis.call('EXISTS', h) == 0 then return { -1, now } end
if redis.call('HGET', h, 'ret') == '1' then return { -1, now } end
local ok, failures, recovery = ARGV[4] == '1', tonumber(ARGV[5]), tonumber(ARGV[6])
local f = redis.call('HMGET', h, 'hy', 'pr', 'ej')
local healthy, first, ejected = f[1] ~= '0', f[2] ~= '1', f[3] == '1'
redis.call('HSET', h, 'pr', 1)
keep(h, DAY)
if ok then
  redis.call('HSET', h, 'pf', 0)
  local ps = redis.call('HINCRBY', h, 'ps', 1)
  if healthy then return { -1, now } end
  if ejected or first or ps >= recovery then
    redis.call('HSET', h, 'hy', 1, 'ej', 0, 'rf', 0)
    return { 1, now }
  end
  return { -1, now }
end
redis.call('HSET', h, 'ps', 0)
local pf = redis.call('HINCRBY', h, 'pf', 1)
if pf >= failures then redis.call('HSET', h, 'ej', 0) end
if healthy and (first or pf >= failures) then
  redis.call('HSET', h, 'hy', 0)
  return { 0, now }
end
return { -1, now }
`;

/** KEYS: h1..hn gone. ARGV: mode now n, then per backend: id healthy. Known backends keep their state. */
export const REGISTER = `${PRELUDE}
local n = tonumber(ARGV[3])
local gone = KEYS[n + 1]
for i = 1, n do
  local h = KEYS[i]
  redis.call('SREM', gone, ARGV[2 + 2 * i])
  redis.call('HSETNX', h, 'hy', ARGV[3 + 2 * i])
  redis.call('HDEL', h, 'ret')
  keep(h, DAY)
end
return now
`;

/**
 * KEYS: s1 l1 h1 ... gone. ARGV: mode now n ids... Backends retired from config: dropped at once when
 * nothing is in flight, else marked and dropped by their last release.
 */
export const RETIRE = `${PRELUDE}
local n = tonumber(ARGV[3])
local gone = KEYS[3 * n + 1]
for i = 1, n do
  local s, l, h, id = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i], ARGV[3 + i]
  expire_leases(l, h)
  if redis.call('ZCARD', l) == 0 then
    redis.call('DEL', s, l, h)
    redis.call('SADD', gone, id)
    keep(gone, DAY)
  else
    redis.call('HSET', h, 'ret', 1)
  end
end
return now
`;

/**
 * KEYS: l1..ln (one model's backends). ARGV: mode now leaseMs, then per key: how many tokens, the tokens.
 * Pushes held leases' expiry to now + leaseMs (never shortens one, never brings back an expired one).
 */
export const RENEW = `${PRELUDE}
local leaseMs = tonumber(ARGV[3])
local at = 4
for i = 1, #KEYS do
  local k = tonumber(ARGV[at])
  at = at + 1
  for j = 1, k do
    redis.call('ZADD', KEYS[i], 'XX', 'GT', now + leaseMs, ARGV[at])
    at = at + 1
  end
  keep(KEYS[i], leaseMs + WINDOW)
end
return now
`;

/**
 * KEYS: s1 l1 h1 ... sn ln hn. ARGV: mode now n. Per backend: sends, in-flight, hy, pr, ej, rf, hold,
 * le (-1 where absent); then now.
 */
export const VIEW = `${PRELUDE}
local n = tonumber(ARGV[3])
local reply = {}
for i = 1, n do
  local s, l, h = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  redis.call('ZREMRANGEBYSCORE', s, '-inf', now - WINDOW)
  expire_leases(l, h)
  local f = redis.call('HMGET', h, 'hy', 'pr', 'ej', 'rf', 'hold', 'le')
  local base = 8 * (i - 1)
  reply[base + 1] = redis.call('ZCARD', s)
  reply[base + 2] = redis.call('ZCARD', l)
  for j = 1, 6 do reply[base + 2 + j] = tonumber(f[j] or '-1') end
end
reply[8 * n + 1] = now
return reply
`;

/**
 * KEYS: s1 l1 ... (one pair per entry). ARGV: mode now n, then per entry: token sentAt leaseMs (-1:
 * the attempt is over, only its send counts), with caller times. After an outage: what this replica did
 * on its own goes into the shared windows and leases, so the limits count it.
 */
export const RESYNC = `${PRELUDE}
local n = tonumber(ARGV[3])
local shift = now - tonumber(ARGV[2])
for i = 1, n do
  local s, l = KEYS[2 * i - 1], KEYS[2 * i]
  local token, sent, lease = ARGV[1 + 3 * i], tonumber(ARGV[2 + 3 * i]) + shift, tonumber(ARGV[3 + 3 * i])
  if sent > now - WINDOW then
    redis.call('ZADD', s, sent, token)
    keep(s, WINDOW + 1000)
  end
  if lease >= 0 then
    redis.call('ZADD', l, now + lease, token)
    keep(l, lease + WINDOW)
  end
end
return now
`;

/** KEYS: replicas. ARGV: mode now id ttlMs. Counts the replicas alive (heartbeats within their ttl). */
export const HEARTBEAT = `${PRELUDE}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
keep(KEYS[1], tonumber(ARGV[4]) * 2)
return redis.call('ZCARD', KEYS[1])
`;
