// End-to-end test: a WHATWG EventSource client (the `eventsource` package) follows the whole
// operator-backend flow: token, stream, published events, replay rejection, the principal
// fallback and the shutdown event.
//
// Usage: node flow.mjs BASE_URL PRINCIPAL_TOKEN SERVER_PID
// The server must be fresh (no traffic yet), started with the principal `operator` whose token
// is PRINCIPAL_TOKEN. The script sends SIGTERM to SERVER_PID at the end. Every wait is for an
// event or a response, bounded by a timeout; the first failed check exits with status 1.
import assert from 'node:assert/strict';
import EventSource from 'eventsource';

const [base, principal, serverPidArg] = process.argv.slice(2);
if (!base || !principal || !serverPidArg) {
  console.error('usage: node flow.mjs BASE_URL PRINCIPAL_TOKEN SERVER_PID');
  process.exit(2);
}
const serverPid = Number(serverPidArg);

const STEP_TIMEOUT_MS = 5000;   // any single wait: a response, an event, an error
const TOTAL_TIMEOUT_MS = 45000; // the whole script
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STREAM = `${base}/operator/api/events/stream`;
const SERVICE = { service: 'operator-backend' };

let passed = 0;
const sources = []; // every EventSource opened, closed on exit

function finish(code) {
  for (const es of sources) es.close();
  console.log(`${passed} passed, ${code === 0 ? 0 : 1} failed`);
  process.exit(code);
}

function fail(message) {
  console.log(`FAIL - ${String(message).trimEnd()}`);
  finish(1);
}

setTimeout(() => fail(`the whole flow took longer than ${TOTAL_TIMEOUT_MS} ms`),
           TOTAL_TIMEOUT_MS).unref();
process.on('unhandledRejection', (e) => fail(`unexpected: ${e?.stack ?? e}`));

// Runs one named check; any exception fails the run with the check's name and the reason.
async function check(name, fn) {
  try {
    const result = await fn();
    console.log(`ok   - ${name}`);
    passed += 1;
    return result;
  } catch (e) {
    fail(`${name}: ${e?.message ?? e}`);
  }
}

