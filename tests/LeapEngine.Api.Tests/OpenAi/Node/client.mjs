// The official openai npm package against LeapEngine, as a customer would point it: base URL and key only.
// Prints one JSON object of what it saw; OfficialNodeClientTests checks it against the server and the model.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.LEAP_BASE_URL, apiKey: process.env.LEAP_API_KEY, maxRetries: 0 });
const messages = [{ role: "user", content: "Once upon a time, there was a cat." }];
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => m.id);

const chat = await client.chat.completions.create({
  model: "stories260K", messages, temperature: 0, max_tokens: 12, logprobs: true, top_logprobs: 3,
});
out.chat = {
  text: chat.choices[0].message.content,
  finish: chat.choices[0].finish_reason,
  usage: chat.usage,
  logprobs: chat.choices[0].logprobs.content.map((t) => ({ token: t.token, logprob: t.logprob, top: t.top_logprobs.length })),
};

const stream = await client.chat.completions.create({
  model: "stories260K", messages, temperature: 0, max_tokens: 12, stream: true, stream_options: { include_usage: true },
});
let streamed = "";
let streamUsage = null;
for await (const chunk of stream) {
  for (const choice of chunk.choices) streamed += choice.delta?.content ?? "";
  if (chunk.usage) streamUsage = chunk.usage;
}
out.stream = { text: streamed, usage: streamUsage };

const completion = await client.completions.create({
  model: "stories260K", prompt: process.env.LEAP_PROMPT, echo: true, logprobs: 1, max_tokens: 0,
});
out.completion = { text: completion.choices[0].text, token_logprobs: completion.choices[0].logprobs.token_logprobs };

try {
  await client.chat.completions.create({ model: "stories260K", messages, temperature: 5 });
  out.error = null;
} catch (e) {
  out.error = { name: e.constructor.name, status: e.status, type: e.type, code: e.code, param: e.param, message: e.message };
}

console.log(JSON.stringify(out));
