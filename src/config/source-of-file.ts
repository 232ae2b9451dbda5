/**
 * The source type a backend file belongs to: its lower-cased name must end in .yaml/.yml and start
 * with an enabled source (`openai_config.yaml` -> `openai`). Longest match wins so `openai_x` beats `open`.
 */
export function sourceOfFile(fileName: string, enabledSources: readonly string[]): string | undefined {
  const lower = fileName.toLowerCase();
  if (!lower.endsWith('.yaml') && !lower.endsWith('.yml')) return undefined;
  let best: string | undefined;
  for (const source of enabledSources) {
    if (lower.startsWith(source.toLowerCase()) && (best === undefined || source.length > best.length)) {
      best = source;
    }
  }
  return best;
}
