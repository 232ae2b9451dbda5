import { renderTable } from '../cli/index.ts';
import type { LiveInstance } from './live-instance.ts';

/** The table printed at the end of `up`, then every instance that is not ready with its log tail. */
export function upSummary(instances: readonly LiveInstance[]): string {
  const rows = instances.map((i) => [
    i.plan.host,
    i.plan.gpus,
    String(i.port),
    i.pid === null ? '-' : String(i.pid),
    i.restarts > 0 && i.state === 'ready' ? 'ready (restarted)' : i.state,
    i.readySeconds === null ? '-' : `${i.readySeconds.toFixed(1)} s`,
  ]);
  let text = `\n${renderTable(['HOST', 'GPUS', 'PORT', 'PID', 'STATUS', 'READY IN'], rows)}`;
  for (const i of instances.filter((x) => x.state !== 'ready')) {
    text += `\n${i.plan.host}:${i.port} ${i.state}: ${i.problem ?? 'unknown'}\n`;
    if (i.logTail !== null) {
      text += `  last lines of ${i.log}:\n`;
      text += `${(i.logTail || '(empty)')
        .split('\n')
        .map((line) => `  | ${line}`)
        .join('\n')}\n`;
    }
  }
  const ready = instances.filter((i) => i.state === 'ready').length;
  return `${text}\n${ready} of ${instances.length} instance(s) ready\n`;
}
