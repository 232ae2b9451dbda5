/** One engine to start: where, on which GPUs. The port is decided per host once its free ports are known. */
export interface PlannedInstance {
  readonly host: string;
  /** 0-based index on its host. */
  readonly index: number;
  /** `CUDA_VISIBLE_DEVICES`, a contiguous range such as `2,3`. */
  readonly gpus: string;
}

/**
 * `gpusPerNode / tensorParallel` instances per host (leftover GPUs stay idle), instance i on GPUs
 * `i*tp .. i*tp+tp-1`, so a TP group shares one NVLink island on the usual 8-GPU boards.
 */
export function planInstances(
  hosts: readonly string[],
  gpusPerNode: number,
  tensorParallel: number,
): PlannedInstance[] {
  const perHost = Math.floor(gpusPerNode / tensorParallel);
  return hosts.flatMap((host) =>
    Array.from({ length: perHost }, (_, index) => ({
      host,
      index,
      gpus: Array.from({ length: tensorParallel }, (_, g) => index * tensorParallel + g).join(','),
    })),
  );
}

/** `http://host:port/v1`, with brackets around an IPv6 literal. */
export function apiBaseOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`;
}

/**
 * File name stem of an instance's log and pid file on its node: `vllm-node01-8000`. The host is part
 * of it because home directories are often shared between nodes (NFS), so two nodes' engines on the
 * same port must not write one log.
 */
export function instanceName(backend: string, host: string, port: number): string {
  return `${backend}-${host.replaceAll(':', '_')}-${port}`;
}
