import type { ConfigTexts } from '../../src/index.ts';
import type { WorkerEnv } from './env.ts';
import { bundledConfig } from './generated/bundled-config.js';

/**
 * Bindings win over the bundle, so a test or a per-environment deploy can point the same Worker at other
 * backends without rebuilding. The two bindings travel together: ROUTER_BACKENDS alone means nothing.
 */
export function configTexts(env: WorkerEnv): ConfigTexts {
  if (env.ROUTER_CONFIG === undefined) return bundledConfig;
  let backends: Record<string, string> = {};
  if (env.ROUTER_BACKENDS !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.ROUTER_BACKENDS);
    } catch {
      // Not the parser's message: V8 quotes the text around the error, and this text holds backend files
      // that may have a literal api_key in them.
      throw new TypeError('ROUTER_BACKENDS is not valid JSON (a JSON object of file name -> YAML text)');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new TypeError('ROUTER_BACKENDS must be a JSON object of file name -> YAML text');
    }
    backends = Object.fromEntries(Object.entries(parsed).map(([name, text]) => [name, String(text)]));
  }
  // The binding holds config.yaml's text: messages name the file users edit, as the bundled config does.
  return { mainFile: 'config.yaml', main: env.ROUTER_CONFIG, backends };
}
