import { parse, YAMLParseError } from 'yaml';
import { ConfigError } from './config-error.ts';

/** Parse YAML text, turning syntax errors into a ConfigError that names the file, line and column. */
export function parseYaml(text: string, file: string): unknown {
  try {
    return parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0];
      const at = where ? `line ${where.line}, column ${where.col}` : 'unknown position';
      throw new ConfigError(file, [
        `invalid YAML at ${at}: ${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
      ]);
    }
    throw error;
  }
}
