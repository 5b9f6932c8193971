// The protected app behind the proxies in `npm run bench:e2e`: plain `node:http`, answering
// every request 200 with the Remote-User the proxy sent (empty when none), so the bench can
// see that a check let the request through as the right user. Prints
// `{"benchReady":true,"port":N}` once it listens.
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  const body = request.headers['remote-user'] ?? '';
  response.writeHead(200, ['content-type', 'text/plain', 'content-length', String(Buffer.byteLength(body))]);
  response.end(body);
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ benchReady: true, port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
