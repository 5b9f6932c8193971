// Baseline for the benches: a bare Fastify app, no logger, answering 204 on `/` (`npm run bench`)
// and on the two check paths (`npm run bench:e2e`, where a proxy asks it as it would ask Gatehouse).
// Plain JavaScript run by plain `node`, exactly like the built Gatehouse it is compared with.
// Prints one JSON line `{"benchReady":true,"port":N}` on stdout once it listens.
import Fastify from 'fastify';

const app = Fastify();
const noContent = (_request, reply) => {
  reply.code(204).send();
};
for (const path of ['/', '/api/authz/forward-auth', '/api/authz/auth-request']) app.get(path, noContent);
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ benchReady: true, port: app.server.address().port })}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
