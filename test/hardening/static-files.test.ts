import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import { capturingLogger } from '../reliability/support.ts';
import { closeAll, startSims, startTestRouter, type TestRouter } from '../support/router-fixture.ts';

/** Item 8: `GET /dashboard/%` answered 500 and logged an error per request (decodeURIComponent outside the try). */
describe('dashboard paths with malformed percent escapes', () => {
  let sim: SimServer;
  let router: TestRouter;
  const log = capturingLogger();

  beforeAll(async () => {
    [sim] = (await startSims([{ models: ['m'] }])) as [SimServer];
    router = await startTestRouter({
      main: { dashboard: { enabled: true } },
      backends: [{ model_name: 'm', api_base: sim }],
      log,
    });
  });
  afterAll(async () => {
    await router?.close();
    await closeAll([sim]);
  });

  it.each(['/dashboard/%', '/dashboard/%zz', '/dashboard/a%e0%80'])(
    '%s is a 404 envelope and logs nothing',
    async (path) => {
      const response = await fetch(`${router.url}${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
      expect(log.lines.filter((line) => line.level === 'error')).toEqual([]);
    },
  );

  it('still serves the pages', async () => {
    const page = await fetch(`${router.url}/dashboard/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });
});
