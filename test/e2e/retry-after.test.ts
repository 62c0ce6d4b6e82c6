import { useLocalStack } from '../support/e2e-stack';

/**
 * Issue 14: a 429 of the HTTP API says when to come back (Retry-After, RFC 9110 §10.2.3, RFC 6585 §4), through
 * the whole local stack (its gateway passes the function's headers on, as API Gateway does). Every 429 path and
 * its exact seconds are proven on the handlers with a clock by hand (test/integration/auth.test.ts).
 */
const e2e = useLocalStack('retry-after');

it('/auth/start answers a fourth request for a live code 429 code_pending with Retry-After: the code’s life left', async () => {
  const phone = '+14155550961';
  const start = () =>
    fetch(`${e2e.base}/auth/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone }),
    });
  for (let i = 0; i < 3; i++) expect((await start()).status).toBe(202);
  const refused = await start();
  expect(refused.status).toBe(429);
  expect((await refused.json()).error.code).toBe('code_pending');
  const retryAfter = refused.headers.get('retry-after');
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  // The code lives 10 minutes from the first request: no more than that is left, and it has not run out.
  expect(Number(retryAfter)).toBeLessThanOrEqual(600);
});
