import type { Socket } from 'node:net';

/** How often an open WebSocket is checked again with the credentials of its handshake. */
export const WEBSOCKET_RECHECK_MS = 5_000;

/**
 * A WebSocket outlives the request that opened it, so its check is repeated while it is
 * open: the first time `stillAllowed` says no (logout, a revoked or expired session, a
 * disabled user, a narrower rule, a mode switch, the app taken off `proxy.apps`) or
 * fails, the connection is cut, and the proxy closes the app's side with it.
 */
export function recheckWhileOpen(socket: Socket, stillAllowed: () => Promise<boolean>, onCut: (reason: 'refused' | 'error', error?: unknown) => void): void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    stillAllowed().then(
      (allowed) => {
        running = false;
        if (!allowed) cut('refused');
      },
      (error: unknown) => cut('error', error),
    );
  }, WEBSOCKET_RECHECK_MS);
  // Open sockets must not keep the process alive on shutdown.
  timer.unref();
  function cut(reason: 'refused' | 'error', error?: unknown): void {
    clearInterval(timer);
    if (socket.destroyed) return;
    onCut(reason, error);
    socket.destroy();
  }
  socket.once('close', () => clearInterval(timer));
}
