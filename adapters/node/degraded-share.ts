/**
 * A replica's share of a limit while it cannot reach the shared store: what is left once the others'
 * use it last saw is taken off, split evenly over the replicas it last counted. Compared with the
 * replica's own count (its use from before the outage included), the replicas together stay within the
 * limit: each own count stays at or below max(its use before, (limit - others before) / replicas), and
 * summed over the replicas that is at most the limit. A limit smaller than the replica count leaves some
 * replicas nothing: such a backend waits for the store to come back rather than be overrun.
 */
export function degradedShare(limit: number, replicas: number, othersSeen: number): number {
  return Math.floor(Math.max(0, limit - othersSeen) / Math.max(1, replicas));
}
