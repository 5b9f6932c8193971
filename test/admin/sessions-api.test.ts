/**
 * /api/admin/sessions: admins list and end anyone's sessions. The contract
 * here; listing by user and ending sessions in detail are in
 * test/routes/admin-sessions.test.ts.
 */
import { expect } from 'vitest';
import { describeAdminRoute } from '../support/admin-api.js';
import { checkAs, sessionId } from '../support/user-password.js';

describeAdminRoute('GET /api/admin/sessions', {
  method: 'GET',
  url: () => '/api/admin/sessions?user=bob',
  success: {
    status: 200,
    check: (res, world) => {
      const sessions = res.json().sessions as Array<{ id: string; user: string }>;
      expect(sessions).toEqual([expect.objectContaining({ id: sessionId(world.editor), user: 'bob' })]);
      // Never the secret part of a cookie.
      expect(res.body).not.toContain(world.editor.split('.')[1]);
    },
  },
});

describeAdminRoute('DELETE /api/admin/sessions/:id', {
  method: 'DELETE',
  url: (world) => `/api/admin/sessions/${sessionId(world.editor)}`,
  success: {
    status: 200,
    audit: { event: 'session.revoke', target: 'bob' },
    check: async (_res, world) => {
      expect((await checkAs(world.fx.app, { session: world.editor })).statusCode).toBe(401);
      expect((await checkAs(world.fx.app, { session: world.admin })).statusCode).toBe(200);
    },
  },
});
