// `llm-router top` as an operator runs it: under a real pseudo-terminal (tmux), against the real router
// process and simulated engines. Keys are typed with send-keys and the screen read with capture-pane.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { answers200, CLI, freePort, killAllCli, REPO_ROOT, runCli, spawnCli } from '../support/cli.ts';
import {
  type ConfigDir,
  closeAll,
  inferenceCount,
  startSims,
  waitFor,
  writeConfigDir,
} from '../support/router-fixture.ts';

const run = promisify(execFile);
const TMUX = '/usr/bin/tmux';
const KEY = 'top-test-key';
/** health_check.interval and failure_threshold: a dead backend is down one probe round later. */
const HEALTH_INTERVAL_S = 1;

let sims: SimServer[] = [];
let dir: ConfigDir;
let url: string;
let socketDir: string;
const hostOf = (sim: SimServer) => new URL(sim.url).host;

/** tmux on a socket of this test's own, so no other tmux server is touched. */
const tmux = (...args: string[]) => run(TMUX, ['-S', join(socketDir, 'tmux.sock'), ...args]);
const screen = async () => (await tmux('capture-pane', '-p', '-t', 'top')).stdout;
const paneFlag = async (format: string) =>
  (await tmux('display-message', '-p', '-t', 'top', format)).stdout.trim();

/** Waits until the screen satisfies `check` (polling capture-pane); fails with the last screen. */
async function untilScreen(check: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
  let last = '';
  const ok = await waitFor(
    async () => {
      last = await screen();
      return check(last);
    },
    timeoutMs,
    100,
  );
  if (!ok) throw new Error(`screen never matched within ${timeoutMs} ms:\n${last}`);
  return last;
}

/** The backend table's rows on screen (the lines after its header). */
function backendRows(text: string): string[] {
  const lines = text.split('\n');
  const header = lines.findIndex((line) => line.startsWith('STATUS'));
  const rows: string[] = [];
  for (const line of lines.slice(header + 1)) {
    if (!/^(up|down|ejected|probing|limited)\s/.test(line)) break;
    rows.push(line);
  }
  return rows;
}

beforeAll(async () => {
  if (!existsSync(TMUX)) throw new Error(`${TMUX} not found: run scripts/ensure-packages.sh`);
  const fast = { ttftMs: 5, tokensPerSecond: 2000, defaultMaxTokens: 4 };
  sims = await startSims([
    { ...fast, models: ['chat'] },
    { ...fast, models: ['chat'], engine: 'sglang' },
    { ...fast, models: ['embed'] },
  ]);
  const port = await freePort();
  dir = await writeConfigDir({
    main: {
      server: { port, api_keys: [KEY] },
      health_check: { interval: HEALTH_INTERVAL_S, timeout: 1, failure_threshold: 1 },
      monitor: { collect_interval: 1 },
      dashboard: { enabled: true },
    },
    backends: [
      { model_name: 'chat', api_base: sims[0]! },
      { model_name: 'chat', api_base: sims[1]! },
      { model_name: 'embed', api_base: sims[2]! },
    ],
  });
  const router = spawnCli(['-config', dir.configPath]);
  url = `http://127.0.0.1:${port}`;
  if (!(await answers200(url, '/ready', 15_000))) throw new Error(`router did not start: ${router.stderr()}`);
  const send = (model: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    }).then((response) => response.arrayBuffer());
  // Every backend serves some traffic before top starts (its TTFT column has a figure): the default
  // strategy shuffles, so chat requests go until both chat engines have answered one.
  await Promise.all([send('chat'), send('chat'), send('chat'), send('chat'), send('embed'), send('embed')]);
  for (let i = 0; i < 40 && (inferenceCount(sims[0]!) === 0 || inferenceCount(sims[1]!) === 0); i++) {
    await send('chat');
  }
  socketDir = await mkdtemp(join(tmpdir(), 'llm-router-tmux-'));
});

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  await killAllCli();
  await closeAll(sims);
  await dir?.remove();
  if (socketDir) await rm(socketDir, { recursive: true, force: true });
});

