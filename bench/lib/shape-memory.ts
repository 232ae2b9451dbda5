import { BENCH_MODEL } from './bodies.ts';
import { RssSampler, rssBytes } from './proc-stats.ts';
import { startFleet, type TargetName } from './targets.ts';
import { chatBodyOfSize, sendShaped, UPLOAD_PLAN, type UploadShape } from './upload-shapes.ts';

export interface ShapeRow {
  readonly shape: UploadShape;
  readonly target: TargetName;
  readonly count: number;
  readonly bytes: number;
  readonly ok: number;
  /** Peak RSS minus RSS before the requests, in bytes. */
  readonly growth: number;
}

/** The backend answers a large body this long after it arrived whole, so every request is held at once. */
const HOLD_MS = 3000;

/**
 * RSS growth of each proxy (pipe, router) while UPLOAD_PLAN's requests of `shape` are in flight. Every
 * shape runs on fresh processes: RSS never shrinks, so a shape measured after another would reuse the
 * memory the earlier one grew into.
 */
export async function shapeMemory(shape: UploadShape, targets: readonly TargetName[]): Promise<ShapeRow[]> {
  const { count, bytes } = UPLOAD_PLAN[shape];
  const fleet = await startFleet({
    targets: targets.filter((name) => name === 'pipe' || name === 'router'),
    backend: { delayMs: HOLD_MS, delayMinBytes: 32 * 1024 },
  });
  try {
    const rows: ShapeRow[] = [];
    for (const target of fleet.targets) {
      const url = `${target.url}/v1/chat/completions`;
      // Warm this shape's path with a small body (answered at once), then measure from there.
      await sendShaped(url, chatBodyOfSize(BENCH_MODEL, 1024), shape);
      const before = rssBytes(target.child.pid);
      const sampler = new RssSampler(target.child.pid, 20);
      const body = chatBodyOfSize(BENCH_MODEL, bytes);
      const answers = await Promise.all(Array.from({ length: count }, () => sendShaped(url, body, shape)));
      const growth = sampler.stop() - before;
      const ok = answers.filter((answer) => answer.status === 200).length;
      process.stdout.write(
        `  ${shape.padEnd(15)} ${target.name.padEnd(7)} ${ok}/${count} ok, +${(growth / 1048576).toFixed(1)} MB\n`,
      );
      rows.push({ shape, target: target.name, count, bytes, ok, growth });
    }
    return rows;
  } finally {
    await fleet.close();
  }
}
