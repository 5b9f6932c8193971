import type { FastifyReply } from 'fastify';

/** The login form's fields, as posted (untrusted), plus the validated landing URL. */
export interface LoginForm {
  readonly username?: unknown;
  readonly password?: unknown;
  readonly token?: unknown;
  /** Where to go after a successful login: the validated `rd`, or the portal's home. */
  readonly landing: string;
}

/** Re-renders the login page with a status and an error message. */
export type LoginPageRenderer = (status: number, error?: string) => FastifyReply;

export const WRONG_CREDENTIALS = 'Incorrect username or password.';
export const HASHER_BUSY = 'Gatehouse is busy checking other sign-ins. Please try again in a moment.';
