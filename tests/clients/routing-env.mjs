// What every client script needs from its environment: the executor's OpenAI base URL (…/v1), an API key, and a
// simulated task to open (the host serves simulated agents, whose task ids name simulated tasks).
export const baseURL = required('ROUTING_BASE_URL');
export const apiKey = required('ROUTING_API_KEY');

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`set ${name}`);
  }
  return value;
}

/**
 * Opens a task with a budget and returns its id; `name` keeps the scripts' episodes apart. A hard simulated task
 * (bin 4), so that its episode does not end within the few steps a script takes.
 */
export async function openTask(name, limitMicros = 50_000_000) {
  const taskId = `coding-4-7~${name.replace(/[^a-z0-9_]/g, '').slice(0, 32)}`;
  const response = await fetch(`${baseURL}/routing/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ task_id: taskId, limit_micros: limitMicros }),
  });
  if (!response.ok) {
    throw new Error(`opening ${taskId}: ${response.status} ${await response.text()}`);
  }
  return taskId;
}

export function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

export const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
};
