import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root, found by walking up from this module: the same code runs from its source file and
 * bundled into dist/, so fixed relative paths would break one or the other.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('llm-router: cannot find package.json above the program');
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findRoot();

/** The `llm-router` command itself (it runs the bundle when fresh, else the TypeScript sources). */
export const CLI_ENTRY = join(PROJECT_ROOT, 'bin', 'llm-router.mjs');
