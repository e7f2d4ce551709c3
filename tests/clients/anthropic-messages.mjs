// A forced tool call through /v1/messages with the official Anthropic SDK, streamed and not, then the tool result.
import Anthropic from '@anthropic-ai/sdk';
import { apiKey, baseURL, check, openTask, weatherSchema } from './routing-env.mjs';

// One task per conversation; the SDK appends /v1/messages to its base URL.
const clientFor = async (name) =>
  new Anthropic({ apiKey, baseURL: baseURL.replace(/\/v1$/, ''), defaultHeaders: { 'X-Routing-Task-Id': await openTask(`${name}${process.pid}`) } });
const client = await clientFor('anthropic');
const tools = [{ name: 'get_weather', description: 'The weather in a city', input_schema: weatherSchema }];
const ask = { model: 'auto', max_tokens: 256, tools, tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'Weather in Oslo?' }] };

const whole = await client.messages.create(ask);
const use = whole.content.find((b) => b.type === 'tool_use');
check(whole.stop_reason === 'tool_use' && use?.name === 'get_weather' && typeof use.input.city === 'string', `not a forced tool call: ${JSON.stringify(whole)}`);

const stream = (await clientFor('anthropicstream')).messages.stream(ask);
const streamed = await stream.finalMessage();
const streamedUse = streamed.content.find((b) => b.type === 'tool_use');
check(streamed.stop_reason === 'tool_use' && streamedUse?.name === 'get_weather' && typeof streamedUse.input.city === 'string', `streamed: not a forced tool call: ${JSON.stringify(streamed)}`);

const answer = await client.messages.create({
  model: 'auto', max_tokens: 256, tools,
  messages: [...ask.messages, { role: 'assistant', content: whole.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'rain' }] }],
});
check(answer.content.some((b) => b.type === 'text'), `no text after the tool result: ${JSON.stringify(answer)}`);
console.log('anthropic messages: ok');
