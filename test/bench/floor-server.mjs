// The floor for any forward-auth check written on Node's http module: a plain `http` server
// (no Fastify) that reads nothing and answers every request 200 with the header list an
// allowed Gatehouse check sends. Sent the check's own request, it shows how close to bare
// Fastify a check could come if judging it cost nothing at all.
// Plain JavaScript run by plain `node`; prints `{"benchReady":true,"port":N}` once it listens.
import { createServer } from 'node:http';

const ALLOWED = ['cache-control', 'no-store', 'content-length', '0', 'remote-user', 'bench', 'remote-groups', 'admin'];

const server = createServer((_request, response) => {
  response.writeHead(200, ALLOWED);
  response.end();
});
// Fastify's default, so both keep their connections alike.
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ benchReady: true, port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
