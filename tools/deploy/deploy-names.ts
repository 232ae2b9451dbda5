/**
 * Strict checks for the values `llm-router deploy` puts on remote command lines. Everything is quoted
 * anyway (shellQuote); these checks are the second wall, and they turn typos into clear errors before
 * anything connects. Each returns a problem (to follow the flag name) or null.
 */

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/** A DNS name or IPv4 address (RFC 1123 labels), or an IPv6 literal; never `user@`, options or spaces. */
export function hostProblem(host: string): string | null {
  if (host.length === 0) return 'is empty';
  if (host.length > 253) return `"${host.slice(0, 40)}..." is longer than 253 characters`;
  if (host.includes(':')) return IPV6.test(host) ? null : `"${host}" is not a host name or IP address`;
  const ok = host.split('.').every((label) => LABEL.test(label));
  return ok ? null : `"${host}" is not a host name or IP address (letters, digits, "-" and "." only)`;
}

/** The name clients send (`model`); also part of file names on the node, so no spaces or quotes. */
export function servedNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > 200) return 'is longer than 200 characters';
  return /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/.test(name)
    ? null
    : `"${name}" may contain only letters, digits and . _ : / @ + - (and must start with a letter or digit)`;
}

/** A Hugging Face id (`Qwen/Qwen3-8B`) or a path on the node. */
export function modelProblem(model: string): string | null {
  if (model.length === 0) return 'is empty';
  if (model.length > 1000) return 'is longer than 1000 characters';
  if (model.startsWith('~'))
    return `"${model}": "~" is not expanded on the node; give an absolute path or one relative to the remote home`;
  return /^[A-Za-z0-9._/][A-Za-z0-9._/:@+=-]*$/.test(model)
    ? null
    : `"${model}" may contain only letters, digits and . _ / : @ + = - (a model id or a path without spaces)`;
}

/** A program (`vllm`, `python3`, `/opt/venv/bin/vllm`) or a directory path on the node. */
export function remotePathProblem(path: string): string | null {
  if (path.length === 0) return 'is empty';
  if (path.length > 1000) return 'is longer than 1000 characters';
  if (path.startsWith('~'))
    return `"${path}": "~" is not expanded on the node; give an absolute path or one relative to the remote home`;
  return /^[A-Za-z0-9._/][A-Za-z0-9._/+@-]*$/.test(path)
    ? null
    : `"${path}" may contain only letters, digits and . _ / + @ - (no spaces, "=" or leading "-")`;
}

/** Set by deploy itself on every engine; `--env` must not override them. */
export const RESERVED_ENV = ['CUDA_VISIBLE_DEVICES', 'LLM_ROUTER_DEPLOY_ID'] as const;

/** `--env K=V`: a shell variable name and any value without NUL (values are quoted, never validated). */
export function envProblem(assignment: string): string | null {
  const eq = assignment.indexOf('=');
  if (eq <= 0) return `"${assignment}" is not KEY=VALUE`;
  const key = assignment.slice(0, eq);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    return `"${key}" is not a variable name (letters, digits and _, not starting with a digit)`;
  if ((RESERVED_ENV as readonly string[]).includes(key))
    return `${key} is set by llm-router deploy itself (use --gpus-per-node / --tensor-parallel-size)`;
  if (assignment.includes('\0')) return `the value of ${key} contains a NUL byte`;
  return null;
}

/** Options given to ssh as `-o KEY=VALUE` (e.g. `UserKnownHostsFile=/path`); passed as one argv item. */
export function sshOptionProblem(option: string): string | null {
  return /^[A-Za-z][A-Za-z0-9]*=[^\n\r\0]+$/.test(option)
    ? null
    : `"${option}" is not an ssh option KEY=VALUE (e.g. UserKnownHostsFile=/path/known_hosts)`;
}
