import { describe, expect, it } from 'vitest';
import { parseSimArgs, runSimCli, simSpecs } from '../../tools/sim/index.ts';
import { chatJson } from '../support/sse.ts';

/** A fleet started through `runSimCli`, its api_bases read from the lines it prints. */
interface CliFleet {
  readonly bases: string[];
  readonly lines: string[];
  stop(): Promise<number>;
}

async function startCliFleet(args: readonly string[]): Promise<CliFleet> {
  const lines: string[] = [];
  const errors: string[] = [];
  const controller = new AbortController();
  let exit: Promise<number> = Promise.resolve(-1);
  await new Promise<void>((resolve, reject) => {
    exit = runSimCli(['--port', '0', ...args], {
      out: (text) => {
        lines.push(text);
        if (lines.filter((l) => l.startsWith('sim[')).length === Number(argValue(args, 'count'))) resolve();
      },
      err: (text) => errors.push(text),
      signal: controller.signal,
    });
    exit.then(() => reject(new Error(`sim exited early: ${errors.join('')}`)), reject);
  });
  const bases = lines.flatMap((line) => /^sim\[\d+\] \S+ (\S+)/.exec(line)?.slice(1) ?? []);
  return {
    bases,
    lines,
    stop: () => {
      controller.abort();
      return exit;
    },
  };
}

function argValue(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? undefined : args[index + 1];
}

function chat(base: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: chatJson('demo-model', extra),
  });
}

describe('llm-router sim: fault flags', () => {
  it('parses every fault knob of SimFaults', () => {
    const parsed = parseSimArgs([
      '--retry-after-seconds',
      '7',
      '--drop-after-tokens=5',
      '--fail-inference-only',
      '--models-status',
      '503',
    ]);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.config.faults).toEqual({
      retryAfterSeconds: 7,
      dropAfterTokens: 5,
      failInferenceOnly: true,
      modelsStatus: 503,
    });
    const off = parseSimArgs(['--fail-inference-only=false']);
    expect(off.ok && off.config.faults.failInferenceOnly).toBe(false);
  });

  it('rejects bad values with the flag named', () => {
    const cases: Array<[string[], string]> = [
      [['--fail-inference-only=maybe'], '--fail-inference-only takes no value'],
      [['--retry-after-seconds', '-1'], '--retry-after-seconds must be an integer >= 0'],
      [['--drop-after-tokens', '1.5'], '--drop-after-tokens must be an integer >= 0'],
      [['--models-status', '42'], '--models-status must be an HTTP status'],
      [['--down-indices', 'one'], '--down-indices must be a comma list of instance indices'],
      [['--count', '2', '--down-indices', '0,2'], '--down-indices 2 is not an instance'],
      [['--fault-indices', '4', '--count', '3'], '--fault-indices 4 is not an instance'],
    ];
    for (const [argv, message] of cases) {
      const parsed = parseSimArgs(argv);
      expect(parsed.ok, argv.join(' ')).toBe(false);
      if (!parsed.ok) expect(parsed.error).toContain(message);
    }
  });

  it('--fault-indices limits the fault flags to the instances named', () => {
    const parsed = parseSimArgs(['--count', '3', '--error-rate', '1', '--fault-indices', '2,0']);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(simSpecs(parsed.config).map((spec) => spec.faults)).toEqual([
      { errorRate: 1 },
      {},
      { errorRate: 1 },
    ]);
  });

  it('--down-indices leaves those ports refusing, --fail-inference-only fails POSTs but not probes', async () => {
    const fleet = await startCliFleet([
      '--count',
      '3',
      '--down-indices',
      '1',
      '--fault-indices',
      '2',
      '--fail-inference-only',
    ]);
    try {
      const [healthy, down, broken] = fleet.bases as [string, string, string];
      expect(fleet.lines.filter((l) => l.includes('DOWN (refusing connections)'))).toEqual([
        expect.stringMatching(/^sim\[1\] /),
      ]);
      await expect(fetch(`${down}/models`)).rejects.toMatchObject({
        cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
      });
      expect((await chat(healthy, { max_tokens: 1 })).status).toBe(200);
      expect((await fetch(`${broken}/models`)).status).toBe(200);
      expect((await chat(broken)).status).toBe(500);
    } finally {
      expect(await fleet.stop()).toBe(0);
    }
  });

  it('--retry-after-seconds sets the Retry-After of injected 429s; --models-status the probe status', async () => {
    const fleet = await startCliFleet([
      '--count',
      '1',
      '--rate-limit-rate',
      '1',
      '--retry-after-seconds',
      '7',
      '--models-status',
      '503',
    ]);
    try {
      const [base] = fleet.bases as [string];
      const limited = await chat(base);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('7');
      expect((await fetch(`${base}/models`)).status).toBe(503);
    } finally {
      expect(await fleet.stop()).toBe(0);
    }
  });

  it('--drop-after-tokens sets where --drop-rate cuts a stream', async () => {
    const fleet = await startCliFleet([
      '--count',
      '1',
      '--ttft-ms',
      '0',
      '--tokens-per-second',
      '1000',
      '--drop-rate',
      '1',
      '--drop-after-tokens',
      '5',
    ]);
    try {
      const [base] = fleet.bases as [string];
      const res = await chat(base, { stream: true, max_tokens: 20 });
      expect(res.status).toBe(200);
      const seen: string[] = [];
      const decoder = new TextDecoder();
      const read = (async () => {
        for await (const chunk of res.body as ReadableStream<Uint8Array>) seen.push(decoder.decode(chunk));
      })();
      await expect(read).rejects.toThrow();
      const text = seen.join('');
      expect(text.match(/"content":"[a-z]+ "/g)).toHaveLength(5);
      expect(text).not.toContain('[DONE]');
    } finally {
      expect(await fleet.stop()).toBe(0);
    }
  });
});
