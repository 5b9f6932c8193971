import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

interface InjectOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string;
}

/**
 * `app.inject()` over real HTTP to whichever replica `target()` names at the
 * time of each request: helpers written for one in-process app (the passkey
 * client, for one) can then start a ceremony on one replica and finish it on
 * another. Only what those helpers read is filled in.
 */
export function injectAcrossReplicas(target: () => string): FastifyInstance {
  const inject = async (options: InjectOptions): Promise<LightMyRequestResponse> => {
    const res = await fetch(`${target()}${options.url}`, {
      method: options.method,
      headers: options.headers ?? {},
      redirect: 'manual',
      ...(options.payload === undefined ? {} : { body: options.payload }),
    });
    const body = await res.text();
    const headers: Record<string, string | string[]> = Object.fromEntries(res.headers);
    headers['set-cookie'] = res.headers.getSetCookie();
    return { statusCode: res.status, headers, body, json: () => JSON.parse(body) } as unknown as LightMyRequestResponse;
  };
  return { inject } as unknown as FastifyInstance;
}
