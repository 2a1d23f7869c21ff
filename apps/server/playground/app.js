// The playground's wiring: loads the schema and presets, sends completions (streamed or not),
// fills the token view, the sampler view, the request/response JSON and the curl command.
import { connection, curlCommand, getJson, postJson, postStream } from './api.js';
import { buildComposer } from './composer.js';
import { renderTrace } from './sampler.js';
import { TokenView } from './tokens.js';

const $ = (id) => document.getElementById(id);
const tokens = new TokenView($('tokens'), $('token-tip'));
let composer = null;
let running = null;
let traceTimer = 0;
let traceSeq = 0;

function say(id, text, isError = false) {
  $(id).textContent = text;
  $(id).classList.toggle('error', isError);
}

function describe(error) {
  return error.status ? `${error.status}: ${error.message}${error.param ? ` (param: ${error.param})` : ''}` : String(error.message ?? error);
}

function showRequest() {
  const body = composer.read();
  $('request-json').textContent = JSON.stringify(body, null, 2);
  $('curl').textContent = curlCommand(connection(), '/v1/completions', body);
  return body;
}

/** Fills the model field with the server's model and lists its presets. */
async function connect() {
  const conn = connection();
  try {
    const models = await getJson(conn, '/v1/models');
    const model = $('field-model');
    if (model && !model.value) model.value = models.data[0]?.id ?? '';
    say('server-status', `Connected: ${models.data.map((m) => m.id).join(', ')}`);
    await listPresets();
  } catch (error) {
    say('server-status', `Not connected: ${describe(error)}`, true);
  }
  showRequest();
}

/** The server's presets, offered as suggestions of the preset field. */
async function listPresets() {
  const list = document.getElementById('preset-names');
  try {
    const presets = (await getJson(connection(), '/v1/internal/presets')).data ?? [];
    list?.replaceChildren(...presets.map((p) => Object.assign(document.createElement('option'), { value: p.name })));
  } catch {
    list?.replaceChildren();
  }
}

async function send(event) {
  event.preventDefault();
  running?.abort();
  const body = showRequest();
  const controller = new AbortController();
  running = controller;
  $('send').disabled = true;
  $('stop').disabled = false;
  tokens.reset(body.echo && typeof body.prompt === 'string' ? body.prompt.length : 0);
  $('response-json').textContent = '';
  say('status', body.stream ? 'Streaming…' : 'Waiting…');
  try {
    if (body.stream) await streamCompletion(body, controller.signal);
    else showCompletion(await postJson(connection(), '/v1/completions', body, controller.signal));
  } catch (error) {
    say('status', controller.signal.aborted ? 'Stopped.' : `Error ${describe(error)}`, !controller.signal.aborted);
    if (error.body) $('response-json').textContent = JSON.stringify(error.body, null, 2);
  } finally {
    if (running === controller) running = null;
    $('send').disabled = false;
    $('stop').disabled = true;
  }
}

function addChoice(choice) {
  if (choice.index !== 0) return; // the views show the first choice; the JSON shows them all
  if (choice.logprobs?.tokens) tokens.addLogprobs(choice.logprobs);
  else tokens.addText(choice.text);
}

async function streamCompletion(body, signal) {
  const lines = [];
  let chunks = 0;
  let finish = null;
  for await (const chunk of postStream(connection(), '/v1/completions', body, signal)) {
    chunks++;
    for (const choice of chunk.choices ?? []) {
      addChoice(choice);
      finish = choice.finish_reason ?? finish;
    }
    lines.push(`data: ${JSON.stringify(chunk)}`);
    $('response-json').textContent = lines.join('\n\n');
  }
  say('status', `Done: ${chunks} chunks, finish_reason ${finish}.`);
}

function showCompletion(response) {
  for (const choice of response.choices) addChoice(choice);
  $('response-json').textContent = JSON.stringify(response, null, 2);
  const u = response.usage;
  say('status', `Done: finish_reason ${response.choices[0]?.finish_reason}, ${u?.completion_tokens} tokens.`);
}

/** Asks the server for the stage-by-stage distribution of the next token. */
async function trace() {
  const seq = ++traceSeq;
  // The trace takes the sampling parameters only: the fields that shape a completion's output are left out.
  const { stream, stream_options, n, best_of, echo, logprobs, suffix, ...body } = composer.read();
  say('trace-status', 'Tracing…');
  try {
    const result = await postJson(connection(), '/v1/internal/sampler-trace', { ...body, top_logits: 12 });
    if (seq !== traceSeq) return;
    const n = renderTrace($('sampler'), result);
    say('trace-status', `${n} token${n === 1 ? '' : 's'} left to sample from.`);
  } catch (error) {
    if (seq === traceSeq) say('trace-status', `Error ${describe(error)}`, true);
  }
}

function changed() {
  showRequest();
  if (!$('trace-live').checked) return;
  clearTimeout(traceTimer);
  traceTimer = setTimeout(trace, 250);
}

async function start() {
  const schemaDoc = await fetch('/playground/schema.json', { headers: { 'Content-Type': 'application/json' } }).then((r) => r.json());
  composer = buildComposer($('fields'), schemaDoc);
  $('composer').addEventListener('submit', send);
  $('composer').addEventListener('input', changed);
  $('composer').addEventListener('change', changed);
  $('stop').addEventListener('click', () => running?.abort());
  $('reset').addEventListener('click', () => {
    composer.reset();
    connect().then(changed);
  });
  $('trace').addEventListener('click', trace);
  $('connection').addEventListener('change', () => connect().then(changed));
  $('connection').addEventListener('submit', (e) => e.preventDefault());
  await connect();
  await trace();
  document.body.dataset.ready = 'true';
}

start().catch((error) => say('status', `The playground could not start: ${describe(error)}`, true));
