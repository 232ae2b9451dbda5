import { describe, expect, it } from 'vitest';
import { parseBackendFile } from '../../src/index.ts';
import { mergeBackendEntries, removeBackendEntries } from '../../tools/deploy/index.ts';

const FILE = 'configs/self_deployed_config.yaml';

const EXISTING = `# Self-deployed engines: edited by hand too.
model_list:
  # the vision box, keep it
  - model_name: "Qwen3-VL-30B-A3B-Instruct"
    litellm_params:
      model: "openai/Qwen3-VL-30B-A3B-Instruct"
      api_base: "http://10.0.0.1:8000/v1"
      api_key: "os.environ/VISION_KEY"
      supports_vision: true
  # an earlier deployment on gpu01; tuned by hand
  - model_name: "old-model"
    litellm_params:
      model: "openai/old-model"
      api_base: "http://gpu01:8000/v1/"
      weight: 2.0
      max_num_seqs: 32
  - model_name: "old-alias"
    litellm_params:
      model: "openai/old-model"
      api_base: "http://gpu01:8000/v1"
`;

function backends(text: string) {
  return parseBackendFile(text, FILE, {
    source: 'self_deployed',
    secrets: () => 'k',
    skipMetricsSources: [],
  }).backends.map((b) => [b.modelName, b.apiBase, b.upstreamModel, b.weight, b.maxNumSeqs, b.sourceType]);
}

describe('backend file edits (merged by api_base, comments kept)', () => {
  it('updates the entry at an address in place, drops stale duplicates there, appends new ones', () => {
    const text = mergeBackendEntries(EXISTING, FILE, [
      { servedName: 'Qwen3-8B', apiBase: 'http://gpu01:8000/v1', maxNumSeqs: 64 },
      { servedName: 'Qwen3-8B', apiBase: 'http://gpu02:8000/v1' },
    ]);
    expect(text).toContain('# Self-deployed engines: edited by hand too.');
    expect(text).toContain('# the vision box, keep it');
    expect(text).toContain('# an earlier deployment on gpu01; tuned by hand');
    expect(text).toContain('api_key: "os.environ/VISION_KEY"');
    expect(backends(text)).toEqual([
      [
        'Qwen3-VL-30B-A3B-Instruct',
        'http://10.0.0.1:8000/v1',
        'Qwen3-VL-30B-A3B-Instruct',
        1,
        null,
        'self_deployed',
      ],
      // weight set by hand stays; model, source_type and max_num_seqs are the deployment's
      ['Qwen3-8B', 'http://gpu01:8000/v1', 'Qwen3-8B', 2, 64, 'self_deployed'],
      ['Qwen3-8B', 'http://gpu02:8000/v1', 'Qwen3-8B', 1, null, 'self_deployed'],
    ]);
    expect(text).toContain(`  - model_name: "Qwen3-8B"
    litellm_params:
      model: "openai/Qwen3-8B"
      api_base: "http://gpu02:8000/v1"
      source_type: "self_deployed"
`);
  });

  it('a second deploy without --max-num-seqs removes the old hint rather than keep a wrong one', () => {
    const once = mergeBackendEntries(null, FILE, [
      { servedName: 'm', apiBase: 'http://h:1/v1', maxNumSeqs: 8 },
    ]);
    const twice = mergeBackendEntries(once, FILE, [{ servedName: 'm', apiBase: 'http://h:1/v1' }]);
    expect(backends(twice)).toEqual([['m', 'http://h:1/v1', 'm', 1, null, 'self_deployed']]);
  });

  it('creates a file with an explaining header; odd names stay strings', () => {
    const text = mergeBackendEntries(null, FILE, [{ servedName: 'null', apiBase: 'http://h:1/v1' }]);
    expect(text).toMatch(/^# Self-deployed engines\. `llm-router deploy` merges/);
    expect(backends(text)).toEqual([['null', 'http://h:1/v1', 'null', 1, null, 'self_deployed']]);
  });

  it('removes exactly the deployed addresses, keeping the rest and its comments', () => {
    const merged = mergeBackendEntries(EXISTING, FILE, [
      { servedName: 'n', apiBase: 'http://gpu02:8000/v1' },
    ]);
    const { text, removed } = removeBackendEntries(merged, FILE, [
      'http://gpu01:8000/v1',
      'http://gpu02:8000/v1/',
    ]);
    expect(removed).toBe(3);
    expect(backends(text)).toEqual([
      [
        'Qwen3-VL-30B-A3B-Instruct',
        'http://10.0.0.1:8000/v1',
        'Qwen3-VL-30B-A3B-Instruct',
        1,
        null,
        'self_deployed',
      ],
    ]);
    expect(text).toContain('# the vision box, keep it');
    expect(removeBackendEntries(text, FILE, ['http://nowhere:1/v1'])).toEqual({ text, removed: 0 });
  });

  it('refuses to edit a file the router would reject, naming file and key', () => {
    expect(() =>
      mergeBackendEntries('model_list:\n  - model_name: x\n', FILE, [
        { servedName: 'm', apiBase: 'http://h:1/v1' },
      ]),
    ).toThrow(`${FILE}: model_list[0].litellm_params`);
    expect(() => mergeBackendEntries('model_list: [\n', FILE, [])).toThrow('invalid YAML');
  });
});
