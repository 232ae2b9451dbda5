import { tokenJson, usage } from './sim-openai.ts';

export type StreamKind = 'chat' | 'completion';

export const SSE_DONE = 'data: [DONE]\n\n';

export interface StreamMeta {
  kind: StreamKind;
  id: string;
  created: number;
  model: string;
}

/**
 * Builds the SSE frames of one streamed generation. The JSON around the token text is fixed per request,
 * so it is serialised once into a prefix/suffix pair and each token costs two string concatenations.
 */
export class StreamFramer {
  private readonly head: string;
  private readonly tokenPrefix: string;
  private readonly tokenSuffix: string;

  constructor(private readonly meta: StreamMeta) {
    const object = meta.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    this.head =
      `data: {"id":${JSON.stringify(meta.id)},"object":"${object}","created":${meta.created},` +
      `"model":${JSON.stringify(meta.model)},"choices":[`;
    if (meta.kind === 'chat') {
      this.tokenPrefix = `${this.head}{"index":0,"delta":{"content":`;
      this.tokenSuffix = '},"logprobs":null,"finish_reason":null}]}\n\n';
    } else {
      this.tokenPrefix = `${this.head}{"index":0,"text":`;
      this.tokenSuffix = ',"logprobs":null,"finish_reason":null,"stop_reason":null}]}\n\n';
    }
  }

  /** Chat streams open with an empty assistant delta, as vLLM and SGLang do; completions have none. */
  opening(): string {
    if (this.meta.kind !== 'chat') return '';
    return `${this.head}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  token(index: number): string {
    return this.tokenPrefix + tokenJson(index) + this.tokenSuffix;
  }

  finish(reason: 'length' | 'stop'): string {
    const choice =
      this.meta.kind === 'chat'
        ? `{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"${reason}","stop_reason":null}`
        : `{"index":0,"text":"","logprobs":null,"finish_reason":"${reason}","stop_reason":null}`;
    return `${this.head}${choice}]}\n\n`;
  }

  /** The `stream_options.include_usage` chunk: empty choices plus totals. */
  usage(promptTokens: number, completionTokens: number): string {
    return `${this.head}],"usage":${JSON.stringify(usage(promptTokens, completionTokens))}}\n\n`;
  }
}
