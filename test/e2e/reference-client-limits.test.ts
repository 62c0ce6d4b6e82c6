import { pacer, type ErrorFrame } from '../../shared/client';
import { signUp } from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * The reference client's multi-frame helper (getAllContacts) against the whole local stack with a frame limit
 * small enough that one read of a short list passes it: it waits out `rate_limited` (the error frame's
 * retryAfterMs) and reads the whole list. (One local stack per file: the handlers' settings are per process.)
 */
const limited = useLocalStack('reference-client-limits', {
  env: { WS_FRAMES_PER_CONNECTION: '8', WS_FRAMES_PER_USER: '1000', WS_RATE_WINDOW_SECONDS: '1' },
});

describe('many frames against the frame limits', () => {
  it('getAllContacts of a list in more pages than the limit lets through at once waits out rate_limited and reads it all', async () => {
    const owner = await signUp(limited.base, '+14155550140');
    const im = (await limited.connect(owner)).api;
    const refusals: ErrorFrame[] = [];
    im.on('error', (e) => e.code === 'rate_limited' && refusals.push(e));
    // The test's own adds keep to the limit the same way (pacer is the reference client's).
    const add = pacer({ burst: 1, framesPerSecond: 6 }, (i: number) =>
      im.addContact({ phone: `+1650555${String(1000 + i)}`, name: `P${i}` }),
    );
    for (let i = 0; i < 20; i++) await add(i);

    const all = await im.getAllContacts(undefined, { limit: 1 });
    expect(all.nextCursor).toBeUndefined();
    expect(all.contacts!.map((c) => ('phone' in c ? c.phone : c.imNumber)).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `+1650555${String(1000 + i)}`),
    );
    // The limit did refuse pages (the client's burst is 10 > 8), and each refusal said when to come back.
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) {
      expect(r.retryAfterMs).toBeGreaterThan(0);
      expect(r.retryAfterMs).toBeLessThanOrEqual(1000);
    }
  }, 120_000);
});
