import '../shared/runtime/sms';
import { startAuth } from '../shared/core/provisioning/sign-in';
import { jsonHandler } from '../shared/runtime/http';

/** POST /auth/start {"phone"} → 202: a 6-digit code goes to the phone by SMS. */
export const handler = jsonHandler('http-auth-start', { sms: true }, async (deps, body, event) => {
  await startAuth(deps, { phone: body.phone, sourceIp: event.requestContext.http.sourceIp });
  return { status: 202, body: { ok: true } };
});
