// A forced tool call through /v1/responses with the official openai SDK, streamed and not, then previous_response_id.
import OpenAI from 'openai';
import { apiKey, baseURL, check, openTask, weatherSchema } from './routing-env.mjs';

// One task per conversation: previous_response_id continues a response of the same task.
const clientFor = async (name) => new OpenAI({ apiKey, baseURL, defaultHeaders: { 'X-Routing-Task-Id': await openTask(`${name}${process.pid}`) } });
const client = await clientFor('responses');
const tools = [{ type: 'function', name: 'get_weather', description: 'The weather in a city', parameters: weatherSchema, strict: true }];
const ask = { model: 'auto', input: 'Weather in Oslo?', tools, tool_choice: { type: 'function', name: 'get_weather' } };

const whole = await client.responses.create(ask);
const call = whole.output.find((i) => i.type === 'function_call');
check(call?.name === 'get_weather' && typeof JSON.parse(call.arguments).city === 'string', `not a forced tool call: ${JSON.stringify(whole)}`);

let sawDelta = false;
let completed;
for await (const event of await (await clientFor('responsesstream')).responses.create({ ...ask, stream: true })) {
  sawDelta ||= event.type === 'response.function_call_arguments.delta';
  if (event.type === 'response.completed') {
    completed = event.response;
  }
}
check(sawDelta && completed?.output.some((i) => i.type === 'function_call') && completed.usage.total_tokens > 0, `streamed: ${JSON.stringify(completed)}`);

const answer = await client.responses.create({
  model: 'auto', previous_response_id: whole.id, tools,
  input: [{ type: 'function_call_output', call_id: call.call_id, output: 'rain' }],
});
check(answer.output_text.length > 0, `no text after the tool result: ${JSON.stringify(answer)}`);
console.log('openai responses: ok');
