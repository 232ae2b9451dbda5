import { DEFAULT_STALL_MS } from '../../adapters/cloudflare/track-response.ts';
import { runHttpContract } from '../contract/http-contract.ts';
import { startWorkerTarget } from './worker-target.ts';

runHttpContract('Cloudflare Worker (workerd)', async ({ main, backends }) => {
  const worker = await startWorkerTarget({ main, backends });
  return {
    url: worker.url,
    firstHealthRound: () => worker.cron(),
    // workerd sometimes stops reading the body without aborting request.signal: the stall bound decides.
    clientGoneWithinMs: DEFAULT_STALL_MS + 3000,
    close: () => worker.close(),
  };
});
