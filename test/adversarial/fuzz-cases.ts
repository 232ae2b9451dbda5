import type { Random } from '../../src/core/random.ts';

/** One generated client exchange: the bytes, written in pieces, and what kind of mistake they hold. */
export interface FuzzCase {
  readonly kind: string;
  readonly pieces: readonly Buffer[];
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (random: Random, max: number) => Math.floor(random() * max);

const METHODS = [
  'POST',
  'GET',
  'HEAD',
  'PUT',
  'DELETE',
  'OPTIONS',
  'PATCH',
  'post',
  'G\u00e9T',
  'PO ST',
  '',
  'X'.repeat(300),
  'CONNECT',
  'TRACE',
];
const PATHS = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/responses',
  '/v1/models',
  '/v1/models/m',
  '/v1/models/%',
  '/v1/models/%ff%fe',
  '/v1/',
  '/v1',
  '/v1/chat/completions?api-version=1&x=%zz',
  '/v1/../metrics',
  '/v1/%2e%2e/metrics',
  '/v1/chat%2fcompletions',
  '/api/dashboard',
  '/api/history',
  '/metrics',
  '/health',
  '/ready',
  '/dashboard/',
  '/dashboard/%',
  '/dashboard/../../etc/passwd',
  '/dashboard/%2e%2e/%2e%2e/package.json',
  '/',
  '*',
  'http://127.0.0.1/v1/chat/completions',
  'http://evil.example:1/v1/models',
  '//v1//chat//completions',
  `/v1/${'a'.repeat(5000)}`,
  '/v1/chat/completions#frag',
  '/\u00e9\u00e8',
  '/%00',
  '/v1/chat/completions?',
  '/v1/chat/completions?%',
];
const VERSIONS = [
  'HTTP/1.1',
  'HTTP/1.1',
  'HTTP/1.1',
  'HTTP/1.0',
  'HTTP/2.0',
  'HTTP/1.2',
  'HTTP/1',
  'HTTPS/1.1',
  '',
  'HTTP/1.1 extra',
];
const HOSTS = [
  '127.0.0.1',
  'localhost:1',
  'evil.example',
  '[::1]:8080',
  'a b',
  '',
  '\u00e9.example',
  'x'.repeat(300),
  '127.0.0.1:99999',
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  '',
  ';;;',
  'application/json\u0000',
];
const ODD_HEADERS = [
  ['Origin', 'https://attacker.example'],
  ['Origin', 'null'],
  ['Origin', '::::'],
  ['Sec-Fetch-Site', 'cross-site'],
  ['Sec-Fetch-Mode', 'cors'],
  ['Authorization', 'Bearer '],
  ['Authorization', 'Basic ???'],
  ['Authorization', `Bearer ${'k'.repeat(2000)}`],
  ['X-Request-Id', '\u00ff'.repeat(50)],
  ['X-Request-Id', 'x'.repeat(500)],
  ['Connection', 'upgrade, content-length'],
  ['Upgrade', 'websocket'],
  ['Expect', '100-continue'],
  ['Expect', 'something-else'],
  ['Accept-Encoding', 'gzip, br'],
  ['Traceparent', 'garbage'],
  ['OpenAI-Organization', 'org-x'],
  ['Cookie', 'a=b'],
  ['Bad Header', 'x'],
  ['X-Nul', 'a\u0000b'],
  ['X-Long', 'v'.repeat(20_000)],
  ['X-Folded', 'a\r\n b'],
] as const;

function chatBody(random: Random): string {
  // Half of the bodies are fine: mistakes elsewhere in the request must be found with a good body too.
  if (random() < 0.5) return `{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":1}`;
  const model = pick(random, [
    '"m"',
    '"m"',
    '"m"',
    '""',
    'null',
    '"unknown-model"',
    '1',
    '["m"]',
    '{"model":"m"}',
    `"${'m'.repeat(3000)}"`,
    '"\\u006d"',
    '"m\\""',
  ]);
  const variants = [
    () => `{"model":${model},"messages":[{"role":"user","content":"hi"}],"max_tokens":1}`,
    () => `{"messages":[{"role":"user","content":"hi","model":"m"}]}`,
    () => `{"model":${model},"stream":true,"messages":[]}`,
    () => `{"model":${model}`,
    () => `[{"model":"m"}]`,
    () => `{"model":"m","x":${'['.repeat(int(random, 2000))}`,
    () => `{"a":"${'\\\\'.repeat(int(random, 50))}","model":"m"}`,
    () => 'not json at all',
    () => '',
    () => `{"model":"m","messages":"${'x'.repeat(int(random, 200_000))}"}`,
    () => Buffer.from(Array.from({ length: int(random, 400) }, () => int(random, 256))).toString('latin1'),
    () => `\ufeff{"model":"m"}`,
    () => `{"model"  :  "m"  , "model": "other"}`,
  ];
  return pick(random, variants)();
}

