/**
 * Run the proxy benchmarks one after another (each starts and stops its own processes):
 * overhead, streams, large-body. About 3–4 minutes on a 2-core box with the defaults.
 *
 *   npx tsx bench/run-all.ts [--quick] [--only overhead,streams,large-body]
 *
 * --quick shortens every phase (3 s load windows, 500 streams) for a smoke run; ratios are noisier.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { benchFile, REPO_DIR } from './lib/paths.ts';

const SCRIPTS = ['overhead', 'streams', 'large-body'] as const;
type Script = (typeof SCRIPTS)[number];

const QUICK_ARGS: Record<Script, string[]> = {
  overhead: ['--duration', '3', '--warmup', '1', '--rate-duration', '3'],
  streams: ['--streams', '500', '--warmup-streams', '50'],
  'large-body': ['--micro-ms', '400', '--count', '100'],
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: SCRIPTS.join(',') },
  },
});
const selected = values.only.split(',').map((name) => name.trim());
for (const name of selected) {
  if (!(SCRIPTS as readonly string[]).includes(name))
    throw new Error(`unknown script "${name}" (${SCRIPTS.join(', ')})`);
}

let current: ChildProcess | null = null;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // The script's own handler stops its children; give it the same signal.
    current?.kill(signal);
    process.exitCode = 130;
  });
}

const outcomes: string[] = [];
let worst = 0;
for (const script of SCRIPTS) {
  if (!selected.includes(script)) continue;
  process.stdout.write(`\n===== ${script} =====\n`);
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', benchFile(`${script}.ts`), ...(values.quick ? QUICK_ARGS[script] : [])],
    { cwd: REPO_DIR, stdio: 'inherit' },
  );
  current = child;
  const code = await new Promise<number>((resolve) => child.once('exit', (exit) => resolve(exit ?? 130)));
  current = null;
  worst = Math.max(worst, code);
  const status =
    code === 0 ? 'all targets met' : code === 1 ? 'some targets missed' : `failed (exit ${code})`;
  outcomes.push(`${script.padEnd(11)} ${status} in ${Math.round((Date.now() - started) / 1000)} s`);
  if (process.exitCode === 130) break;
}
process.stdout.write(`\n===== summary =====\n${outcomes.join('\n')}\n`);
process.exitCode = process.exitCode === 130 ? 130 : worst;
