import { type Document, isMap, isScalar, isSeq, parseDocument, Scalar, visit, type YAMLSeq } from 'yaml';
import { ConfigError, normaliseApiBase, parseBackendFile } from '../../src/index.ts';

/** What deploy writes for one ready instance. */
export interface DeployedEntry {
  readonly servedName: string;
  readonly apiBase: string;
  readonly maxNumSeqs?: number;
}

export const SELF_DEPLOYED = 'self_deployed';

const HEADER =
  ' Self-deployed engines. `llm-router deploy` merges its entries by api_base and keeps every other entry\n' +
  ' and comment; a router with "self_deployed" enabled hot-reloads this file.';

/**
 * Checks a backend file the way the router will load it (shape only: `os.environ/NAME` keys need not be
 * set on the deploying machine). Throws a ConfigError naming the file and key.
 */
export function checkBackendText(text: string, file: string): void {
  parseBackendFile(text, file, { source: SELF_DEPLOYED, secrets: () => 'set', skipMetricsSources: [] });
}

/**
 * Adds or updates one entry per deployed instance, keyed by `api_base`: an entry already there is updated
 * in place (its comments and other keys, e.g. weight or rpm_limit, stay; further entries at the same
 * address are dropped as stale), a new one is appended. Everything else in the file is left as it was.
 * `text` null means the file does not exist yet.
 */
export function mergeBackendEntries(
  text: string | null,
  file: string,
  entries: readonly DeployedEntry[],
): string {
  const doc = documentOf(text, file);
  const list = modelList(doc, file);
  for (const entry of entries) {
    const at = indicesAt(list, entry.apiBase);
    const first = at[0];
    if (first === undefined) {
      list.items.push(newEntry(doc, entry));
      continue;
    }
    const item = list.items[first];
    if (!isMap(item)) continue;
    item.set('model_name', quoted(entry.servedName));
    item.setIn(['litellm_params', 'model'], quoted(`openai/${entry.servedName}`));
    item.setIn(['litellm_params', 'source_type'], quoted(SELF_DEPLOYED));
    if (entry.maxNumSeqs === undefined) item.deleteIn(['litellm_params', 'max_num_seqs']);
    else item.setIn(['litellm_params', 'max_num_seqs'], entry.maxNumSeqs);
    const stale = new Set(at.slice(1));
    list.items = list.items.filter((_, i) => !stale.has(i));
  }
  return finish(doc, file);
}

/** Drops every entry whose api_base is in `apiBases`; the rest of the file, comments included, stays. */
export function removeBackendEntries(
  text: string,
  file: string,
  apiBases: readonly string[],
): { text: string; removed: number } {
  const doc = documentOf(text, file);
  const list = doc.get('model_list', true);
  if (!isSeq(list)) return { text, removed: 0 };
  const gone = new Set(apiBases.map(normaliseApiBase));
  const before = list.items.length;
  list.items = list.items.filter((item) => !gone.has(normaliseApiBase(apiBaseOf(item) ?? '')));
  const removed = before - list.items.length;
  return { text: removed === 0 ? text : finish(doc, file), removed };
}

function documentOf(text: string | null, file: string): Document {
  if (text !== null) checkBackendText(text, file);
  const doc: Document = parseDocument(text ?? '');
  if (doc.contents === null) {
    doc.contents = doc.createNode({});
    if (text === null || text.trim() === '') doc.commentBefore = HEADER;
  }
  return doc;
}

function modelList(doc: Document, file: string): YAMLSeq {
  let list = doc.get('model_list', true);
  if (!isSeq(list)) {
    if (!isMap(doc.contents))
      throw new ConfigError(file, ['(top level): expected a mapping with a model_list key']);
    doc.set('model_list', doc.createNode([]));
    list = doc.get('model_list', true);
  }
  return list as YAMLSeq;
}

function indicesAt(list: YAMLSeq, apiBase: string): number[] {
  const wanted = normaliseApiBase(apiBase);
  return list.items.flatMap((item, i) => (normaliseApiBase(apiBaseOf(item) ?? '') === wanted ? [i] : []));
}

function apiBaseOf(item: unknown): string | undefined {
  if (!isMap(item)) return undefined;
  const value = item.getIn(['litellm_params', 'api_base'], true);
  return isScalar(value) && typeof value.value === 'string' ? value.value : undefined;
}

function newEntry(doc: Document, entry: DeployedEntry) {
  const node = doc.createNode({
    model_name: entry.servedName,
    litellm_params: {
      model: `openai/${entry.servedName}`,
      api_base: entry.apiBase,
      source_type: SELF_DEPLOYED,
      ...(entry.maxNumSeqs === undefined ? {} : { max_num_seqs: entry.maxNumSeqs }),
    },
  });
  // Double quotes like the shipped example; any name stays a string (a model called `null` or `1e3`).
  visit(node, {
    Pair(_, pair) {
      if (isScalar(pair.value) && typeof pair.value.value === 'string') pair.value.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return node;
}

function quoted(value: string): Scalar {
  const scalar = new Scalar(value);
  scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}

/** The new text, checked as the router will load it before anything is written. */
function finish(doc: Document, file: string): string {
  const text = doc.toString();
  checkBackendText(text, file);
  return text;
}
