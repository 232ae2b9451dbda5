import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, startRouter } from '../../adapters/node/start-router.ts';
import { silentLogger } from '../../src/core/logger.ts';
import type { SimServer } from '../../tools/sim/index.ts';
import { killAllCli, runCli } from '../support/cli.ts';
import {
  type ConfigDir,
  closeAll,
  defaultMainConfig,
  mergeConfig,
  startSims,
  startTestRouter,
  writeConfigDir,
} from '../support/router-fixture.ts';

// Names no environment sets; deleted below in case one does.
const UNSET = 'LLM_ROUTER_TEST_UNSET_INBOUND_KEY';
const SET = 'LLM_ROUTER_TEST_INBOUND_KEY';

describe('server.api_keys naming an unset environment variable (Node)', () => {
  let sim: SimServer;
  const dirs: ConfigDir[] = [];

  beforeAll(async () => {
    delete process.env[UNSET];
    process.env[SET] = 'key-from-env';
    [sim] = (await startSims([{ models: ['m'], ttftMs: 1, tokensPerSecond: 1000 }])) as [SimServer];
  });

  afterAll(async () => {
    delete process.env[SET];
    await killAllCli();
    await closeAll([sim]);
    await Promise.all(dirs.map((dir) => dir.remove()));
  });

  it('fails startRouter with a ConfigError naming the file and key path', async () => {
    const dir = await writeConfigDir({
      main: { server: { api_keys: [`os.environ/${UNSET}`] } },
      backends: [{ model_name: 'm', api_base: sim }],
    });
    dirs.push(dir);
    const started = startRouter({
      configPath: dir.configPath,
      port: 0,
      host: '127.0.0.1',
      log: silentLogger,
    });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(
      `${dir.configPath}: server.api_keys[0]: environment variable ${UNSET} is not set`,
    );
  });

  it('makes the CLI exit 1 with that message, for dashboard.auth too', async () => {
    const dir = await writeConfigDir({
      main: { server: { api_keys: ['literal'] }, dashboard: { auth: [`os.environ/${UNSET}`] } },
      backends: [{ model_name: 'm', api_base: sim }],
    });
    dirs.push(dir);
    const { code, stderr } = await runCli(['-config', dir.configPath, '-port', '0']);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `invalid configuration: ${dir.configPath}: dashboard.auth[0]: environment variable ${UNSET} is not set`,
    );
  });

  it('keeps the previous keys when a hot reload of config.yaml names an unset variable', async () => {
    const router = await startTestRouter({
      main: { server: { api_keys: [`os.environ/${SET}`] } },
      backends: [{ model_name: 'm', api_base: sim }],
    });
    try {
      const models = (key?: string) =>
        fetch(`${router.url}/v1/models`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
      expect((await models()).status).toBe(401);
      expect((await models('key-from-env')).status).toBe(200);

      const broken = mergeConfig(defaultMainConfig(), {
        server: { api_keys: [`os.environ/${UNSET}`] },
        routing: { num_retries: 7 },
      });
      await writeFile(router.config.configPath, `${JSON.stringify(broken, null, 2)}\n`);
      await router.running.reload();

      expect(router.running.router.config.routing.num_retries).toBe(3);
      expect((await models()).status).toBe(401);
      expect((await models('key-from-env')).status).toBe(200);

      // The same reload path applies a fixed file, so the rejection above was not a skipped read.
      const fixed = mergeConfig(broken, { server: { api_keys: ['literal-key'] } });
      await writeFile(router.config.configPath, `${JSON.stringify(fixed, null, 2)}\n`);
      await router.running.reload();
      expect(router.running.router.config.routing.num_retries).toBe(7);
      expect((await models('key-from-env')).status).toBe(401);
      expect((await models('literal-key')).status).toBe(200);
    } finally {
      await router.close();
    }
  });
});
