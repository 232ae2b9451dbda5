import type { Random } from '../../src/index.ts';
import type { IntRange } from './bench-config.ts';

/** `"128"` → 128..128, `"64:512"` → uniform 64..512; null when the text is neither. */
export function parseIntRange(text: string): IntRange | null {
  const match = /^\s*(\d+)\s*(?::\s*(\d+)\s*)?$/.exec(text);
  if (!match) return null;
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) return null;
  return { min, max };
}

/** A uniform integer of the range (both ends included). */
export function sampleIntRange(range: IntRange, random: Random): number {
  if (range.min === range.max) return range.min;
  return range.min + Math.floor(random() * (range.max - range.min + 1));
}

export function formatIntRange(range: IntRange): string {
  return range.min === range.max ? String(range.min) : `${range.min}:${range.max}`;
}
