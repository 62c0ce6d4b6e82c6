import { verifyAuth } from '../shared/core/provisioning/sign-in';
import { jsonHandler } from '../shared/runtime/http';

/** POST /auth/verify {"phone","code","name"?} → 200 {"token","user"}. The first verification creates the account. */
export const handler = jsonHandler('http-auth-verify', { sms: false }, async (deps, body, event) => ({
  status: 200,
  body: await verifyAuth(deps, {
    phone: body.phone,
    code: body.code,
    name: body.name,
    sourceIp: event.requestContext.http.sourceIp,
  }),
}));
