// Baseline for `npm run bench`: a bare Fastify app, no logger, one route answering 204.
// Plain JavaScript run by plain `node`, exactly like the built Gatehouse it is compared with.
// Prints one JSON line `{"benchReady":true,"port":N}` on stdout once it listens.
import Fastify from 'fastify';

const app = Fastify();
app.get('/', (_request, reply) => {
  reply.code(204).send();
});
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ benchReady: true, port: app.server.address().port })}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
