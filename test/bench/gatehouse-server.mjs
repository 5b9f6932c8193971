// Starts the built Gatehouse (dist/, from `npm run build`) the way dist/instrumentation.js does
// — readEnv, createLogger, startServer with its boot checks — and prints one JSON line
// `{"benchReady":true,"port":N}` on stdout so the bench can find a GATEHOUSE_PORT=0 server.
// Gatehouse's own log lines (JSON, warn and above in the bench) go to stdout as well.
import { readEnv } from '../../dist/src/env.js';
import { createLogger } from '../../dist/src/logger.js';
import { startServer } from '../../dist/src/server.js';

const env = readEnv(process.env);
const log = createLogger(env.logLevel, false);
const server = await startServer(env, log);
process.stdout.write(`${JSON.stringify({ benchReady: true, port: server.port })}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
