import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../tools/sim/index.ts';
import {
  closeAll,
  inferenceCount,
  startSims,
  startTestRouter,
  type TestRouter,
} from '../support/router-fixture.ts';

describe('forwarding to the upstream', () => {
  let exactSim: SimServer;
  let aliasSim: SimServer;
  let keyedSim: SimServer;
  let otherSim: SimServer;
  let keylessSim: SimServer;
  let passSims: SimServer[];
  let router: TestRouter;

  beforeAll(async () => {
    [exactSim, aliasSim, keyedSim, otherSim, keylessSim, ...passSims] = (await startSims([
      { models: ['exact-model'], ttftMs: 1, tokensPerSecond: 1000 },
      { models: ['real-name'], ttftMs: 1, tokensPerSecond: 1000 },
      { models: ['keyed-model'], ttftMs: 1, tokensPerSecond: 1000, apiKey: 'backend-secret' },
      { models: ['other-model'], ttftMs: 1, tokensPerSecond: 1000 },
      { models: ['keyless-model'], ttftMs: 1, tokensPerSecond: 1000 },
      { models: ['pass-model'], ttftMs: 1, tokensPerSecond: 1000 },
      { models: ['pass-model'], ttftMs: 1, tokensPerSecond: 1000 },
    ])) as [SimServer, SimServer, SimServer, SimServer, SimServer, ...SimServer[]];
    router = await startTestRouter({
      backends: [
        { model_name: 'exact-model', api_base: exactSim },
        { model_name: 'public-name', api_base: aliasSim, model: 'openai/real-name' },
        { model_name: 'keyed-model', api_base: keyedSim, api_key: 'backend-secret' },
        { model_name: 'other-model', api_base: otherSim },
        { model_name: 'keyless-model', api_base: keylessSim, api_key: null },
        { model_name: 'pass-model', api_base: passSims[0]! },
        { model_name: 'pass-model', api_base: passSims[1]! },
      ],
    });
  });

  afterAll(async () => {
    await router?.close();
    await closeAll([exactSim, aliasSim, keyedSim, otherSim, keylessSim, ...(passSims ?? [])]);
  });

  const post = (body: string, headers: Record<string, string> = {}, path = 'chat/completions') =>
    fetch(`${router.url}/v1/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('forwards the body byte for byte when model_name equals the upstream name', async () => {
    const body =
      '{\n  "messages" : [ {"role":"user", "content":"h\\u00e9llo \\"model\\": \\"nope\\" ✓", "model":"nested-model"},\n' +
      '\t{"role":"assistant","content":"ok","extra":{"model":{"model":"deeper"}}} ],\r\n' +
      '  "model"   :   "exact-model" ,"max_tokens":2,  "temperature": 0.50  ,"tail":[1, 2 ,3]  }  \n';
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-llm-router-backend')).toBe(`exact-model@${exactSim.url}`);
    await res.arrayBuffer();
    const stats = exactSim.stats();
    expect(stats.lastBody).toBe(body);
    expect(stats.lastHeaders?.['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(stats.lastHeaders?.['content-type']).toBe('application/json');
  });

  it('rewrites only the top-level model for an alias, leaving every other byte alone', async () => {
    const prefix = '{ "messages":[{"role":"user","content":"hi","model":"public-name"}],  "model" :  ';
    const suffix = ' ,\n "max_tokens": 1, "metadata": {"model": "public-name"} }';
    const res = await post(`${prefix}"public-name"${suffix}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-llm-router-backend')).toBe(`public-name@${aliasSim.url}`);
    const json = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(json.choices[0]?.message.content).toBe('lorem ');
    const forwarded = `${prefix}"real-name"${suffix}`;
    expect(aliasSim.stats().lastBody).toBe(forwarded);
    expect(aliasSim.stats().lastHeaders?.['content-length']).toBe(String(Buffer.byteLength(forwarded)));
  });

  it('rewrites the alias for SDK requests too', async () => {
    const completion = await router.client().chat.completions.create({
      model: 'public-name',
      messages: [{ role: 'user', content: 'via sdk' }],
      max_tokens: 1,
    });
    expect(completion.choices[0]?.message.content).toBe('lorem ');
    const forwarded = JSON.parse(aliasSim.stats().lastBody ?? '{}') as { model: string; messages: unknown };
    expect(forwarded.model).toBe('real-name');
    expect(forwarded.messages).toEqual([{ role: 'user', content: 'via sdk' }]);
  });

  it("sends the backend's key upstream and never the client's", async () => {
    const client = router.client('client-secret-key');
    const completion = await client.chat.completions.create({
      model: 'keyed-model',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 1,
    });
    expect(completion.choices[0]?.message.content).toBe('lorem ');
    const stats = keyedSim.stats();
    expect(stats.lastAuthorization).toBe('Bearer backend-secret');
    expect(JSON.stringify(stats.lastHeaders)).not.toContain('client-secret-key');
  });

  it('passes an upstream 400 through verbatim and does not retry it', async () => {
    const before = passSims.map((sim) => inferenceCount(sim));
    const error = await router
      .client()
      .chat.completions.create({ model: 'pass-model', messages: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    // The sim's message and its vLLM-style numeric code: the router did not rewrite the answer.
    expect(apiError.message).toContain('`messages` must be a non-empty array.');
    expect(apiError.code).toBe(400);
    expect(apiError.headers?.get('x-llm-router-backend')).toMatch(/^pass-model@/);
    const after = passSims.map((sim) => inferenceCount(sim));
    expect(after[0]! + after[1]! - before[0]! - before[1]!).toBe(1);
  });

  it('sends no Authorization upstream when the backend has no key', async () => {
    const res = await post('{"model":"keyless-model","messages":[{"role":"user","content":"hi"}]}', {
      authorization: 'Bearer client-secret-key',
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(keylessSim.stats().lastAuthorization).toBeNull();
    expect(JSON.stringify(keylessSim.stats().lastHeaders)).not.toContain('client-secret-key');
  });

  it('passes a client X-Request-Id through both ways', async () => {
    const res = await post('{"model":"exact-model","messages":[{"role":"user","content":"hi"}]}', {
      'x-request-id': 'client-req.42:abc',
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(res.headers.get('x-request-id')).toBe('client-req.42:abc');
    expect(exactSim.stats().lastHeaders?.['x-request-id']).toBe('client-req.42:abc');
  });

  it('generates an X-Request-Id when the client sends none, the same one up and down', async () => {
    const res = await post('{"model":"exact-model","messages":[{"role":"user","content":"hi"}]}');
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(exactSim.stats().lastHeaders?.['x-request-id']).toBe(id);
    const second = await post('{"model":"exact-model","messages":[{"role":"user","content":"hi"}]}');
    await second.arrayBuffer();
    expect(second.headers.get('x-request-id')).not.toBe(id);
  });

  it('forwards traceparent, tracestate, User-Agent, Accept and OpenAI-Beta headers', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await post('{"model":"exact-model","messages":[{"role":"user","content":"hi"}]}', {
      traceparent,
      tracestate: 'vendor=abc',
      'user-agent': 'e2e-test/1.0',
      accept: 'application/json',
      'openai-beta': 'assistants=v2',
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const headers = exactSim.stats().lastHeaders ?? {};
    expect(headers.traceparent).toBe(traceparent);
    expect(headers.tracestate).toBe('vendor=abc');
    expect(headers['user-agent']).toBe('e2e-test/1.0');
    expect(headers.accept).toBe('application/json');
    expect(headers['openai-beta']).toBe('assistants=v2');
  });

  it('routes by the top-level model only, never by a nested or quoted "model"', async () => {
    const before = inferenceCount(exactSim);
    const body =
      '{"messages":[{"role":"user","content":"\\"model\\":\\"exact-model\\"","model":"exact-model"}],' +
      '"tools":[{"model":"exact-model"}],"model":"other-model"}';
    const res = await post(body);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(res.headers.get('x-llm-router-backend')).toBe(`other-model@${otherSim.url}`);
    expect(otherSim.stats().lastBody).toBe(body);
    expect(inferenceCount(exactSim)).toBe(before);
  });

  it('answers 400 when "model" appears only nested', async () => {
    const res = await post('{"messages":[{"role":"user","content":"hi","model":"exact-model"}]}');
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { message: string } };
    expect(json.error.message).toBe("missing or empty 'model' field");
  });

  it('forwards the query string unchanged (hosted APIs read parameters there)', async () => {
    const res = await post(
      '{"model":"exact-model","messages":[{"role":"user","content":"hi"}],"max_tokens":1}',
      {},
      'chat/completions?api-version=2024-06-01&x=a%20b',
    );
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(exactSim.stats().lastUrl).toBe('/v1/chat/completions?api-version=2024-06-01&x=a%20b');
  });

  it('forwards any JSON POST /v1/<path> to <api_base>/<path> and passes an upstream 404 through once', async () => {
    const res = await post('{"model":"pass-model","query":"q","documents":["a"]}', {}, 'rerank');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-llm-router-backend')).toMatch(/^pass-model@/);
    const json = (await res.json()) as { error: { message: string; code: number } };
    // The sim's own envelope (code is the numeric status, as vLLM sends), not one the router made up.
    expect(json.error).toMatchObject({ message: 'Not Found', code: 404 });
    const hits = passSims.map((sim) => inferenceCount(sim, '/v1/rerank'));
    expect(hits.reduce((a, b) => a + b, 0)).toBe(1);
  });
});
