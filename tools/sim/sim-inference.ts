import type { ServerResponse } from 'node:http';
import type { SimContext } from './sim-context.ts';
import type { SequenceHandle } from './sim-engine.ts';
import { shouldDropStream } from './sim-faults.ts';
import { type RequestScope, sendJson } from './sim-http.ts';
import { chatCompletionBody, embeddingsBody, textCompletionBody } from './sim-openai.ts';
import type { InferenceRequest } from './sim-request.ts';
import { SSE_DONE, StreamFramer } from './sim-sse.ts';

const ID_PREFIX = { chat: 'chatcmpl-', completion: 'cmpl-', embedding: 'embd-' } as const;

/** Runs one validated inference request through the engine and writes its response. */
export function serveInference(
  ctx: SimContext,
  res: ServerResponse,
  scope: RequestScope,
  request: InferenceRequest,
  model: string,
): void {
  const id = `${ID_PREFIX[request.kind]}${ctx.nextId()}`;
  if (request.kind === 'embedding') serveEmbedding(ctx, res, scope, request, model);
  else if (request.stream) serveStream(ctx, res, scope, request, model, id);
  else serveJson(ctx, res, scope, request, model, id);
}

function serveEmbedding(
  ctx: SimContext,
  res: ServerResponse,
  scope: RequestScope,
  request: InferenceRequest,
  model: string,
): void {
  // Prefill only (maxTokens 0): embeddings occupy a slot for their TTFT, as on a real pooling engine.
  const handle = ctx.engine.submit(
    { promptTokens: request.promptTokens, maxTokens: 0 },
    {
      onToken: () => {},
      onDone: () => {
        const body = embeddingsBody(model, request.inputs, ctx.options.embeddingDim, request.promptTokens);
        sendJson(res, 200, body);
        ctx.counters.completed++;
      },
    },
  );
  scope.onClose(() => handle.cancel());
}

function serveJson(
  ctx: SimContext,
  res: ServerResponse,
  scope: RequestScope,
  request: InferenceRequest,
  model: string,
  id: string,
): void {
  const handle = ctx.engine.submit(request, {
    onToken: () => {},
    onDone: () => {
      const meta = {
        id,
        created: Math.floor(Date.now() / 1000),
        model,
        promptTokens: request.promptTokens,
        completionTokens: request.maxTokens,
        finishReason: finishReasonOf(request),
      };
      sendJson(res, 200, request.kind === 'chat' ? chatCompletionBody(meta) : textCompletionBody(meta));
      ctx.counters.completed++;
    },
  });
  scope.onClose(() => handle.cancel());
}

function serveStream(
  ctx: SimContext,
  res: ServerResponse,
  scope: RequestScope,
  request: InferenceRequest,
  model: string,
  id: string,
): void {
  // Headers go out at once (vLLM does the same); the first event follows at TTFT.
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const kind = request.kind === 'chat' ? 'chat' : 'completion';
  const framer = new StreamFramer({ kind, id, created: Math.floor(Date.now() / 1000), model });
  const faults = ctx.options.faults;
  // Decided up front so a test can rely on "N tokens, then the socket dies".
  let dropAt = shouldDropStream(faults) ? faults.dropAfterTokens : -1;
  let handle: SequenceHandle | null = null;

  const drop = (): void => {
    dropAt = -1;
    scope.serverAborted = true;
    ctx.counters.errorsInjected++;
    handle?.cancel();
    // Flush the tokens already written first: destroying in the same tick would drop them.
    res.write('', () => res.destroy());
  };

  handle = ctx.engine.submit(request, {
    onToken: (index) => {
      if (index === dropAt) {
        drop();
        return;
      }
      res.write(index === 0 ? framer.opening() + framer.token(0) : framer.token(index));
    },
    onDone: () => {
      // A drop point at or beyond the output length still cuts the stream before its final chunk.
      if (dropAt >= 0) {
        drop();
        return;
      }
      let tail = framer.finish(finishReasonOf(request));
      if (request.includeUsage) tail += framer.usage(request.promptTokens, request.maxTokens);
      res.end(tail + SSE_DONE);
      ctx.counters.completed++;
    },
  });
  scope.onClose(() => handle?.cancel());
}

/** With an explicit limit the engine stops on length; without one the sim pretends it met EOS. */
function finishReasonOf(request: InferenceRequest): 'length' | 'stop' {
  return request.explicitMax ? 'length' : 'stop';
}
