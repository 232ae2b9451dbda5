import { startTestRouter, waitFor } from '../support/router-fixture.ts';
import { runHttpContract } from './http-contract.ts';

runHttpContract('Node service', async ({ main, backends }) => {
  const router = await startTestRouter({ main, backends });
  return {
    url: router.url,
    // The Node service starts its first round at once; wait for it to finish.
    firstHealthRound: async () => {
      await waitFor(async () => (await fetch(`${router.url}/ready`)).status === 200, 5000, 10);
    },
    close: () => router.close(),
  };
});
