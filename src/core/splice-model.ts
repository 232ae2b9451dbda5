const encoder = new TextEncoder();

/** Sum of the chunk lengths: the body size without joining it. */
export function totalLength(chunks: readonly Uint8Array[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  return total;
}

/**
 * Replace bytes [start, end) (the value string token incl. quotes, as reported by scanModel) with
 * JSON.stringify(newModel) as UTF-8. The result reuses views of the original chunks, so an alias rewrite of a
 * 10 MB body copies only the model name (SPEC §2.2 alias support, §3 one copy of the body).
 */
export function spliceModel(
  chunks: readonly Uint8Array[],
  start: number,
  end: number,
  newModel: string,
): Uint8Array[] {
  const size = totalLength(chunks);
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= size)) {
    throw new RangeError(`splice range [${start}, ${end}) outside a body of ${size} bytes`);
  }
  const out: Uint8Array[] = [];
  const replacement = encoder.encode(JSON.stringify(newModel));
  let inserted = false;
  let base = 0;
  for (const chunk of chunks) {
    const chunkEnd = base + chunk.length;
    if (chunkEnd <= start || base >= end) {
      // Entirely outside the range; the replacement goes before the first chunk that starts at or after `end`.
      if (!inserted && base >= end) {
        out.push(replacement);
        inserted = true;
      }
      if (chunk.length > 0) out.push(chunk);
    } else {
      if (start > base) out.push(chunk.subarray(0, start - base));
      if (!inserted) {
        out.push(replacement);
        inserted = true;
      }
      if (end < chunkEnd) out.push(chunk.subarray(end - base));
    }
    base = chunkEnd;
  }
  if (!inserted) out.push(replacement);
  return out;
}
