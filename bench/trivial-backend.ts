/**
 * The trivial upstream every bench measures against: answers at once with a fixed ~300-byte
 * chat.completion (or, when the body asks for `"stream":true`, N SSE events M ms apart), so the cost
 * that remains is the proxy's own.
 *
 *   npx tsx bench/trivial-backend.ts --port 9001 [--sse-events 20] [--sse-gap-ms 50]
 *                                    [--delay-ms 0] [--delay-min-bytes 0]
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { BENCH_MODEL } from './lib/bodies.ts';
import { exitWithParent } from './lib/children.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9001' },
    'sse-events': { type: 'string', default: '20' },
    'sse-gap-ms': { type: 'string', default: '50' },
    'delay-ms': { type: 'string', default: '0' },
    'delay-min-bytes': { type: 'string', default: '0' },
  },
});
const port = Number(values.port);
const sseEvents = Number(values['sse-events']);
const sseGapMs = Number(values['sse-gap-ms']);
const delayMs = Number(values['delay-ms']);
const delayMinBytes = Number(values['delay-min-bytes']);

const COMPLETION = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench0000000000000000',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: BENCH_MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello from the trivial bench backend.' },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 200, completion_tokens: 9, total_tokens: 209 },
  }),
);
const COMPLETION_HEADERS = {
  'content-type': 'application/json',
  'content-length': String(COMPLETION.length),
};
const CHUNK_EVENT = Buffer.from(
  `data: ${JSON.stringify({
    id: 'chatcmpl-bench0000000000000000',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: BENCH_MODEL,
    choices: [{ index: 0, delta: { content: 'token ' }, finish_reason: null }],
  })}\n\n`,
);
const DONE_EVENT = Buffer.from('data: [DONE]\n\n');
const MODELS = Buffer.from(JSON.stringify({ object: 'list', data: [{ id: BENCH_MODEL, object: 'model' }] }));
const STREAM_MARK = Buffer.from('"stream":true');

/** `events` SSE events `gapMs` apart, the first at once; the last one is `data: [DONE]`. */
function streamEvents(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let sent = 0;
  const next = () => {
    if (res.destroyed) return;
    sent++;
    if (sent >= sseEvents) {
      res.end(DONE_EVENT);
      return;
    }
    res.write(CHUNK_EVENT);
    setTimeout(next, sseGapMs);
  };
  next();
}

function onPost(req: IncomingMessage, res: ServerResponse): void {
  let bytes = 0;
  let stream = false;
  req.on('data', (chunk: Buffer) => {
    // The mark sits near the start of bench bodies; a mark split across chunks is not worth handling here.
    if (!stream && bytes < 4096 && chunk.indexOf(STREAM_MARK) >= 0) stream = true;
    bytes += chunk.length;
  });
  req.on('end', () => {
    const answer = () => {
      if (stream) streamEvents(res);
      else res.writeHead(200, COMPLETION_HEADERS).end(COMPLETION);
    };
    if (delayMs > 0 && bytes >= delayMinBytes) setTimeout(answer, delayMs);
    else answer();
  });
}

const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => {
  if (req.method === 'POST') {
    onPost(req, res);
    return;
  }
  req.resume();
  if (req.url === '/v1/models') res.writeHead(200, { 'content-type': 'application/json' }).end(MODELS);
  else if (req.url === '/metrics') res.writeHead(200, { 'content-type': 'text/plain' }).end('');
  else if (req.url === '/health') res.writeHead(200).end('ok');
  else res.writeHead(404).end();
});
server.listen({ port, host: '127.0.0.1', backlog: 4096 });
exitWithParent();
// Exit normally on SIGTERM/SIGINT so `node --cpu-prof` writes its profile.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
