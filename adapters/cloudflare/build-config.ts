/**
 * Build step of the Worker (wrangler.toml `[build] command`), run by Node: reads config.yaml and the
 * enabled backend files the way the Node service does, validates them with the same parse functions, and
 * writes their texts into generated/bundled-config.js for the bundle. A bad config fails the build with
 * the message the Node service prints for it.
 *
 *   tsx adapters/cloudflare/build-config.ts [-config config.yaml] [-out FILE]
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, parseMainConfig, sourceOfFile } from '../../src/index.ts';
import { type ConfigTexts, parseConfigTexts } from './parse-config.ts';

export const DEFAULT_OUT = fileURLToPath(new URL('./generated/bundled-config.js', import.meta.url));

/** Secrets live in Cloudflare, not here: any `os.environ/NAME` is taken as set; the Worker resolves it. */
const buildTimeSecrets = () => 'set-at-runtime';

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [
      `cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    ]);
  }
}

/** Read and validate; backend files are named relative to the main file's directory in the bundle. */
export async function buildBundledConfig(
  configPath: string,
): Promise<{ texts: ConfigTexts; warnings: string[] }> {
  const main = await readText(configPath);
  const config = parseMainConfig(main, configPath);
  const dir = resolve(dirname(resolve(configPath)), config.backends.config_dir);
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    names = [];
  }
  const absolute: Record<string, string> = {};
  for (const name of names.sort()) {
    if (sourceOfFile(name, config.backends.enabled_sources) === undefined) continue;
    absolute[join(dir, name)] = await readText(join(dir, name));
  }
  // Validated under the same names the Node service uses, so the messages match it word for word.
  const parsed = parseConfigTexts({ mainFile: configPath, main, backends: absolute }, buildTimeSecrets);
  const warnings = parsed.files.flatMap((file) => file.warnings);
  if (config.server.api_keys.length === 0) {
    warnings.push(
      'server.api_keys is empty: the Worker answers 503 to everything but /health unless the var ALLOW_NO_AUTH is "true"',
    );
  }
  const base = dirname(resolve(configPath));
  const backends = Object.fromEntries(
    Object.entries(absolute).map(([path, text]) => [relative(base, path), text]),
  );
  return { texts: { mainFile: relative(base, resolve(configPath)), main, backends }, warnings };
}

/**
 * Left alone when unchanged: the module sits in a directory wrangler dev watches, and rewriting it would
 * restart the build forever. Otherwise written beside itself and renamed, so a concurrent build never
 * reads half a module.
 */
export async function writeBundledConfig(texts: ConfigTexts, out: string): Promise<void> {
  const text = `export const bundledConfig = ${JSON.stringify(texts, null, 2)};\n`;
  const current = await readFile(out, 'utf8').catch(() => null);
  if (current === text) return;
  await mkdir(dirname(out), { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, out);
}

export async function main(argv: readonly string[]): Promise<number> {
  const flag = (name: string) => {
    const at = argv.findIndex((arg) => arg.replace(/^--?/, '') === name);
    return at === -1 ? undefined : argv[at + 1];
  };
  const configPath = flag('config') ?? 'config.yaml';
  try {
    const { texts, warnings } = await buildBundledConfig(configPath);
    for (const warning of warnings) process.stderr.write(`llm-router: warning: ${warning}\n`);
    await writeBundledConfig(texts, flag('out') ?? DEFAULT_OUT);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`llm-router: invalid configuration: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
