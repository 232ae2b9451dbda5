import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Child, spawnChild } from './children.ts';
import { benchFile } from './paths.ts';

export interface NginxOptions {
  readonly binary: string;
  /** Empty directory nginx may own (config, pid, logs, temp files). */
  readonly dir: string;
  readonly port: number;
  readonly upstreamPort: number;
  readonly workers?: number;
}

/** Render bench/nginx.conf.template into `dir` and start nginx in the foreground as a child. */
export function startNginx(options: NginxOptions): Child {
  mkdirSync(options.dir, { recursive: true });
  // Workers drop to `nobody` when the master runs as root: let them reach their temp directories.
  chmodSync(options.dir, 0o755);
  const conf = readFileSync(benchFile('nginx.conf.template'), 'utf8')
    .replaceAll('{{DIR}}', options.dir)
    .replaceAll('{{PORT}}', String(options.port))
    .replaceAll('{{UPSTREAM_PORT}}', String(options.upstreamPort))
    .replaceAll('{{WORKERS}}', String(options.workers ?? 1));
  const confPath = join(options.dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  return spawnChild({
    name: 'nginx',
    command: options.binary,
    args: ['-p', options.dir, '-c', confPath, '-e', join(options.dir, 'error.log'), '-g', 'daemon off;'],
    raiseNoFile: true,
  });
}
