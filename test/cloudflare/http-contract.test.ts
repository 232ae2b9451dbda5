import { runHttpContract } from '../contract/http-contract.ts';
import { startWorkerTarget } from './worker-target.ts';

runHttpContract('Cloudflare Worker (workerd)', async ({ main, backends }) => {
  const worker = await startWorkerTarget({ main, backends });
  return { url: worker.url, firstHealthRound: () => worker.cron(), close: () => worker.close() };
});
