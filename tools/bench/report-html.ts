import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PROJECT_ROOT } from '../cli/index.ts';
import type { BenchReport } from './bench-report.ts';

const PAGE_DIR = join(PROJECT_ROOT, 'tools', 'bench', 'report-page');
const PUBLIC_DIR = join(PROJECT_ROOT, 'public');

/** The dashboard's modules the report page uses, in dependency order, then the page script itself. */
const SCRIPTS = [
  join(PUBLIC_DIR, 'js', 'dom.js'),
  join(PUBLIC_DIR, 'js', 'format.js'),
  join(PUBLIC_DIR, 'js', 'chart.js'),
  join(PAGE_DIR, 'report.js'),
];

/** A module file's variable in the inlined script: `chart.js` -> `__module_chart`. */
function moduleVar(file: string): string {
  return `__module_${basename(file, '.js').replace(/[^A-Za-z0-9_$]/g, '_')}`;
}

/**
 * ES modules → one classic script: the page must work from `file://` after an `scp`, where module
 * imports are blocked. Each file becomes a function scope returning its exports, and each import a
 * destructuring of the imported file's exports, so top-level names of different files never collide.
 * Anything else module-only is refused rather than mangled.
 */
export function inlineModule(source: string, file: string): string {
  const exported: string[] = [];
  const body = source
    .replace(/^import\s*\{([^}]*)\}\s*from\s*'([^']+)';\s*$/gm, (_line, names: string, from: string) => {
      const bindings = names
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean)
        .map((name) => name.replace(/\s+as\s+/, ': '));
      return `const { ${bindings.join(', ')} } = ${moduleVar(from)};`;
    })
    .replace(
      /^export\s+((?:async\s+)?function\*?\s+|class\s+|const\s+|let\s+)([A-Za-z_$][\w$]*)/gm,
      (_line, keyword: string, name: string) => {
        exported.push(name);
        return `${keyword}${name}`;
      },
    );
  if (/^\s*(?:import|export)\b/m.test(body)) throw new Error(`${file}: cannot inline a module statement`);
  return `const ${moduleVar(file)} = (() => {\n${body}\nreturn { ${exported.join(', ')} };\n})();`;
}

let assets: { template: string; style: string; script: string } | null = null;

function loadAssets(): { template: string; style: string; script: string } {
  assets ??= {
    template: readFileSync(join(PAGE_DIR, 'report.html'), 'utf8'),
    style: [join(PUBLIC_DIR, 'css', 'style.css'), join(PAGE_DIR, 'report.css')]
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n'),
    script: `(() => {\n'use strict';\n${SCRIPTS.map((file) => inlineModule(readFileSync(file, 'utf8'), file)).join('\n')}\n})();`,
  };
  return assets;
}

/** Replaces one marker without `String.replace`'s `$` patterns (the data may contain any text). */
function fill(template: string, marker: string, value: string): string {
  const at = template.indexOf(marker);
  if (at === -1) throw new Error(`report template lacks ${marker}`);
  return template.slice(0, at) + value + template.slice(at + marker.length);
}

/**
 * `report.html`: one self-contained file (styles, chart code and the report's data inlined, no fonts,
 * no network), readable offline on any machine.
 */
export function renderReportHtml(report: BenchReport): string {
  const { template, style, script } = loadAssets();
  // `<` escaped, so no string in the data (a label, an error message) can close the script element.
  const data = JSON.stringify(report).replace(/</g, '\\u003c');
  return fill(
    fill(fill(template, '/*__STYLE__*/', style), '/*__SCRIPT__*/', script),
    '"__REPORT_DATA__"',
    data,
  );
}
