/** The probe's output (hex port numbers, one per line) as a set of ports. */
export function portsInUse(probeOutput: string): Set<number> {
  const ports = new Set<number>();
  for (const line of probeOutput.split('\n')) {
    const hex = line.trim();
    if (/^[0-9A-Fa-f]{1,4}$/.test(hex)) ports.add(Number.parseInt(hex, 16));
  }
  return ports;
}

/**
 * The first `count` ports from `first` upward that are neither in use on the host nor already handed
 * out; null when the range runs past 65535 first.
 */
export function pickPorts(first: number, count: number, taken: ReadonlySet<number>): number[] | null {
  const ports: number[] = [];
  for (let port = first; port <= 65_535 && ports.length < count; port++) {
    if (!taken.has(port)) ports.push(port);
  }
  return ports.length === count ? ports : null;
}
