import { readFileSync } from 'node:fs';

/** Text of test/fixtures/metrics/<name>. */
export function metricsFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/metrics/${name}`, import.meta.url), 'utf8');
}
