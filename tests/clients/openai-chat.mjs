// The official `openai` npm client against the executor's chat-completions endpoint, as a user adopts Routing by
// changing base_url. Run by Routing.Cli.Tests (OfficialClientTests) against `routing up --agents` whose agents are a
// recording OpenAI-compatible server; that test checks what the server received, this script what the client got.
// Env: ROUTING_BASE_URL, ROUTING_API_KEY, ROUTING_RUN (keeps task ids and idempotency keys of runs apart).
// Prints one JSON line: the markers each scenario put in its last user message, for the test to find its requests.
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const run = process.env.ROUTING_RUN ?? String(Date.now());
const client = new OpenAI({ baseURL: process.env.ROUTING_BASE_URL, apiKey: process.env.ROUTING_API_KEY, maxRetries: 0 });

// A new task per scenario, opened by its first call (no Routing-specific call before).
const task = (name) => ({ 'X-Routing-Task-Id': `${name}-${run}`, 'X-Routing-Budget-Micros': '1000000' });

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const forceWeather = { type: 'function', function: { name: 'get_weather' } };

/** Reads a stream the usual way (`chunk.choices[0].delta`), folding tool-call deltas by index. */
async function collect(stream) {
  const result = { ids: new Set(), content: '', toolCalls: [], finish: null, usageChunks: 0, routing: null };
  for await (const chunk of stream) {
    result.ids.add(chunk.id);
    if (chunk.routing) result.routing = chunk.routing;
    if (chunk.choices.length === 0) {
      assert.ok(chunk.usage, 'a chunk without choices carries the usage');
      result.usageChunks++;
      continue;
    }
    const choice = chunk.choices[0];
    result.content += choice.delta.content ?? '';
    for (const call of choice.delta.tool_calls ?? []) {
      const slot = (result.toolCalls[call.index] ??= { id: '', name: '', arguments: '' });
      if (call.id) slot.id = call.id;
      if (call.function?.name) slot.name = call.function.name;
      slot.arguments += call.function?.arguments ?? '';
    }
    if (choice.finish_reason) result.finish = choice.finish_reason;
  }
  return result;
}

const markers = {};

// 1. Every field the executor does not own reaches the agent as sent, an image part and an unknown field included.
markers.passThrough = `pass-through ${run}`;
const image = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const passThroughBody = {
  model: 'small',
  messages: [
    { role: 'system', content: 'You are terse.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: markers.passThrough },
        { type: 'image_url', image_url: { url: image, detail: 'high' } },
      ],
    },
  ],
  temperature: 0.2,
  top_p: 0.9,
  stop: ['\nObservation:'],
  seed: 7,
  presence_penalty: 0.1,
  frequency_penalty: 0.2,
  user: 'user-42',
  response_format: { type: 'json_object' },
  logit_bias: { 50256: -100 },
  reasoning_effort: 'low',
  max_completion_tokens: 64,
  n: 1,
  parallel_tool_calls: false,
  tools: [weatherTool],
  tool_choice: 'none',
  x_vendor_extension: { keep: ['me', 1, true, null] },
};
const plain = await client.chat.completions.create(passThroughBody, { headers: task('pass-through') });
assert.equal(plain.choices[0].message.content, 'scripted answer');
markers.passThroughBody = passThroughBody;

// 2. A forced tool call comes back, not as plain text.
markers.forcedTool = `forced tool ${run}`;
const forced = await client.chat.completions.create(
  { model: 'small', messages: [{ role: 'user', content: markers.forcedTool }], tools: [weatherTool], tool_choice: forceWeather },
  { headers: task('forced-tool') },
);
assert.equal(forced.choices[0].finish_reason, 'tool_calls');
assert.equal(forced.choices[0].message.tool_calls[0].function.name, 'get_weather');
assert.deepEqual(JSON.parse(forced.choices[0].message.tool_calls[0].function.arguments), { city: 'Paris' });

