import { createHmac } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebhookType } from '../../src/config/main-config-schema.ts';
import { waitFor } from './router-fixture.ts';

/** How the receiver answers: success, the target's own error signal, HTTP 500, or never. */
export type ReceiverMode = 'ok' | 'error' | 'http500' | 'hang';

export interface ReceivedRequest {
  readonly type: WebhookType;
  readonly url: string;
  readonly body: Record<string, unknown>;
  readonly answered: ReceiverMode;
  /** For a target with a secret: whether the request's signature verified; else null. */
  readonly signatureOk: boolean | null;
  readonly at: number;
}

export interface WebhookReceiver {
  /** The webhook URL for a target type, shaped like the real service's (the key is in it). */
  urlFor(type: WebhookType): string;
  /** Every request, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Requests of `type` answered with success. */
  delivered(type: WebhookType): ReceivedRequest[];
  /** Answer `type` (or every type) this way; after `times` requests, back to `ok`. */
  setMode(type: WebhookType | 'all', mode: ReceiverMode, times?: number): void;
  waitFor(check: () => boolean, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** What each service answers (real shapes: WeCom/DingTalk errcode, Feishu code, Slack text). */
const ANSWERS: Record<WebhookType, { ok: [number, string]; error: [number, string] }> = {
  wecom: {
    ok: [200, '{"errcode":0,"errmsg":"ok"}'],
    error: [200, '{"errcode":93000,"errmsg":"invalid webhook url, hint: [1733000000_1]"}'],
  },
  dingtalk: {
    ok: [200, '{"errcode":0,"errmsg":"ok"}'],
    error: [200, '{"errcode":310000,"errmsg":"sign not match"}'],
  },
  feishu: {
    ok: [200, '{"code":0,"msg":"success","data":{}}'],
    error: [
      200,
      '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time","data":{}}',
    ],
  },
  slack: { ok: [200, 'ok'], error: [400, 'invalid_payload'] },
  json: { ok: [204, ''], error: [400, '{"error":"rejected"}'] },
};

const PATHS: Record<WebhookType, (key: string) => string> = {
  wecom: (key) => `/cgi-bin/webhook/send?key=${key}`,
  feishu: (key) => `/open-apis/bot/v2/hook/${key}`,
  dingtalk: (key) => `/robot/send?access_token=${key}`,
  slack: (key) => `/services/T0SECRET/B0SECRET/${key}`,
  json: (key) => `/json-hook/${key}`,
};

function typeOf(path: string): WebhookType | null {
  if (path.startsWith('/cgi-bin/webhook/send')) return 'wecom';
  if (path.startsWith('/open-apis/bot/v2/hook/')) return 'feishu';
  if (path.startsWith('/robot/send')) return 'dingtalk';
  if (path.startsWith('/services/')) return 'slack';
  if (path.startsWith('/json-hook/')) return 'json';
  return null;
}

/**
 * A local stand-in for WeCom, Feishu, DingTalk, Slack and a generic JSON endpoint on 127.0.0.1, answering
 * each in its own success and error shapes, or hanging, on demand; it verifies Feishu and DingTalk
 * signatures with its own (node:crypto) implementation.
 */
export async function startWebhookReceiver(
  options: { key?: string; secrets?: Partial<Record<'feishu' | 'dingtalk', string>> } = {},
): Promise<WebhookReceiver> {
  const key = options.key ?? 'KEY0123456789abcdef';
  const requests: ReceivedRequest[] = [];
  const modes = new Map<WebhookType, { mode: ReceiverMode; left: number }>();
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const type = typeOf(url.pathname);
      if (!type) {
        res.writeHead(404).end();
        return;
      }
      const entry = modes.get(type) ?? { mode: 'ok', left: Number.POSITIVE_INFINITY };
      const mode = entry.mode;
      if (mode !== 'ok' && --entry.left <= 0) modes.delete(type);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        // Recorded as {}; a test looking at it fails.
      }
      requests.push({
        type,
        url: req.url ?? '',
        body,
        answered: mode,
        signatureOk: verify(type, url, body, options.secrets),
        at: Date.now(),
      });
      if (mode === 'hang') {
        hanging.add(res);
        return;
      }
      const [status, text] = mode === 'http500' ? [500, 'internal error'] : ANSWERS[type][mode];
      res
        .writeHead(status, { 'content-type': type === 'slack' ? 'text/plain' : 'application/json' })
        .end(text);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    urlFor: (type) => `${base}${PATHS[type](key)}`,
    requests,
    delivered: (type) => requests.filter((r) => r.type === type && r.answered === 'ok'),
    setMode(type, mode, times = Number.POSITIVE_INFINITY) {
      const types = type === 'all' ? (Object.keys(PATHS) as WebhookType[]) : [type];
      for (const t of types) {
        if (mode === 'ok') modes.delete(t);
        else modes.set(t, { mode, left: times });
      }
    },
    waitFor: (check, timeoutMs) => waitFor(check, timeoutMs, 20),
    async close() {
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function verify(
  type: WebhookType,
  url: URL,
  body: Record<string, unknown>,
  secrets: Partial<Record<'feishu' | 'dingtalk', string>> | undefined,
): boolean | null {
  if (type === 'feishu' && secrets?.feishu) {
    const timestamp = String(body['timestamp'] ?? '');
    const expected = createHmac('sha256', `${timestamp}\n${secrets.feishu}`).update('').digest('base64');
    return body['sign'] === expected && Math.abs(Number(timestamp) * 1000 - Date.now()) < 3_600_000;
  }
  if (type === 'dingtalk' && secrets?.dingtalk) {
    const timestamp = url.searchParams.get('timestamp') ?? '';
    const expected = createHmac('sha256', secrets.dingtalk)
      .update(`${timestamp}\n${secrets.dingtalk}`)
      .digest('base64');
    return url.searchParams.get('sign') === expected && Math.abs(Number(timestamp) - Date.now()) < 3_600_000;
  }
  return null;
}
