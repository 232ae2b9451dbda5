// The README quick start, as a user runs it: the shipped config.yaml, whose `demo` source makes the router
// start the simulated fleet of configs/demo_config.yaml in-process.
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliProcess, killAllCli, spawnCli } from '../support/cli.ts';
import { waitFor } from '../support/router-fixture.ts';

afterAll(() => killAllCli());

const LISTENING = /llm-router listening url=(\S+)/;

/**
 * The demo fleet's ports (18101-18103) are fixed by configs/demo_config.yaml, so two runs of this file
 * (another checkout's suite on the same machine, a developer's `npm start`) cannot both hold them. The
 * router exits 1 "cannot listen" when one is taken; retry with jitter until the other run lets go. No
 * ephemeral port collides with them: Linux hands those out from 32768 up.
 */
async function startQuickStart(deadlineMs: number): Promise<{ proc: CliProcess; url: string }> {
  const deadline = Date.now() + deadlineMs;
  while (true) {
    // -port 0: the API port (8000 in the file) is the one thing moved out of the way; everything else is
    // the shipped configuration. -host keeps the test listener off external interfaces.
    const proc = spawnCli(['-config', 'config.yaml', '-port', '0', '-host', '127.0.0.1']);
    let exitCode: number | string | undefined;
    void proc.exited.then((code) => {
      exitCode = code;
    });
    await waitFor(() => LISTENING.test(proc.stderr()) || exitCode !== undefined, 20_000, 20);
    const url = LISTENING.exec(proc.stderr())?.[1];
    if (url !== undefined && exitCode === undefined) return { proc, url };
    const demoPortsTaken = exitCode === 1 && /EADDRINUSE.*:1810\d/.test(proc.stderr());
    if (!demoPortsTaken || Date.now() > deadline) {
      proc.child.kill('SIGKILL');
      throw new Error(`router did not start (exit ${String(exitCode)}); stderr:\n${proc.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 800));
  }
}

describe('quick start: llm-router -config config.yaml', () => {
  it('says the fleet is simulated, streams a chat completion to the openai client, exits 0 on SIGINT', async () => {
    const { proc, url } = await startQuickStart(60_000);
    const stderr = proc.stderr();
    for (const port of [18101, 18102, 18103]) {
      expect(stderr).toMatch(
        new RegExp(
          `SIMULATED demo backend started \\(not a real GPU server\\) api_base=http://127\\.0\\.0\\.1:${port}/v1`,
        ),
      );
    }

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'demo-model',
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 8,
      stream: true,
    });
    const arrivals: number[] = [];
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) {
        arrivals.push(performance.now());
        text += choice.delta.content;
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(arrivals).toHaveLength(8);
    expect(text.split(' ').filter(Boolean)).toHaveLength(8);
    expect(finish).toBe('length');
    // The sim paces 40 tokens/s: 8 tokens arriving together would mean the response was buffered.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(100);

    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
    expect(proc.stderr()).toContain('SIGINT received, draining in-flight requests');
  }, 120_000);
});
