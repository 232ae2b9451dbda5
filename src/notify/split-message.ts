import type { Line, Message } from './message.ts';

export interface PartSection {
  readonly heading: string;
  /** The section began in an earlier part. */
  readonly continued: boolean;
  readonly lines: readonly Line[];
}

/** One chat message's worth of a notification. */
export interface MessagePart {
  readonly message: Message;
  /** 1-based; a notification of one part shows no counter. */
  readonly index: number;
  readonly count: number;
  readonly intro: readonly Line[];
  readonly sections: readonly PartSection[];
}

/** Fitting uses this count: a rendered "(2/99)" is never shorter than the real "(2/3)". */
const COUNT_PLACEHOLDER = 99;

interface Block {
  readonly section: number;
  readonly continued: boolean;
  readonly lines: Line[];
}

interface Draft {
  readonly intro: readonly Line[];
  readonly blocks: Block[];
}

/**
 * Packs a notification's lines, whole and in order, into at most `message.maxParts` parts that each
 * satisfy `fits` (the target's size rule). Lines that do not fit, or lie beyond a section's `maxLines`,
 * are replaced by that section's summary line in the last part, with exact counts. No line is ever cut.
 * `notes` (e.g. "3 earlier messages were not delivered") open the first part.
 */
export function splitMessage(
  message: Message,
  notes: readonly Line[],
  fits: (part: MessagePart) => boolean,
): MessagePart[] {
  const omitted: Line[][] = message.sections.map(() => []);
  const beyondMax: Line[][] = message.sections.map((section) =>
    section.maxLines === undefined ? [] : section.lines.slice(section.maxLines),
  );
  const drafts: Draft[] = [];
  const begun = new Set<number>();
  let draft: Draft = { intro: [...notes, ...message.intro], blocks: [] };
  const partOf = (d: Draft, index: number, count: number): MessagePart => ({
    message,
    index,
    count,
    intro: d.intro,
    sections: d.blocks.map((block) => ({
      heading: message.sections[block.section]?.heading ?? '',
      continued: block.continued,
      lines: block.lines,
    })),
  });
  const tryAdd = (section: number, line: Line): boolean => {
    let block = draft.blocks.find((b) => b.section === section);
    const created = !block;
    if (!block) {
      block = { section, continued: begun.has(section), lines: [] };
      draft.blocks.push(block);
    }
    block.lines.push(line);
    if (fits(partOf(draft, drafts.length + 1, COUNT_PLACEHOLDER))) return true;
    block.lines.pop();
    if (created) draft.blocks.pop();
    return false;
  };

  let full = false;
  message.sections.forEach((section, s) => {
    const shown = section.maxLines === undefined ? section.lines : section.lines.slice(0, section.maxLines);
    for (const line of shown) {
      if (full) {
        omitted[s]?.push(line);
        continue;
      }
      if (tryAdd(s, line)) continue;
      if (hasLines(draft) && drafts.length + 1 < message.maxParts) {
        for (const block of draft.blocks) begun.add(block.section);
        drafts.push(draft);
        draft = { intro: [], blocks: [] };
        if (tryAdd(s, line)) continue;
      }
      // Either the parts are used up, or this one line cannot fit even alone: either way it is summarised.
      if (hasLines(draft)) full = true;
      omitted[s]?.push(line);
    }
  });
  const left = omitted.map((lines, s) => [...lines, ...(beyondMax[s] ?? [])]);
  if (left.some((lines) => lines.length > 0))
    draft = withSummaries(
      draft,
      left,
      message,
      (d) => fits(partOf(d, drafts.length + 1, COUNT_PLACEHOLDER)),
      begun,
    );
  drafts.push(draft);
  return drafts.map((d, i) => partOf(d, i + 1, drafts.length));
}

/**
 * The last part with one summary line per section that lost lines; while that does not fit, its own
 * last lines join the summaries. If even summaries alone do not fit, bare counts stand in for them.
 */
function withSummaries(
  draft: Draft,
  left: Line[][],
  message: Message,
  fits: (d: Draft) => boolean,
  begun: ReadonlySet<number>,
): Draft {
  const blocks = draft.blocks.map((block) => ({ ...block, lines: [...block.lines] }));
  while (true) {
    const candidate = summarised(draft.intro, blocks, left, message, begun, false);
    if (fits(candidate)) return candidate;
    const last = [...blocks].reverse().find((block) => block.lines.length > 0);
    if (!last) return summarised(draft.intro, blocks, left, message, begun, true);
    const line = last.lines.pop();
    if (line) left[last.section]?.unshift(line);
  }
}

function summarised(
  intro: readonly Line[],
  blocks: readonly Block[],
  left: readonly Line[][],
  message: Message,
  begun: ReadonlySet<number>,
  bare: boolean,
): Draft {
  const out: Block[] = [];
  message.sections.forEach((section, s) => {
    const block = blocks.find((b) => b.section === s);
    const lost = left[s] ?? [];
    if (!block && lost.length === 0) return;
    const lines = [...(block?.lines ?? [])];
    if (lost.length > 0)
      lines.push(bare ? { runs: [{ text: `…and ${lost.length} more` }] } : section.summarise(lost));
    if (lines.length === 0) return;
    out.push({ section: s, continued: block?.continued ?? begun.has(s), lines });
  });
  return { intro, blocks: out };
}

function hasLines(draft: Draft): boolean {
  return draft.blocks.some((block) => block.lines.length > 0);
}
