import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../tools/cli/index.ts';

export { PROJECT_ROOT };

/** The dashboard's static files. */
export const PUBLIC_DIR = join(PROJECT_ROOT, 'public');

export const VERSION = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
