import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError, type ConfigTexts, parseConfigTexts } from '../../src/index.ts';
import { type Command, commandFlags } from '../../tools/cli/index.ts';
import { readConfigTexts } from './load-config.ts';
import { PROJECT_ROOT } from './project-files.ts';

/** The module the Worker imports its config texts from (adapters/cloudflare/config-texts.ts). */
const DEFAULT_OUT = join(PROJECT_ROOT, 'adapters', 'cloudflare', 'generated', 'bundled-config.js');

const USAGE = `Usage: llm-router worker-config [flags]

Validate config.yaml and the enabled backend files exactly as the router does and bundle their texts
for the Cloudflare Worker (wrangler.toml's [build] command runs this). A bad config fails with the
message the router prints for it.

  --config FILE            main config file (default config.yaml)
  --out FILE               module to write (default adapters/cloudflare/generated/bundled-config.js)
  --help                   print this text
`;

/** `llm-router worker-config`: the Worker's build step. */
export const workerConfigCommand: Command = {
  name: 'worker-config',
  summary: 'validate the config and bundle it for the Cloudflare Worker',
  usage: USAGE,
  run: runWorkerConfig,
};

/** Secrets live in Cloudflare, not here: any `os.environ/NAME` is taken as set; the Worker resolves it. */
const buildTimeSecrets = () => 'set-at-runtime';

async function runWorkerConfig(argv: readonly string[]): Promise<number> {
  const parsed = commandFlags('llm-router worker-config', USAGE, argv, { values: ['config', 'out'] });
  if (typeof parsed === 'number') return parsed;
  const { flags } = parsed;
  const configPath = flags.get('config') ?? 'config.yaml';
  try {
    const read = await readConfigTexts(configPath, undefined, () => undefined);
    // Validated under the names the Node service uses, so the messages match it word for word.
    const { config, files } = parseConfigTexts(read, buildTimeSecrets);
    for (const warning of files.flatMap((file) => file.warnings))
      process.stderr.write(`llm-router: warning: ${warning}\n`);
    if (config.server.api_keys.length === 0)
      process.stderr.write(
        'llm-router: warning: server.api_keys is empty: the Worker answers 503 to everything but /health unless the var ALLOW_NO_AUTH is "true"\n',
      );
    await writeBundledConfig(relativeTo(read, dirname(resolve(configPath))), flags.get('out') ?? DEFAULT_OUT);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`llm-router: invalid configuration: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** File names as the Worker reports them: relative to the main file's directory, not this machine's paths. */
function relativeTo(texts: ConfigTexts, base: string): ConfigTexts {
  return {
    mainFile: relative(base, resolve(texts.mainFile)),
    main: texts.main,
    backends: Object.fromEntries(
      Object.entries(texts.backends).map(([path, text]) => [relative(base, path), text]),
    ),
  };
}

/**
 * Left alone when unchanged: the module sits in a directory wrangler dev watches, and rewriting it would
 * restart the build forever. Otherwise written beside itself and renamed, so a concurrent build never
 * reads half a module.
 */
async function writeBundledConfig(texts: ConfigTexts, out: string): Promise<void> {
  const text = `export const bundledConfig = ${JSON.stringify(texts, null, 2)};\n`;
  const current = await readFile(out, 'utf8').catch(() => null);
  if (current === text) return;
  await mkdir(dirname(out), { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, out);
}
