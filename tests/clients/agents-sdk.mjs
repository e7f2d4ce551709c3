// An OpenAI Agents SDK agent with one function tool completes its tool loop, in chat_completions and responses modes.
import OpenAI from 'openai';
import { Agent, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, tool } from '@openai/agents';
import { apiKey, baseURL, check, openTask, weatherSchema } from './routing-env.mjs';

setTracingDisabled(true);
for (const api of ['chat_completions', 'responses']) {
  const taskId = await openTask(`agents-${api.replace('_', '')}${process.pid}`);
  setDefaultOpenAIClient(new OpenAI({ apiKey, baseURL, defaultHeaders: { 'X-Routing-Task-Id': taskId } }));
  setOpenAIAPI(api);
  let calls = 0;
  const getWeather = tool({
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: weatherSchema,
    strict: true,
    execute: async ({ city }) => { calls++; return `rain in ${city}`; },
  });
  const agent = new Agent({ name: 'weather', instructions: 'Answer with the weather tool.', model: 'auto', tools: [getWeather] });
  const result = await run(agent, 'Weather in Oslo?', { maxTurns: 4 });
  check(calls === 1, `${api}: the tool ran ${calls} times`);
  check(typeof result.finalOutput === 'string' && result.finalOutput.length > 0, `${api}: no final output`);
  console.log(`agents sdk ${api}: ok`);
}
