import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { EmptyBody } from '../../admin/schemas.js';
import { ClockSkewProbe } from '../../doctor/clock-skew.js';
import { diagnose } from '../../doctor/diagnose.js';
import { DOCTOR_TICKET_HEADER, verifyDoctorTicket } from '../../doctor/doctor-ticket.js';
import { parseBody } from '../../http/parse-body.js';
import { requireAdmin } from '../../http/require-admin.js';

/** The doctor: what the checks seen lately and the config say about the proxy's wiring. */
export function adminDoctorRoutes(app: FastifyInstance, ctx: AppContext): void {
  const clock = new ClockSkewProbe(ctx.now);

  function serverPorts(): number[] {
    const address = app.server.address();
    const ports = typeof address === 'object' && address ? [address.port] : ctx.env.port ? [ctx.env.port] : [];
    if (ctx.env.proxyPort) ports.push(ctx.env.proxyPort);
    return ports;
  }

  /** An admin, or the local CLI with a ticket it just minted in the data dir. */
  async function mayRead(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const ticket = request.headers[DOCTOR_TICKET_HEADER];
    if (ticket !== undefined && (await verifyDoctorTicket(ctx.env.dataDir, ticket, ctx.now()))) return true;
    return (await requireAdmin(ctx, request, reply, ctx.runtime(), false)) !== null;
  }

  app.get('/api/admin/doctor', async (request, reply) => {
    if (!(await mayRead(request, reply))) return reply;
    const rt = ctx.runtime();
    const issuer = rt.config.mode === 'oauth2' ? rt.config.oauth2.issuerUrl : undefined;
    const report = diagnose({
      config: rt.config,
      portal: rt.portal,
      secureCookies: rt.cookie.secure,
      trustedProxies: rt.trustedProxies,
      policy: rt.policy,
      peers: ctx.checkPeers.list(),
      serverPorts: serverPorts(),
      clockSkewMs: issuer ? await clock.skew(issuer) : undefined,
    });
    return reply.header('cache-control', 'no-store').send({ mode: rt.config.mode, portal: rt.portal.origin, ...report });
  });

  app.post('/api/admin/doctor/reset', async (request, reply) => {
    if (!(await requireAdmin(ctx, request, reply, ctx.runtime(), true)) || !parseBody(EmptyBody, request, reply)) return reply;
    ctx.checkPeers.clear();
    return reply.header('cache-control', 'no-store').send({ ok: true });
  });
}
