import { handler as authorize } from '../../functions/ws-authorizer';
import { handler as wsConnect } from '../../functions/ws-connect';
import { handler as authStart } from '../../functions/http-auth-start';
import { handler as authVerify } from '../../functions/http-auth-verify';
import { authorizerEvent, jsonPost, wsEvent } from './events';
import type { Harness } from './harness';

export interface TestUser {
  token: string;
  imNumber: string;
  name: string;
  phone: string;
}

type HttpResult = { statusCode: number; body: string };

export async function post(
  handler: (e: never) => Promise<unknown>,
  path: string,
  body: unknown,
  ip?: string,
) {
  const result = (await handler(jsonPost(path, body, ip) as never)) as HttpResult;
  return { status: result.statusCode, body: JSON.parse(result.body) };
}

/** The last code the phone received, read from its SMS inbox as a person would. */
export function lastCode(h: Harness, phone: string): string {
  const inbox = h.sms.inbox(phone);
  const match = /\b(\d{6})\b/.exec(inbox[inbox.length - 1]?.body ?? '');
  if (!match) throw new Error('no code in inbox');
  return match[1];
}

let signUps = 0;

/** Signs a user up through the real handlers: start, read the SMS, verify. Each from its own address. */
export async function signUp(h: Harness, phone: string, name?: string): Promise<TestUser> {
  const ip = `198.18.${Math.floor(++signUps / 250)}.${signUps % 250}`;
  const started = await post(authStart, '/auth/start', { phone }, ip);
  if (started.status !== 202) throw new Error(`auth/start answered ${started.status}`);
  const verified = await post(authVerify, '/auth/verify', { phone, code: lastCode(h, phone), name });
  if (verified.status !== 200) throw new Error(`auth/verify answered ${verified.status}`);
  return { token: verified.body.token, ...verified.body.user };
}

/** Connects a device: the authorizer on the token, then $connect with the context it returned. */
export async function connectDevice(user: TestUser, connectionId: string) {
  const auth = await authorize(authorizerEvent(user.token));
  const caller = auth.context as { imNumber: string; name: string };
  const result = await wsConnect(wsEvent('$connect', connectionId, caller));
  if (result.statusCode !== 200) throw new Error(`$connect answered ${result.statusCode}`);
  return caller;
}
