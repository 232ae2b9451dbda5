import { describe, expect, it } from 'vitest';
import { inlineModule } from '../../tools/bench/report-html.ts';

describe('report.html module inlining', () => {
  it('gives each file its own scope, so equal top-level names in two files do not collide', () => {
    const format = inlineModule(
      'export function ms(v) { return v + " ms"; }\nconst local = 1;\n',
      'format.js',
    );
    const page = inlineModule(
      "import { ms as fmt } from './format.js';\nconst ms = (v) => fmt(v * 2);\nconst local = 2;\nglobalThis.out = ms(21);\n",
      'report.js',
    );
    new Function(`'use strict';\n${format}\n${page}`)();
    expect((globalThis as { out?: string }).out).toBe('42 ms');
  });

  it('refuses module syntax it does not understand', () => {
    expect(() => inlineModule('export default 1;\n', 'x.js')).toThrow('cannot inline a module statement');
    expect(() => inlineModule("import x from './y.js';\n", 'x.js')).toThrow(
      'cannot inline a module statement',
    );
  });
});
