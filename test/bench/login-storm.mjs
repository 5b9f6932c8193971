// The bench's login storm: STORM_CLIENTS concurrent clients, each POSTing a wrong password
// to /api/auth/login on 127.0.0.1:STORM_PORT as soon as its previous answer arrives.
// Usernames are sprayed (a fresh unknown name per attempt, as an attacker would), so every
// attempt costs Gatehouse a full bcrypt verify against its dummy hash.
// Prints {"stormReady":true} after the first answer, and on SIGTERM one line
// {"stormDone":true,"attempts":N,"statuses":{...},"errors":N} before exiting.
import { Agent, request } from 'node:http';

const port = Number(process.env.STORM_PORT);
const clients = Number(process.env.STORM_CLIENTS ?? 50);
const origin = process.env.STORM_ORIGIN;
if (!Number.isInteger(port) || !Number.isInteger(clients) || !origin) throw new Error('STORM_PORT, STORM_CLIENTS and STORM_ORIGIN are required');

const agent = new Agent({ keepAlive: true, maxSockets: clients });
const statuses = {};
let attempts = 0;
let errors = 0;
let ready = false;
let stopping = false;

function attempt(n) {
  return new Promise((resolve) => {
    const body = JSON.stringify({ username: `spray-${process.pid}-${n}`, password: 'not-the-password-at-all' });
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/api/auth/login', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), origin } },
      (res) => {
        res.resume();
        res.on('end', () => {
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          resolve();
        });
      },
    );
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end(body);
  });
}

async function client() {
  while (!stopping) {
    await attempt(attempts++);
    if (!ready) {
      ready = true;
      process.stdout.write(`${JSON.stringify({ stormReady: true })}\n`);
    }
  }
}

process.on('SIGTERM', () => {
  stopping = true;
  process.stdout.write(`${JSON.stringify({ stormDone: true, attempts, statuses, errors })}\n`, () => process.exit(0));
});

for (let i = 0; i < clients; i++) void client();