describe('llm-router top in a terminal', () => {
  it('shows every backend, turns a killed one down, sorts, filters, and q gives the terminal back', async () => {
    // A plain shell in a 150x40 terminal; the key comes from the environment, as an operator would set it.
    await tmux(
      ...['new-session', '-d', '-s', 'top', '-x', '150', '-y', '40'],
      ...['-e', `LLM_ROUTER_API_KEY=${KEY}`, '-e', 'PS1=$ ', '-e', 'TERM=xterm-256color', 'sh'],
    );
    await tmux(
      'send-keys',
      '-t',
      'top',
      `cd ${REPO_ROOT} && ${process.execPath} ${CLI} top --url ${url} --interval 0.25; echo EXIT:$?`,
      'Enter',
    );
    const first = await untilScreen((text) => backendRows(text).length === 3, 15_000);
    for (const sim of sims) expect(first).toContain(hostOf(sim));
    expect(first).toMatch(/^llm-router v\S+ · 3\/3 backends up/m);
    expect(first).toContain('MODELS 2');
    expect(first).toContain('q quit');
    expect(await paneFlag('#{alternate_on}')).toBe('1');
    // TTFT p50 of the chat backends (traffic was sent before top started).
    expect(backendRows(first)[0]).toMatch(/\d+ms/);

    // Kill an engine: its row turns down within a probe round (plus the 250 ms refresh).
    const killed = hostOf(sims[1]!);
    const killedAt = Date.now();
    await sims[1]!.close();
    const down = await untilScreen(
      (text) => backendRows(text).some((row) => row.startsWith('down') && row.includes(killed)),
      HEALTH_INTERVAL_S * 1000 * 3 + 2000,
    );
    expect(Date.now() - killedAt).toBeLessThan(HEALTH_INTERVAL_S * 1000 * 2 + 1500);
    expect(down).toMatch(/2\/3 backends up/);
    expect(backendRows(down)[0]).not.toContain(killed);

    // s: sort by status puts the down backend first and marks the column.
    await tmux('send-keys', '-t', 'top', 's');
    const sorted = await untilScreen((text) => text.includes('sort: status'));
    expect(backendRows(sorted)[0]).toContain(killed);
    expect(sorted).toContain('STATUS ▼');

    // /: a filter typed on screen keeps the matching backend only; Escape brings the others back.
    await tmux('send-keys', '-t', 'top', '/');
    await tmux('send-keys', '-t', 'top', '-l', hostOf(sims[2]!));
    const typing = await untilScreen((text) => text.includes(`filter: ${hostOf(sims[2]!)}▏`));
    expect(backendRows(typing)).toHaveLength(1);
    await tmux('send-keys', '-t', 'top', 'Enter');
    const filtered = await untilScreen((text) => text.includes('BACKENDS 1 of 3'));
    expect(backendRows(filtered)[0]).toContain('embed');
    await tmux('send-keys', '-t', 'top', 'm');
    expect(await untilScreen((text) => !text.includes('MODELS'))).toContain('BACKENDS 1 of 3');
    await tmux('send-keys', '-t', 'top', 'Escape');
    await untilScreen((text) => backendRows(text).length === 3);

    // q: exit 0, main screen back, cursor visible, and the shell in cooked mode echoing what is typed.
    await tmux('send-keys', '-t', 'top', 'q');
    const after = await untilScreen((text) => text.includes('EXIT:0'));
    expect(after).not.toContain('BACKENDS');
    expect(await paneFlag('#{alternate_on}')).toBe('0');
    expect(await paneFlag('#{cursor_flag}')).toBe('1');
    await tmux('send-keys', '-t', 'top', 'stty -a | tr " " "\\n" | grep -x -e icanon -e echo', 'Enter');
    const stty = await untilScreen((text) => /^echo$/m.test(text) && /^icanon$/m.test(text));
    expect(stty).toContain('stty -a');
  });

  it('--once and non-TTY output: the same tables as plain text, no escape codes', async () => {
    const { code, stdout, stderr } = await runCli(['top', '--url', url, '--api-key', KEY, '--once']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).not.toContain('\u001b');
    expect(stdout).toMatch(
      /^llm-router v\S+ · 2\/3 backends up · [\d.]+ req\/s · [\d.]+% ok · in-flight \d+/,
    );
    expect(stdout).toContain('MODELS 2');
    expect(stdout).toMatch(
      /^STATUS\s+MODEL\s+API BASE\s+ENGINE\s+CONNS\s+RUN\s+WAIT\s+SEND\/M\s+COMP\/M\s+LIMIT\s+KV%\s+HIT%\s+TTFT50\s+ERR\s+LAST ERROR$/m,
    );
    for (const sim of sims) expect(stdout).toContain(hostOf(sim));
    expect(stdout).toMatch(new RegExp(`^down\\s+chat\\s+${hostOf(sims[1]!).replace('.', '\\.')}`, 'm'));
    expect(stdout).toContain('RECENT ERRORS');
    expect(stdout).not.toContain('q quit');
  });

  it('unreachable or unauthorized: one line on stderr and exit 1', async () => {
    const closedPort = await freePort();
    const [unreachable, noKey, wrongKey, notRouter] = await Promise.all([
      runCli(['top', '--url', `http://127.0.0.1:${closedPort}`, '--once']),
      runCli(['top', '--url', url, '--once']),
      runCli(['top', '--url', url, '--api-key', 'wrong']),
      runCli(['top', '--url', `${url}/v1/models`, '--api-key', KEY, '--once']),
    ]);
    for (const result of [unreachable, noKey, wrongKey, notRouter]) {
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^llm-router top: /);
      expect(result.stderr).not.toContain(KEY);
    }
    expect(unreachable.stderr).toContain(`cannot reach http://127.0.0.1:${closedPort}/api/dashboard`);
    expect(unreachable.stderr).toContain('ECONNREFUSED');
    expect(noKey.stderr).toContain('answered 401');
    expect(noKey.stderr).toContain('pass --api-key or set LLM_ROUTER_API_KEY');
    expect(wrongKey.stderr).toContain('answered 401');
    expect(notRouter.stderr).toContain('answered 404');
  });
});
