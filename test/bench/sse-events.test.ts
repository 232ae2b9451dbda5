import { describe, expect, it } from 'vitest';
import { SseEvents } from '../../tools/bench/index.ts';

function reader() {
  const seen = { usage: [] as (number | null)[][], errors: [] as string[], done: 0 };
  const events = new SseEvents({
    onStreamUsage: (prompt, completion) => seen.usage.push([prompt, completion]),
    onStreamError: (message) => seen.errors.push(message),
    onStreamDone: () => seen.done++,
  });
  return { events, seen };
}

const chunk = (content: string) =>
  `data: {"id":"x","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}]}\n\n`;

describe('SseEvents', () => {
  it('counts content events, not role/empty/finish events, across arbitrary chunk splits', () => {
    const text =
      'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n' +
      chunk('Hello') +
      chunk(' "quoted" {"content":"x"}') +
      'data: {"choices":[{"delta":{"content":""},"finish_reason":"length"}]}\n\n' +
      'data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}\n\n' +
      'data: [DONE]\n\n';
    for (const size of [1, 3, 17, text.length]) {
      const { events, seen } = reader();
      let contents = 0;
      for (let i = 0; i < text.length; i += size)
        contents += events.push(Buffer.from(text.slice(i, i + size)));
      expect(contents, `chunks of ${size}`).toBe(2);
      expect(seen.usage).toEqual([[7, 2]]);
      expect(seen.done).toBe(1);
    }
  });

  it('recognises completions text, CRLF framing, spaced JSON, tool calls and error events', () => {
    const { events, seen } = reader();
    const n = events.push(
      Buffer.from(
        'data: {"choices":[{"text":"a"}]}\r\n\r\n' +
          'data: { "choices": [ { "delta": { "content": "b" } } ] }\n\n' +
          'data: {"choices":[{"delta":{"tool_calls":[{"index":0}]}}]}\n\n' +
          ': keep-alive comment\n\n' +
          'data: {"error":{"message":"backend went away","type":"server_error"}}\n\n',
      ),
    );
    expect(n).toBe(3);
    expect(seen.errors).toEqual(['backend went away']);
    expect(seen.done).toBe(0);
  });
});