function chunked(body: Buffer, random: Random): Buffer {
  const parts: string[] = [];
  let offset = 0;
  while (offset < body.length) {
    const size = 1 + int(random, 64);
    const piece = body.subarray(offset, offset + size).toString('latin1');
    offset += size;
    const mutate = random();
    const sizeText = Buffer.byteLength(piece, 'latin1').toString(16);
    if (mutate < 0.03) parts.push(`zz\r\n${piece}\r\n`);
    else if (mutate < 0.06) parts.push(`${sizeText};ext=1\r\n${piece}\r\n`);
    else if (mutate < 0.08) parts.push(`${sizeText}\r\n${piece}`);
    else if (mutate < 0.1) parts.push(`ffffffffffffffffff\r\n${piece}\r\n`);
    else if (mutate < 0.11) parts.push(`-1\r\n${piece}\r\n`);
    else parts.push(`${sizeText}\r\n${piece}\r\n`);
  }
  const end = random();
  parts.push(end < 0.8 ? '0\r\n\r\n' : end < 0.9 ? '0\r\nTrailer-X: y\r\n\r\n' : '');
  return Buffer.from(parts.join(''), 'latin1');
}

/** Split bytes into 1-4 pieces at random points (a client writing in bursts). */
function split(bytes: Buffer, random: Random): Buffer[] {
  const cuts = [...new Set(Array.from({ length: int(random, 4) }, () => int(random, bytes.length)))].sort(
    (a, b) => a - b,
  );
  const pieces: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    if (cut > start) pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

/**
 * A seeded stream of malformed and borderline HTTP/1.x requests: request lines, headers, body framing
 * (Content-Length, chunked, both, neither, lies) and bodies. Most are client mistakes; some are valid.
 */
export function fuzzCase(random: Random, host: string): FuzzCase {
  const kind = pick(random, ['line', 'headers', 'chunked', 'body', 'body', 'pipeline', 'garbage']);
  if (kind === 'garbage') {
    const bytes = Buffer.from(Array.from({ length: 1 + int(random, 600) }, () => int(random, 256)));
    return { kind, pieces: split(bytes, random) };
  }
  const method = kind === 'line' ? pick(random, METHODS) : random() < 0.85 ? 'POST' : 'GET';
  const path = kind === 'line' || random() < 0.2 ? pick(random, PATHS) : '/v1/chat/completions';
  const version = kind === 'line' ? pick(random, VERSIONS) : 'HTTP/1.1';
  const headers: string[] = [];
  if (kind !== 'headers' || random() < 0.7)
    headers.push(`Host: ${kind === 'headers' && random() < 0.4 ? pick(random, HOSTS) : host}`);
  if (kind !== 'headers' || random() < 0.7)
    headers.push(`Content-Type: ${kind === 'headers' ? pick(random, CONTENT_TYPES) : 'application/json'}`);
  if (kind === 'headers')
    for (let i = int(random, 4); i > 0; i--) headers.push(pick(random, ODD_HEADERS).join(': '));
  const body = Buffer.from(method === 'GET' && random() < 0.8 ? '' : chatBody(random), 'latin1');
  let framed: Buffer = body;
  const framing =
    kind === 'chunked'
      ? 'chunked'
      : pick(random, ['cl', 'cl', 'cl', 'short', 'long', 'none', 'double', 'both']);
  switch (framing) {
    case 'chunked':
      headers.push(
        pick(random, [
          'Transfer-Encoding: chunked',
          'Transfer-Encoding: chunked',
          'Transfer-Encoding: gzip, chunked',
          'Transfer-Encoding: chunked, chunked',
          'Transfer-Encoding: Chunked',
          'Transfer-Encoding: x',
        ]),
      );
      framed = chunked(body, random);
      break;
    case 'cl':
      headers.push(`Content-Length: ${body.length}`);
      break;
    case 'short':
      headers.push(`Content-Length: ${Math.max(0, body.length - 1 - int(random, 20))}`);
      break;
    case 'long':
      // Claims more than it sends: the router must give up on it within request_read_timeout.
      headers.push(`Content-Length: ${body.length + 1 + int(random, 100)}`);
      break;
    case 'double':
      headers.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`);
      break;
    case 'both':
      headers.push(`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked');
      framed = chunked(body, random);
      break;
  }
  if (random() < 0.1)
    headers.push(
      `Content-Length: ${pick(random, ['-1', 'abc', '1e3', '99999999999999999999', ' 5', '0x10'])}`,
    );
  const lineEnd = random() < 0.05 ? '\n' : '\r\n';
  const head = `${method} ${path} ${version}${lineEnd}${headers.join(lineEnd)}${lineEnd}${lineEnd}`;
  let bytes = Buffer.concat([Buffer.from(head, 'latin1'), framed]);
  if (kind === 'pipeline')
    bytes = Buffer.concat([bytes, Buffer.from(`GET /health HTTP/1.1\r\nHost: ${host}\r\n\r\n`)]);
  return { kind: `${kind}/${framing}`, pieces: split(bytes, random) };
}
