import { connect, type Socket } from 'node:net';

/**
 * How a client delivers a request body: one Content-Length write, chunked transfer coding with 1-byte,
 * 1 KiB or 64 KiB chunks, or a slow drip (Content-Length, small writes spread over time). Each reaches a
 * proxy as differently sized socket reads and parser chunks, which is what its memory per request
 * depends on.
 */
export type UploadShape = 'content-length' | 'chunked-1b' | 'chunked-1k' | 'chunked-64k' | 'slow-drip';

export const UPLOAD_SHAPES: readonly UploadShape[] = [
  'content-length',
  'chunked-1b',
  'chunked-1k',
  'chunked-64k',
  'slow-drip',
];

/**
 * Requests held in flight at once and payload per request, per shape, sized so that each shape's
 * payload is large next to a process's RSS noise and every shape uploads in a few seconds on a loaded
 * machine: 1-byte chunks cost six wire bytes and a parser event per payload byte, a drip a timer tick
 * per 512 bytes.
 */
export const UPLOAD_PLAN: Readonly<Record<UploadShape, { readonly count: number; readonly bytes: number }>> =
  {
    'content-length': { count: 8, bytes: 4 * 1024 * 1024 },
    'chunked-64k': { count: 8, bytes: 4 * 1024 * 1024 },
    'chunked-1k': { count: 8, bytes: 4 * 1024 * 1024 },
    'chunked-1b': { count: 4, bytes: 512 * 1024 },
    'slow-drip': { count: 8, bytes: 256 * 1024 },
  };

const CHUNK_SIZE: Partial<Record<UploadShape, number>> = {
  'chunked-1b': 1,
  'chunked-1k': 1024,
  'chunked-64k': 65_536,
};

/** Slow drip: this many bytes per write, one write per tick of this many ms. */
const DRIP_BYTES = 512;
const DRIP_EVERY_MS = 1;

/** A chat completion body of exactly `bytes` bytes (the filler is the user message). */
export function chatBodyOfSize(model: string, bytes: number): Buffer {
  const head = `{"model":${JSON.stringify(model)},"max_tokens":1,"messages":[{"role":"user","content":"`;
  const tail = '"}]}';
  const filler = Math.max(0, bytes - head.length - tail.length);
  return Buffer.concat([Buffer.from(head), Buffer.alloc(filler, 'a'), Buffer.from(tail)]);
}

export interface ShapedResponse {
  readonly status: number;
  readonly text: string;
}

/**
 * POST `body` to `url` over a fresh socket in `shape` (`Connection: close`) and resolve with the answer
 * once the server closes. `onSent` fires when the last body byte was written.
 */
export function sendShaped(
  url: string,
  body: Buffer,
  shape: UploadShape,
  onSent?: () => void,
): Promise<ShapedResponse> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    socket.setNoDelay(true);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, text: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.once('connect', () => {
      const chunkSize = CHUNK_SIZE[shape];
      const framing =
        chunkSize === undefined ? `Content-Length: ${body.length}` : 'Transfer-Encoding: chunked';
      socket.write(
        `POST ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n` +
          `${framing}\r\nConnection: close\r\n\r\n`,
      );
      const writing =
        shape === 'slow-drip'
          ? drip(socket, body)
          : chunkSize === undefined
            ? writeAll(socket, [body])
            : writeAll(socket, chunkedWire(body, chunkSize));
      writing.then(() => onSent?.(), reject);
    });
  });
}

/** The chunked transfer coding of `body` in `size`-byte chunks, as ~64 KiB wire buffers. */
function* chunkedWire(body: Buffer, size: number): Generator<Buffer> {
  const header = Buffer.from(`${size.toString(16)}\r\n`);
  const crlf = Buffer.from('\r\n');
  const perWire = Math.max(1, Math.floor(65_536 / (size + header.length + 2)));
  for (let offset = 0; offset < body.length; offset += size * perWire) {
    const parts: Buffer[] = [];
    for (let i = 0; i < perWire && offset + i * size < body.length; i++) {
      const start = offset + i * size;
      const piece = body.subarray(start, Math.min(start + size, body.length));
      parts.push(
        piece.length === size ? header : Buffer.from(`${piece.length.toString(16)}\r\n`),
        piece,
        crlf,
      );
    }
    yield Buffer.concat(parts);
  }
  yield Buffer.from('0\r\n\r\n');
}

async function writeAll(socket: Socket, pieces: Iterable<Buffer>): Promise<void> {
  for (const piece of pieces) {
    if (socket.destroyed) return;
    if (!socket.write(piece)) await new Promise((resolve) => socket.once('drain', resolve));
  }
}

async function drip(socket: Socket, body: Buffer): Promise<void> {
  for (let offset = 0; offset < body.length; offset += DRIP_BYTES) {
    if (socket.destroyed) return;
    socket.write(body.subarray(offset, offset + DRIP_BYTES));
    await new Promise((resolve) => setTimeout(resolve, DRIP_EVERY_MS));
  }
}