// 3. Streamed and forced: tool-call deltas relayed, no usage chunk when not asked; then its replay under the same key.
markers.streamedTool = `streamed tool ${run}`;
const streamedRequest = {
  model: 'small',
  messages: [{ role: 'user', content: markers.streamedTool }],
  tools: [weatherTool],
  tool_choice: 'required',
  stream: true,
};
const streamedHeaders = { ...task('streamed-tool'), 'Idempotency-Key': `streamed-tool-${run}` };
const firstTry = await client.chat.completions.create(streamedRequest, { headers: streamedHeaders }).withResponse();
const first = await collect(firstTry.data);
assert.equal(first.usageChunks, 0, 'no usage chunk unless stream_options.include_usage');
assert.equal(first.finish, 'tool_calls');
assert.equal(first.toolCalls.length, 1);
assert.equal(first.toolCalls[0].name, 'get_weather');
assert.deepEqual(JSON.parse(first.toolCalls[0].arguments), { city: 'Paris' });
assert.equal(first.ids.size, 1, 'one completion id per stream');
assert.equal(firstTry.response.headers.get('x-routing-replay'), null);

const replayTry = await client.chat.completions.create(streamedRequest, { headers: streamedHeaders }).withResponse();
const replay = await collect(replayTry.data);
assert.equal(replayTry.response.headers.get('x-routing-replay'), 'true');
assert.deepEqual(replay.toolCalls, first.toolCalls, 'the replay reproduces the tool calls');
assert.deepEqual([...replay.ids], [...first.ids], 'the replay keeps the completion id');
assert.equal(replay.finish, 'tool_calls');
assert.equal(replay.routing.replayed, true);

// The same step asked for without streaming is the same request: its replay holds the same calls and id.
const replayPlain = await client.chat.completions.create({ ...streamedRequest, stream: false }, { headers: streamedHeaders }).withResponse();
assert.equal(replayPlain.response.headers.get('x-routing-replay'), 'true');
assert.equal(replayPlain.data.id, [...first.ids][0]);
assert.equal(replayPlain.data.choices[0].message.tool_calls[0].id, first.toolCalls[0].id);
assert.equal(replayPlain.data.choices[0].message.tool_calls[0].function.arguments, first.toolCalls[0].arguments);

// 4. A usage chunk when asked, exactly one, last before [DONE].
markers.usage = `usage ${run}`;
const withUsage = await collect(await client.chat.completions.create(
  { model: 'small', messages: [{ role: 'user', content: markers.usage }], stream: true, stream_options: { include_usage: true } },
  { headers: task('usage') },
));
assert.equal(withUsage.usageChunks, 1);
assert.equal(withUsage.content, 'scripted answer');
assert.ok(withUsage.routing.cost_micros > 0);

// 5. The key reused for another body is refused, in OpenAI's error shape, naming the header.
await assert.rejects(
  client.chat.completions.create(
    { model: 'small', messages: [{ role: 'user', content: `${markers.streamedTool} but different` }], tools: [weatherTool], tool_choice: 'required' },
    { headers: streamedHeaders },
  ),
  (e) => {
    assert.ok(e instanceof OpenAI.APIError, String(e));
    assert.equal(e.status, 422);
    assert.equal(e.param, 'Idempotency-Key');
    assert.match(e.message, /Idempotency-Key/);
    return true;
  },
);

// 6. Mistakes a client can act on: n > 1 named, a model by id, an unknown one, an unknown route, all in OpenAI's shape.
await assert.rejects(
  client.chat.completions.create({ model: 'small', n: 2, messages: [{ role: 'user', content: 'two' }] }, { headers: task('n') }),
  (e) => e instanceof OpenAI.BadRequestError && e.param === 'n',
);
assert.equal((await client.models.retrieve('small')).id, 'small');
await assert.rejects(client.models.retrieve('no-such-model'), (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found');
await assert.rejects(client.embeddings.create({ model: 'small', input: 'x' }), (e) => e instanceof OpenAI.NotFoundError && e.code === 'unknown_url');

console.log(JSON.stringify(markers));
