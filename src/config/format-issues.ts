import type { z } from 'zod';

/** Render zod issues as `key.path: problem` lines (`model_list[2].litellm_params.api_base: ...`). */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = formatPath(issue.path);
    const where = path === '' ? '(top level)' : path;
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((key) => (path === '' ? key : `${path}.${key}`));
      return `${keys.join(', ')}: unknown key${keys.length > 1 ? 's' : ''}`;
    }
    return `${where}: ${issue.message}`;
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
