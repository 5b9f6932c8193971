// The growth bench's logins: LOGIN_CLIENTS concurrent clients, each POSTing the instance token
// to the portal's /login form on 127.0.0.1:LOGIN_PORT, as a browser signing in would. The form
// token and its cookie come from one GET /login first (they stay valid for every post).
// LOGIN_INTERVAL_MS paces each client (one login per interval); without it they go flat out.
// LOGIN_COUNT stops after that many successful logins. Speaks the login storm's protocol:
// {"stormReady":true} after the first answer, then {"stormDone":true,"attempts":N,"statuses":{...},
// "errors":N,"seconds":S} on SIGTERM or once LOGIN_COUNT is reached.
import { Agent, request } from 'node:http';

const port = Number(process.env.STORM_PORT);
const clients = Number(process.env.STORM_CLIENTS ?? 8);
const origin = process.env.STORM_ORIGIN;
const token = process.env.LOGIN_TOKEN;
const intervalMs = Number(process.env.LOGIN_INTERVAL_MS ?? 0);
const count = Number(process.env.LOGIN_COUNT ?? Infinity);
if (!Number.isInteger(port) || !Number.isInteger(clients) || !origin || !token) throw new Error('STORM_PORT, STORM_CLIENTS, STORM_ORIGIN and LOGIN_TOKEN are required');

const agent = new Agent({ keepAlive: true, maxSockets: clients });
const statuses = {};
let attempts = 0;
let succeeded = 0;
let errors = 0;
let ready = false;
let stopping = false;
let startedAt = 0;

function send(method, path, headers, body) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
}

const page = await send('GET', '/login', {});
const csrfCookie = [page?.headers['set-cookie'] ?? []].flat().map((c) => c.split(';', 1)[0]).find((c) => c.startsWith('gatehouse_csrf='));
const csrf = /name="csrf" value="([^"]+)"/.exec(page?.text ?? '')?.[1];
if (!csrfCookie || !csrf) throw new Error(`GET /login gave no form token (${page?.status})`);
const form = new URLSearchParams({ csrf, token }).toString();
const headers = { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie, origin };

function finish() {
  if (stopping) return;
  stopping = true;
  const seconds = (performance.now() - startedAt) / 1000;
  process.stdout.write(`${JSON.stringify({ stormDone: true, attempts, statuses, errors, seconds })}\n`, () => process.exit(0));
}

async function client() {
  while (!stopping) {
    const began = performance.now();
    attempts++;
    const res = await send('POST', '/login', headers, form);
    if (!res) errors++;
    else {
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      // 303 with a session cookie is a login; anything else is counted apart.
      if (res.status === 303 && [res.headers['set-cookie'] ?? []].flat().some((c) => c.startsWith('gatehouse_session='))) succeeded++;
    }
    if (!ready) {
      ready = true;
      startedAt = performance.now();
      process.stdout.write(`${JSON.stringify({ stormReady: true })}\n`);
    }
    if (succeeded >= count) return finish();
    const wait = intervalMs - (performance.now() - began);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

process.on('SIGTERM', finish);
for (let i = 0; i < clients; i++) void client();
