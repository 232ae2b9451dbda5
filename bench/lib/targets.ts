import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Child, spawnChild, spawnTs, waitForHttp } from './children.ts';
import { startNginx } from './nginx.ts';
import { benchFile, REPO_DIR } from './paths.ts';
import { freePort } from './ports.ts';
import { cpuMicros, treeCpuMicros } from './proc-stats.ts';
import { writeRouterConfig } from './router-config.ts';
import { requireTool } from './tools.ts';

export type TargetName = 'direct' | 'pipe' | 'nginx' | 'router';
export const ALL_TARGETS: readonly TargetName[] = ['direct', 'pipe', 'nginx', 'router'];

export interface Target {
  readonly name: TargetName;
  /** Base URL (no path). */
  readonly url: string;
  /** The process whose CPU/RSS is "the proxy" (for direct: the backend itself). */
  readonly child: Child;
  /** Count descendants too (nginx master + workers). */
  readonly tree: boolean;
}

export interface BackendOptions {
  readonly sseEvents?: number;
  readonly sseGapMs?: number;
  readonly delayMs?: number;
  readonly delayMinBytes?: number;
}

export interface Fleet {
  readonly backend: Target;
  readonly targets: Target[];
  readonly tmp: string;
  /** SIGTERM every process (so --cpu-prof can write its profile), SIGKILL after `graceMs`; remove tmp. */
  close(graceMs?: number): Promise<void>;
}

export interface FleetOptions {
  readonly backend?: BackendOptions;
  readonly targets: readonly TargetName[];
  /** Run the pipe proxy and the router under `node --cpu-prof`, writing to `<dir>/<target>/`. */
  readonly cpuProfDir?: string;
}

function profileFlags(dir: string | undefined, name: TargetName): string[] {
  return dir ? ['--cpu-prof', '--cpu-prof-dir', join(dir, name)] : [];
}

/** Start the trivial backend and the selected proxies in front of it, each as its own process. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const tmp = mkdtempSync(join(tmpdir(), 'llm-router-bench-'));
  // Also on SIGINT or a crash (process.exit runs 'exit' listeners; children are killed by children.ts).
  const removeTmp = () => rmSync(tmp, { recursive: true, force: true });
  process.once('exit', removeTmp);
  const started: Child[] = [];
  const close = async (graceMs = 5000) => {
    await Promise.all(started.map((child) => child.stop('SIGTERM', graceMs)));
    removeTmp();
    process.off('exit', removeTmp);
  };
  try {
    const backendPort = await freePort();
    const b = options.backend ?? {};
    const backendChild = spawnTs(
      'backend',
      benchFile('trivial-backend.ts'),
      [
        '--port',
        String(backendPort),
        '--sse-events',
        String(b.sseEvents ?? 20),
        '--sse-gap-ms',
        String(b.sseGapMs ?? 50),
        '--delay-ms',
        String(b.delayMs ?? 0),
        '--delay-min-bytes',
        String(b.delayMinBytes ?? 0),
      ],
      { raiseNoFile: true },
    );
    started.push(backendChild);
    const backendUrl = `http://127.0.0.1:${backendPort}`;
    await waitForHttp(backendChild, `${backendUrl}/health`);
    const backend: Target = { name: 'direct', url: backendUrl, child: backendChild, tree: false };
    const targets: Target[] = [];

    for (const name of options.targets) {
      if (name === 'direct') {
        targets.push(backend);
      } else if (name === 'pipe') {
        const port = await freePort();
        const child = spawnTs(
          'pipe-proxy',
          benchFile('pipe-proxy.ts'),
          ['--port', String(port), '--target', backendUrl],
          { raiseNoFile: true, nodeArgs: profileFlags(options.cpuProfDir, name) },
        );
        started.push(child);
        const url = `http://127.0.0.1:${port}`;
        await waitForHttp(child, `${url}/v1/models`);
        targets.push({ name, url, child, tree: false });
      } else if (name === 'nginx') {
        const binary = requireTool('nginx', 'the nginx reference is skipped');
        if (binary === null) continue;
        const port = await freePort();
        const child = startNginx({ binary, dir: join(tmp, 'nginx'), port, upstreamPort: backendPort });
        started.push(child);
        const url = `http://127.0.0.1:${port}`;
        await waitForHttp(child, `${url}/v1/models`);
        targets.push({ name, url, child, tree: true });
      } else {
        const port = await freePort();
        const configPath = writeRouterConfig(join(tmp, 'router'), backendUrl);
        const child = spawnChild({
          name: 'router',
          command: process.execPath,
          args: [
            ...profileFlags(options.cpuProfDir, name),
            join(REPO_DIR, 'bin/llm-router.mjs'),
            '-config',
            configPath,
            '-port',
            String(port),
          ],
          raiseNoFile: true,
        });
        started.push(child);
        const url = `http://127.0.0.1:${port}`;
        await waitForHttp(child, `${url}/ready`, 30_000);
        targets.push({ name, url, child, tree: false });
      }
    }
    return { backend, targets, tmp, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** CPU time (µs) of a target's process, including nginx's workers. */
export function targetCpuMicros(target: Target): number {
  return target.tree ? treeCpuMicros(target.child.pid) : cpuMicros(target.child.pid);
}
