import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBenchArgs } from './bench-args.ts';
import type { BenchConfig } from './bench-config.ts';
import { type BenchReport, buildReport, isAbReport } from './bench-report.ts';
import { runBench } from './bench-run.ts';
import { summaryText } from './bench-summary.ts';
import { BENCH_USAGE } from './bench-usage.ts';
import { errorText } from './error-kind.ts';
import { LiveView } from './live-view.ts';
import { FD_OVERHEAD, limitWarning, openFileLimits, raiseAdvice, socketsPerWorker } from './open-files.ts';
import { preflight } from './preflight.ts';
import { renderReportHtml } from './report-html.ts';

/** Injection points for tests; the CLI itself uses stdout/stderr and SIGINT. */
export interface BenchCliIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Aborting it acts like Ctrl-C. */
  signal?: AbortSignal;
  /** Draw the live view in place (default: whether stdout is a terminal). */
  tty?: boolean;
}

/** Exit code after Ctrl-C, as shells report a SIGINT death (128 + 2). */
export const INTERRUPTED = 130;

/** Temp file + rename, so a reader never sees half a report. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text, 'utf8');
  await rename(temp, path);
}

function emfileCount(report: BenchReport): number {
  const sides = isAbReport(report) ? [report.direct, report.router] : [report];
  return sides.reduce((sum, side) => sum + (side.errors.emfile ?? 0), 0);
}

/** Starts the run only once every target answers; the output directory is created first too. */
async function prepare(config: BenchConfig, err: (text: string) => void): Promise<boolean> {
  const targets = config.direct ? [config.target, config.direct] : [config.target];
  const checks = await Promise.all(targets.map((target) => preflight(target, config.request.apiKey)));
  let ok = true;
  for (const check of checks) {
    if (!check.ok) {
      err(`llm-router bench: ${check.message}\n`);
      ok = false;
    } else if (check.warning) err(`llm-router bench: warning: ${check.warning}\n`);
  }
  if (ok && config.output) {
    try {
      await mkdir(config.output, { recursive: true });
    } catch (error) {
      err(`llm-router bench: cannot create --output ${config.output}: ${errorText(error)}\n`);
      return false;
    }
  }
  return ok;
}

/**
 * `llm-router bench [flags]`: checks the targets, runs the load with a live view, prints a summary and
 * writes the reports. Resolves with the exit code: 0 done, 1 unreachable target / worker failure /
 * report not written, 2 bad command line, 130 interrupted (reports still written, marked partial).
 */
export async function runBenchCli(argv: readonly string[], io: BenchCliIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => void process.stdout.write(text));
  const err = io.err ?? ((text: string) => void process.stderr.write(text));
  const parsed = parseBenchArgs(argv);
  if (!parsed.ok) {
    err(`llm-router bench: ${parsed.error}\n\n${BENCH_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    out(BENCH_USAGE);
    return 0;
  }
  const { config } = parsed;
  if (!(await prepare(config, err))) return 1;
  const limits = openFileLimits();
  const warning = limitWarning(config, limits);
  if (warning) err(`llm-router bench: warning: ${warning}\n`);

  const interrupt = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(INTERRUPTED);
    err('\nllm-router bench: stopping (Ctrl-C again quits at once without reports)\n');
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  io.signal?.addEventListener('abort', () => interrupt.abort(), { once: true });
  const view = new LiveView(out, io.tty ?? process.stdout.isTTY === true, config.label);
  const load =
    config.load.kind === 'closed'
      ? `concurrency ${config.load.concurrency}`
      : `${config.load.rate} req/s (${config.load.arrival})`;
  if (!config.quiet)
    out(
      `llm-router bench: ${config.target.url} model ${config.target.model}, ${load}, ` +
        `${config.request.stream ? 'streaming' : 'not streaming'}, ${config.workers} worker(s)` +
        `${config.direct ? `, A/B against ${config.direct.url}` : ''}\n`,
    );
  let report: BenchReport;
  try {
    const outcome = await runBench(config, {
      onSample: (sample) => {
        if (!config.quiet) view.update(sample);
      },
      onNote: (text) => {
        if (!config.quiet) view.note(text);
      },
      interrupt: interrupt.signal,
      allowInProcess:
        socketsPerWorker(config) + FD_OVERHEAD <= limits.soft &&
        (config.load.kind === 'closed' || limits.soft >= 4096),
    });
    report = buildReport(config, outcome);
  } catch (error) {
    err(`llm-router bench: ${errorText(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
  out(`\n${summaryText(report)}`);
  const emfile = emfileCount(report);
  if (emfile > 0)
    err(
      `llm-router bench: ${emfile} request(s) failed with EMFILE (too many open files): ${raiseAdvice(limits)}\n`,
    );
  if (config.output) {
    try {
      await writeAtomic(join(config.output, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      await writeAtomic(join(config.output, 'report.html'), renderReportHtml(report));
      out(`reports: ${join(config.output, 'report.json')}, ${join(config.output, 'report.html')}\n`);
    } catch (error) {
      err(`llm-router bench: cannot write the reports to ${config.output}: ${errorText(error)}\n`);
      return 1;
    }
  }
  return report.partial ? INTERRUPTED : 0;
}
