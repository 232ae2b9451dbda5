import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

const HINTS: Record<string, string> = {
  wrk: 'apt-get update && apt-get install -y wrk',
  nginx: 'apt-get update && apt-get install -y nginx',
};

/** Absolute path of an executable on PATH (plus the sbin directories nginx lives in), or null. */
export function which(command: string): string | null {
  const dirs = new Set([...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin']);
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Path of the tool, or null after printing how to install it. */
export function requireTool(command: string, consequence: string): string | null {
  const path = which(command);
  if (path === null) {
    const hint = HINTS[command] ?? `install ${command}`;
    process.stdout.write(`note: ${command} is not installed, ${consequence}. Install it with: ${hint}\n`);
  }
  return path;
}
