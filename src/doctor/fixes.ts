import type { ProxyKind } from './check-peers.js';

/** A fix as the doctor prints it: for one proxy (or for Gatehouse itself), ready to copy. */
export interface Fix {
  readonly for: ProxyKind | 'gatehouse';
  readonly text: string;
}

type FixTable = Partial<Record<ProxyKind, string>>;

const NGINX_AUTHZ_LOCATION = `location = /internal/authz {
    internal;
    proxy_pass http://gatehouse/api/authz/auth-request;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_pass_request_body off;
    proxy_set_header Content-Length "";
    proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
    proxy_set_header X-Original-Method $request_method;
    proxy_set_header X-Forwarded-For $remote_addr;
}`;

const PROXY_FIXES: Record<'missing_header' | 'no_keepalive' | 'login_loop' | 'insecure_proto', FixTable> = {
  missing_header: {
    nginx: `# nginx asks /api/authz/auth-request and must set the original URL, method and client:\n${NGINX_AUTHZ_LOCATION}`,
    caddy: `# forward_auth sets X-Forwarded-Method/-Uri/-Proto/-Host/-For itself: remove any\n# header_up -X-Forwarded-… lines from the forward_auth block.\nforward_auth gatehouse:9092 {\n\turi /api/authz/forward-auth\n\tcopy_headers Remote-User Remote-Groups Remote-Email Remote-Name\n}`,
    traefik: `# forwardAuth sets X-Forwarded-Method/-Proto/-Host/-Uri/-For itself; keep\n# trustForwardHeader false and no authRequestHeaders list that leaves them out.\nforwardAuth:\n  address: "http://gatehouse:9092/api/authz/forward-auth"\n  trustForwardHeader: false`,
    unknown: 'Traefik and Caddy: ask /api/authz/forward-auth with X-Forwarded-Method, -Proto, -Host, -Uri, -For. nginx: ask /api/authz/auth-request with X-Original-URL, X-Original-Method, X-Forwarded-For.',
  },
  no_keepalive: {
    nginx: `# Keep connections to Gatehouse open: keepalive in the upstream, HTTP/1.1 without\n# "Connection: close" in the auth location.\nupstream gatehouse {\n    server gatehouse:9092;\n    keepalive 16;\n}\n${NGINX_AUTHZ_LOCATION}`,
    caddy: '# Caddy keeps connections to Gatehouse open by default: remove any\n# transport http { keepalive off } (or a keepalive of 0) from the forward_auth block.',
    traefik: '# Traefik keeps connections to the forwardAuth address open by default: check that\n# nothing in between (a load balancer, a "Connection: close" header rule) closes them.',
    unknown: 'Make the proxy speak HTTP/1.1 to Gatehouse and reuse its connections (keepalive).',
  },
  login_loop: {
    nginx: '# The portal must not be behind auth_request: remove auth_request from the\n# server block whose server_name is the portal host.',
    caddy: '# The portal must not be behind forward_auth: its site block only does\n# reverse_proxy gatehouse:9092.',
    traefik: '# The portal must not be behind forwardAuth: take the gatehouse middleware off\n# the router for the portal host.',
    unknown: 'Do not put the forward-auth check in front of the portal itself.',
  },
  insecure_proto: {
    nginx: '# Serve the app over HTTPS, so $scheme (and X-Original-URL) says https:\nlisten 443 ssl;',
    caddy: '# Give the site address without http:// so Caddy serves it over HTTPS:\napp.example.com {',
    traefik: '# Route the app on the TLS entry point:\nentryPoints: [websecure]\ntls: {}',
    unknown: 'Serve the protected app over HTTPS, or the browser never sends the Secure session cookie.',
  },
};

/** The fix for `code` in the words of the proxy that sent the checks. */
export function proxyFix(code: keyof typeof PROXY_FIXES, proxy: ProxyKind): Fix {
  const table = PROXY_FIXES[code];
  return { for: proxy, text: table[proxy] ?? table.unknown! };
}

export function gatehouseFix(text: string): Fix {
  return { for: 'gatehouse', text };
}
