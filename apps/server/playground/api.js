// HTTP to the server the page points at: JSON requests, server-sent events, the curl equivalent.

/** The connection settings: base URL ('' = this page's server) and API key. */
export function connection() {
  return {
    base: document.getElementById('server-url').value.trim().replace(/\/+$/, ''),
    key: document.getElementById('api-key').value.trim(),
  };
}

function headers(conn) {
  const h = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
  if (conn.key) h.Authorization = `Bearer ${conn.key}`;
  return h;
}

/** An error response as an Error whose message is the envelope's (status and param kept). */
async function failure(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: the status alone
  }
  const e = body?.error;
  const error = new Error(e?.message ?? `HTTP ${res.status}`);
  error.status = res.status;
  error.param = e?.param ?? null;
  error.body = body;
  return error;
}

export async function getJson(conn, path) {
  const res = await fetch(conn.base + path, { headers: headers(conn) });
  if (!res.ok) throw await failure(res);
  return res.json();
}

export async function postJson(conn, path, body, signal) {
  const res = await fetch(conn.base + path, { method: 'POST', headers: headers(conn), body: JSON.stringify(body), signal });
  if (!res.ok) throw await failure(res);
  return res.json();
}

/** POSTs and yields each `data:` event's JSON until `[DONE]`. */
export async function* postStream(conn, path, body, signal) {
  const res = await fetch(conn.base + path, { method: 'POST', headers: headers(conn), body: JSON.stringify(body), signal });
  if (!res.ok) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      const data = event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data === '[DONE]') return;
      if (data !== '') yield JSON.parse(data);
    }
  }
}

/** The same request as a curl command (the key shown as $TEXTGEN_API_KEY when one is set). */
export function curlCommand(conn, path, body) {
  const url = (conn.base || location.origin) + path;
  const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;
  const lines = [`curl ${quote(url)}`, `-H 'Content-Type: application/json'`];
  if (conn.key) lines.push(`-H "Authorization: Bearer $TEXTGEN_API_KEY"`);
  if (body.stream) lines.push('-N');
  lines.push(`-d ${quote(JSON.stringify(body))}`);
  return lines.join(' \\\n  ');
}
