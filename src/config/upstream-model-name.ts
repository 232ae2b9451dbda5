/** LiteLLM provider prefixes that mean "an OpenAI-compatible endpoint"; anything else is part of the name. */
const PROVIDERS = new Set([
  'openai',
  'hosted_vllm',
  'vllm',
  'sglang',
  'custom_openai',
  'text-completion-openai',
  'openai_like',
  'azure',
  'deepseek',
  'together_ai',
  'groq',
  'openrouter',
  'fireworks_ai',
  'mistral',
  'ollama',
  'ollama_chat',
  'xai',
  'dashscope',
  'moonshot',
  'volcengine',
]);

/** `openai/Qwen/Qwen3-8B` -> `Qwen/Qwen3-8B`; `Qwen/Qwen3-8B` (no provider) stays whole. */
export function upstreamModelName(litellmModel: string): string {
  const slash = litellmModel.indexOf('/');
  if (slash <= 0) return litellmModel;
  const prefix = litellmModel.slice(0, slash).toLowerCase();
  return PROVIDERS.has(prefix) ? litellmModel.slice(slash + 1) : litellmModel;
}
