import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * ES modules → one classic script body: the page must work from `file://` after an `scp`, where module
 * imports are blocked, so the files are concatenated with their import lines and `export` keywords
 * removed (they share no top-level names). Anything else module-only is refused rather than mangled.
 */
export function inlineModule(source: string, file: string): string {
  const out = source
    .replace(/^import\s[^;]*?\sfrom\s+'[^']+';\s*$/gm, '')
    .replace(/^export\s+(?=(?:async\s+)?function\b|class\b|const\b|let\b)/gm, '');
  if (/^\s*(?:import|export)\b/m.test(out)) throw new Error(`${file}: cannot inline a module statement`);
  return out;
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