function withTimeout(promise, what, ms = STEP_TIMEOUT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function request(method, path, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const res = await withTimeout(
    fetch(base + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) }),
    `${method} ${path}`);
  const text = await withTimeout(res.text(), `the body of ${method} ${path}`);
  return { status: res.status, headers: res.headers, text };
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not JSON: ${JSON.stringify(text)}`);
  }
}

async function newToken() {
  const r = await request('POST', '/operator/api/events/sse-token', { token: principal });
  assert.equal(r.status, 200, `POST sse-token answered ${r.status}: ${r.text}`);
  const j = parseJson(r.text, 'the token response');
  assert.match(String(j.token), UUID, `token is not a UUID: ${r.text}`);
  return j;
}

// The exposition format's samples as [{name, labels, value}].
async function scrape() {
  const r = await request('GET', '/metrics');
  assert.equal(r.status, 200, `/metrics answered ${r.status}`);
  const samples = [];
  for (const line of r.text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2];
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

// The one sample of `name` whose labels include `labels`.
function sample(samples, name, labels = SERVICE) {
  const found = samples.filter((s) => s.name === name &&
    Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.equal(found.length, 1,
    `expected one sample of ${name}${JSON.stringify(labels)} in the scrape, found ${found.length}`);
  return found[0].value;
}

// Resolves with the next event of `type` on `es`. Rejects at once if the EventSource reports an
// error first (unless `type` is 'error'), and after the step timeout.
function nextEvent(es, type, what) {
  return withTimeout(new Promise((resolve, reject) => {
    const onEvent = (ev) => { done(); resolve(ev); };
    const onError = (ev) => {
      done();
      reject(new Error(`EventSource error before the '${type}' event: status ${ev.status ?? 'none'}` +
                       `${ev.message ? `, ${ev.message}` : ''}, readyState ${es.readyState}`));
    };
    const done = () => {
      es.removeEventListener(type, onEvent);
      if (type !== 'error') es.removeEventListener('error', onError);
    };
    es.addEventListener(type, onEvent);
    if (type !== 'error') es.addEventListener('error', onError);
  }), `the '${type}' event (${what})`);
}

function open(url) {
  const es = new EventSource(url);
  sources.push(es);
  return es;
}

// Waits for `ready` on a new EventSource and checks its data; returns the parsed data.
async function expectReady(es, auth) {
  let opened = false;
  es.addEventListener('open', () => { opened = true; });
  const ev = await nextEvent(es, 'ready', `${auth} stream`);
  assert.ok(opened, "'open' was not dispatched before 'ready'");
  assert.equal(es.readyState, EventSource.OPEN, 'readyState is not OPEN after ready');
  const data = parseJson(ev.data, 'the ready data');
  assert.equal(data.auth, auth, `ready data: ${ev.data}`);
  assert.equal(data.principal, 'operator', `ready data: ${ev.data}`);
  assert.match(String(data.stream_id), UUID, `ready data: ${ev.data}`);
  assert.equal(ev.lastEventId, '', 'ready should carry no id');
  return data;
}

async function publish(body) {
  const r = await request('POST', '/operator/api/events', { token: principal, body });
  assert.equal(r.status, 202, `POST /operator/api/events answered ${r.status}: ${r.text}`);
  const j = parseJson(r.text, 'the publish response');
  assert.ok(Number.isInteger(j.id) && j.id > 0, `publish response without an id: ${r.text}`);
  return j;
}

// A stream read with fetch, to see the response headers and raw bytes a browser would get.
async function rawStream(token) {
  const controller = new AbortController();
  const res = await withTimeout(
    fetch(`${STREAM}?token=${token}`, { headers: { Accept: 'text/event-stream' }, signal: controller.signal }),
    'the raw stream response');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let ended = false;
  // Reads until `pattern` appears in the stream, or (pattern null) until the server closes it.
  const readUntil = (pattern, what) => withTimeout((async () => {
    while (pattern === null ? !ended : !pattern.test(text)) {
      if (ended) throw new Error(`the stream ended before ${what}; it sent: ${JSON.stringify(text)}`);
      const { value, done } = await reader.read();
      if (done) ended = true; else text += decoder.decode(value, { stream: true });
    }
    return text;
  })(), what);
  return { res, readUntil, abort: () => controller.abort() };
}

const m0 = await check('a first scrape answers', scrape);

// --- the ephemeral flow ---------------------------------------------------------------------
const issued = await check('POST sse-token gives a UUID token for 60 s', async () => {
  const j = await newToken();
  assert.equal(j.expires_in, 60, `expires_in: ${j.expires_in}`);
  assert.ok(!Number.isNaN(Date.parse(j.expires_at)), `expires_at is not a date: ${j.expires_at}`);
  return j;
});
const streamUrl = `${STREAM}?token=${issued.token}`;

const es = open(streamUrl);
await check("EventSource with the token gets 'ready' (auth ephemeral)", () => expectReady(es, 'ephemeral'));

const deployBody = { event: 'deploy', service: 'operator-ui', version: '7.0.1', note: 'déploiement ✓' };
await check("a published 'deploy' event reaches addEventListener('deploy') with its id", async () => {
  const received = nextEvent(es, 'deploy', 'published deploy');
  const pub = await publish(deployBody);
  assert.equal(pub.event, 'deploy');
  assert.equal(pub.streams, 1, `delivered to ${pub.streams} streams, expected the one open`);
  const ev = await received;
  assert.equal(ev.lastEventId, String(pub.id), `lastEventId ${ev.lastEventId}, published id ${pub.id}`);
  assert.deepEqual(parseJson(ev.data, 'the deploy data'), deployBody);
  return pub;
});

await check("an event without a name arrives as 'message' with a later id", async () => {
  const received = nextEvent(es, 'message', 'published message');
  const pub = await publish({ text: 'plain message' });
  assert.equal(pub.event, 'message');
  const ev = await received;
  assert.equal(ev.lastEventId, String(pub.id));
  assert.ok(pub.id > 1, `ids should increase: ${pub.id}`);
  assert.deepEqual(parseJson(ev.data, 'the message data'), { text: 'plain message' });
});

await check('close() sets readyState CLOSED', () => {
  es.close();
  assert.equal(es.readyState, EventSource.CLOSED);
});

// --- a reused token -------------------------------------------------------------------------
await check('a reused token fails the EventSource: error, readyState CLOSED, no reconnect', async () => {
  const replay = open(streamUrl);
  const accepted = nextEvent(replay, 'open', 'replayed token').then(
    () => { throw new Error('the stream opened: the reused token was accepted'); },
    () => new Promise(() => {}));  // no 'open' (the expected case): let 'error' decide
  const ev = await Promise.race([nextEvent(replay, 'error', 'replayed token'), accepted]);
  assert.equal(replay.readyState, EventSource.CLOSED,
    `readyState ${replay.readyState} after the error: the client would retry`);
  // `status` is this client's extension to the error event; a browser shows no status.
  if (ev.status !== undefined) assert.equal(ev.status, 401, `error status ${ev.status}`);
});

await check('the replay is counted in vx11_operator_ephemeral_tokens_invalid_total', async () => {
  const m = await scrape();
  const invalid = sample(m, 'vx11_operator_ephemeral_tokens_invalid_total') -
                  sample(m0, 'vx11_operator_ephemeral_tokens_invalid_total');
  assert.equal(invalid, 1, `invalid_total went up by ${invalid}`);
  const reason = { ...SERVICE, reason: 'replayed' };
  const replayed = sample(m, 'vx11_operator_sse_auth_failures_total', reason) -
                   sample(m0, 'vx11_operator_sse_auth_failures_total', reason);
  assert.equal(replayed, 1, `auth_failures_total{reason="replayed"} went up by ${replayed}`);
});

// --- the principal fallback -----------------------------------------------------------------
const fallback = open(`${STREAM}?token=${encodeURIComponent(principal)}`);
await check("a principal token in the query opens a stream: 'ready' with auth principal",
            () => expectReady(fallback, 'principal'));

await check('the stream is counted in vx11_operator_sse_connections_principal_total', async () => {
  const m = await scrape();
  const name = 'vx11_operator_sse_connections_principal_total';
  assert.equal(sample(m, name) - sample(m0, name), 1);
});

// --- shutdown -------------------------------------------------------------------------------
const late = open(`${STREAM}?token=${(await check('a second token', newToken)).token}`);
await check("a second ephemeral EventSource gets 'ready'", () => expectReady(late, 'ephemeral'));

const raw = await check('a raw stream answers 200 with Content-Type text/event-stream, retry and ready',
                        async () => {
  const s = await rawStream((await newToken()).token);
  assert.equal(s.res.status, 200);
  // A browser's EventSource fails the connection on any other media type.
  const type = s.res.headers.get('content-type') ?? '';
  assert.match(type, /^text\/event-stream\s*(;|$)/i, `Content-Type: ${type}`);
  const text = await s.readUntil(/\nevent: ready\ndata: [^\n]*\n\n/, "the raw 'ready' event");
  assert.match(text, /^retry: 3000\n\n/, `the stream does not start with the retry hint: ${JSON.stringify(text)}`);
  return s;
});

await check('connections are counted in vx11_operator_sse_connections_ephemeral_total', async () => {
  const m = await scrape();
  const name = 'vx11_operator_sse_connections_ephemeral_total';
  const opened = sample(m, name) - sample(m0, name);
  assert.equal(opened, 3, `ephemeral connections went up by ${opened}; this script opened 3`);
});

await check("on SIGTERM every open stream receives 'shutdown' and the server closes it", async () => {
  const got = [nextEvent(fallback, 'shutdown', 'principal stream'),
               nextEvent(late, 'shutdown', 'ephemeral stream')];
  process.kill(serverPid, 'SIGTERM');
  for (const ev of await Promise.all(got)) {
    assert.equal(parseJson(ev.data, 'the shutdown data').reason, 'server shutting down');
  }
  fallback.close();
  late.close();
  const text = await raw.readUntil(null, 'the server to close the raw stream');
  assert.match(text, /\nevent: shutdown\ndata: [^\n]*\n\n$/,
               `the raw stream did not end with the shutdown event: ${JSON.stringify(text.slice(-200))}`);
});

finish(0);
