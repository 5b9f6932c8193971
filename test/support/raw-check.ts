import { request, type Agent } from 'node:http';

export interface RawCheckOptions {
  /** `forward-auth` (Traefik, Caddy) or `auth-request` (nginx). */
  endpoint?: 'forward-auth' | 'auth-request';
  /** Keeps the connection for the next check; without one, Node's global agent decides. */
  agent?: Agent;
}

/**
 * One check request straight to Gatehouse on 127.0.0.1, with exactly the headers
 * given (as a proxy would send them, right or wrong); resolves to the status.
 */
export function rawCheck(port: number, headers: Record<string, string>, options: RawCheckOptions = {}): Promise<number> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path: `/api/authz/${options.endpoint ?? 'forward-auth'}`, headers, ...(options.agent ? { agent: options.agent } : {}) }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', fail);
    req.end();
  });
}
