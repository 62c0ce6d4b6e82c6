import fc from 'fast-check';
import WebSocket from 'ws';
import type { E2eUser } from '../support/e2e-client';
import { connect, signUp, startChaosStack, type ChaosStack } from './support/chaos-stack';
import { exchange, frameArbitrary, isProtocolFrame } from './support/frames';
import { authBodyArbitrary, isErrorBody } from './support/http-fuzz';
import { writeResults } from './support/results';
import { crashes, findLeaks } from './support/privacy';

/**
 * The long run of the endpoint fuzzing (`npm run test:chaos`): random frames over one real WebSocket, random
 * bodies for /auth/start and /auth/verify, through the local stack. The quick runs are in
 * websocket-abuse.test.ts and auth-abuse.test.ts.
 */

const WS_RUNS = 2000;
const HTTP_RUNS = 1000;
const results: Array<Record<string, unknown>> = [];

let cs: ChaosStack;
let alice: E2eUser;
let bob: E2eUser;
beforeAll(async () => {
  cs = await startChaosStack();
  alice = await signUp(cs.base, cs.phones, cs.secrets, '+14155551201', 'alice');
  bob = await signUp(cs.base, cs.phones, cs.secrets, '+14155551202', 'bob');
});
afterAll(async () => {
  await cs.stop();
  writeResults('fuzz-endpoints', { date: new Date().toISOString(), results });
});

const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

it(`${WS_RUNS} random frames over one socket: protocol answers only, the socket stays open`, async () => {
  const a = await connect(cs, alice);
  const answers = new Map<string, number>();

  const details = await fc.check(
    fc.asyncProperty(frameArbitrary([alice.imNumber, bob.imNumber]), async (raw) => {
      const got = await exchange(a, raw);
      got.forEach((f) => count(answers, f.type === 'error' ? `error:${f.code}` : (f.type ?? 'gateway')));
      return got.length > 0 && got.every(isProtocolFrame) && a.ws.readyState === WebSocket.OPEN;
    }),
    { numRuns: WS_RUNS },
  );

  results.push({
    endpoint: 'WebSocket frames',
    cases: details.numRuns,
    failed: details.failed,
    answers: Object.fromEntries(answers),
  });
  expect(details.failed ? fc.stringify(details.counterexample) : null).toBeNull();
  expect([...answers.keys()].filter((k) => k === 'gateway' || k === 'error:internal')).toEqual([]);
});

it.each(['/auth/start', '/auth/verify'])(
  `${HTTP_RUNS} random bodies to %s: a 4xx error body (or 202), never a 5xx`,
  async (endpoint) => {
    const statuses = new Map<string, number>();

    const details = await fc.check(
      fc.asyncProperty(authBodyArbitrary(), async (body) => {
        const res = await fetch(`${cs.base}${endpoint}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        const text = await res.text();
        count(statuses, String(res.status));
        if (res.status === 202 && endpoint === '/auth/start') return text === '{"ok":true}';
        return res.status >= 400 && res.status < 500 && isErrorBody(text);
      }),
      { numRuns: HTTP_RUNS },
    );

    results.push({
      endpoint,
      cases: details.numRuns,
      failed: details.failed,
      statuses: Object.fromEntries(statuses),
    });
    expect(details.failed ? fc.stringify(details.counterexample) : null).toBeNull();
  },
);

it('logged no phone number, code or message text, and no handler crashed', () => {
  expect(findLeaks(cs.logs, cs.secrets)).toEqual([]);
  expect(crashes(cs.logs)).toEqual([]);
});
