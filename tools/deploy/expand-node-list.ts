/** More hosts than any cluster has: `n[0-99999999]` is a typo, not a fleet. */
export const MAX_HOSTS = 10_000;

/**
 * Expand a host list as Slurm writes it (`SLURM_JOB_NODELIST`, `scontrol show hostnames` input):
 * comma-separated names, each with any number of bracket groups of numbers and ranges, zero padding kept:
 * `gpu[01-03,07],login1` -> gpu01 gpu02 gpu03 gpu07 login1; `r[1-2]n[1-2]` -> r1n1 r1n2 r2n1 r2n2.
 * Plain `h1,h2` lists (and spaces or newlines between names) work too. Duplicates are dropped, order kept.
 */
export function expandNodeList(text: string): { hosts: string[] } | { error: string } {
  const hosts: string[] = [];
  for (const item of splitTopLevel(text)) {
    const expanded = expandItem(item);
    if ('error' in expanded) return expanded;
    hosts.push(...expanded.hosts);
    if (hosts.length > MAX_HOSTS) return { error: `expands to more than ${MAX_HOSTS} hosts` };
  }
  return { hosts: [...new Set(hosts)] };
}

/** Commas and whitespace separate names, except inside brackets. */
function splitTopLevel(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (depth === 0 && (c === ',' || /\s/.test(c))) {
      if (current !== '') items.push(current);
      current = '';
    } else current += c;
  }
  if (current !== '') items.push(current);
  return items;
}

function expandItem(item: string): { hosts: string[] } | { error: string } {
  const open = item.indexOf('[');
  if (open === -1) {
    return item.includes(']') ? { error: `"${item}" has a "]" without "["` } : { hosts: [item] };
  }
  const close = item.indexOf(']', open);
  if (close === -1) return { error: `"${item}" has a "[" without "]"` };
  const prefix = item.slice(0, open);
  const numbers = expandRanges(item.slice(open + 1, close));
  if ('error' in numbers) return { error: `"${item}": ${numbers.error}` };
  const rest = expandItem(item.slice(close + 1));
  if ('error' in rest) return rest;
  if (numbers.values.length * rest.hosts.length > MAX_HOSTS)
    return { error: `"${item}" expands to more than ${MAX_HOSTS} hosts` };
  return { hosts: numbers.values.flatMap((n) => rest.hosts.map((suffix) => `${prefix}${n}${suffix}`)) };
}

/** `01-03,07` -> 01 02 03 07: a range keeps the width of its first number. */
function expandRanges(body: string): { values: string[] } | { error: string } {
  const values: string[] = [];
  for (const part of body.split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) return { error: `"${part}" is not a number or a range like 01-04` };
    const [, first, last] = match as unknown as [string, string, string | undefined];
    const from = Number(first);
    const to = last === undefined ? from : Number(last);
    if (to < from) return { error: `range ${part} runs backwards` };
    if (to - from >= MAX_HOSTS) return { error: `range ${part} is longer than ${MAX_HOSTS}` };
    for (let n = from; n <= to; n++) values.push(String(n).padStart(first.length, '0'));
  }
  return { values };
}
