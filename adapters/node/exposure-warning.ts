import type { Logger, MainConfig } from '../../src/index.ts';

/** Addresses only this machine can reach. */
function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/**
 * Say loudly when the router listens beyond this machine with no inbound key: anyone who reaches the
 * port can spend the backends' keys (an `openai` source makes it an open proxy on the operator's bill)
 * and read `/api/dashboard`, backend addresses included. Logged at start-up and whenever a reload leaves
 * the keys empty; not an error, since a closed network or a proxy in front may be the operator's choice.
 */
export function warnIfExposed(config: MainConfig, log: Logger): void {
  const { host, port, api_keys } = config.server;
  if (isLoopback(host) || api_keys.length > 0) return;
  log.warn(
    `OPEN PROXY: listening on ${host}:${port} with no server.api_keys. Anyone who can reach this address ` +
      "can send requests on the backends' keys and read /api/dashboard (backend addresses). Set " +
      'server.api_keys (e.g. "os.environ/ROUTER_API_KEY"), or server.host: 127.0.0.1 to serve this machine only.',
  );
}
