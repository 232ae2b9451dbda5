import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  /** Microseconds on CLOCK_MONOTONIC: the same clock as `process.hrtime.bigint()` in any process. */
  readonly startTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly file: string;
  /** Sampled time excluding (idle), ms. */
  readonly busyMs: number;
  readonly idleMs: number;
  readonly functions: readonly SelfTime[];
  readonly categories: readonly SelfTime[];
}

/** Where a frame's code comes from, to see which layer the CPU goes to. */
function categoryOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.includes('/node_modules/undici/')) return 'undici';
  if (url.includes('/node_modules/hono/') || url.includes('/node_modules/@hono/')) return 'hono';
  if (url.includes('/node_modules/zod/')) return 'zod';
  if (url.includes('/node_modules/')) return 'other node_modules';
  if (url.startsWith('node:internal/http') || url.startsWith('node:_http') || url.startsWith('node:http')) {
    return 'node http';
  }
  if (url.startsWith('node:internal/streams') || url.startsWith('node:stream')) return 'node streams';
  if (
    url.startsWith('node:net') ||
    url.startsWith('node:internal/net') ||
    url.includes('stream_base_commons')
  ) {
    return 'node net';
  }
  if (url.startsWith('node:')) return 'node other';
  if (url.includes('/src/')) return 'router src/';
  if (url.includes('/adapters/')) return 'router adapters/';
  return 'other';
}

function shortUrl(url: string): string {
  const at = url.search(/\/(src|adapters|node_modules)\//);
  return at >= 0 ? url.slice(at + 1) : url.replace(/^file:\/\//, '');
}

/** Now in microseconds on the clock V8 profiles use (CLOCK_MONOTONIC). */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Self time per function and per layer from a V8 .cpuprofile (as written by `node --cpu-prof`), counting only
 * samples inside `window` ([start, end] from `monotonicMicros()`, e.g. one measured load run) when given.
 */
export function summarizeProfile(file: string, top = 25, window?: readonly [number, number]): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const functions = new Map<string, number>();
  const categories = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    const node = byId.get(samples[i]!);
    // timeDeltas[i + 1] is the time spent in sample i (the first delta precedes the first sample).
    const us = deltas[i + 1] ?? 0;
    if (!node || (window && (at < window[0] || at > window[1]))) continue;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const name = `${frame.functionName || '(anonymous)'} ${frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ''}`;
    functions.set(name.trim(), (functions.get(name.trim()) ?? 0) + us);
    const category = categoryOf(frame);
    categories.set(category, (categories.get(category) ?? 0) + us);
  }
  const rank = (map: Map<string, number>, limit: number): SelfTime[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: us / 1000, percent: busyUs > 0 ? (100 * us) / busyUs : 0 }));
  return {
    file,
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    functions: rank(functions, top),
    categories: rank(categories, 50),
  };
}

/**
 * The main thread's newest .cpuprofile in a directory (`CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`;
 * thread 0 is the main thread, tsx's loader worker writes its own), or null.
 */
export function newestProfile(dir: string): string | null {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  } catch {
    return null;
  }
  const main = names.filter((name) => /\.0\.\d+\.cpuprofile$/.test(name)).sort();
  const last = main[main.length - 1] ?? names.sort()[names.length - 1];
  return last === undefined ? null : join(dir, last);
}
