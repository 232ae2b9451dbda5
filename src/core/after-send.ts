import type { AfterSendMode } from '../config/main-config-schema.ts';

/**
 * Proxied paths whose repetition creates nothing on the backend: inference and its helpers. The official
 * openai SDK itself resends these after a dropped connection or a timeout. Paths that create objects
 * (`responses` with its stored state, `files`, `batches`, `fine_tuning/jobs`, `images/*`, ...) are not here.
 */
const REPEATABLE = new Set([
  'chat/completions',
  'completions',
  'embeddings',
  'moderations',
  'rerank',
  'score',
  'classify',
  'pooling',
  'tokenize',
  'detokenize',
]);

/**
 * Whether a request whose connection broke or timed out after it was sent whole (the backend may have
 * processed it, and a hosted API may bill it) is sent again, to another backend (docs/configuration.md).
 */
export function mayResendAfterSend(mode: AfterSendMode, path: string): boolean {
  switch (mode) {
    case 'never':
      return false;
    case 'always':
      return true;
    case 'idempotent-safe':
      return REPEATABLE.has(path);
  }
}
