import { drawStalls, MOBILE, release, replayLinks, seeded } from '../../bench/load/mobile-link';
import { wilsonBounds } from '../../bench/lib/stats';

/**
 * The benchmark's virtual-time replay of an ack rule on the mobile-link model (docs/benchmark.md "The ack wait on a
 * simulated mobile link"): what counts as a false fallback, and that a write computed from replaced stats is
 * refused as the stack's conditional write is.
 */
const base = { links: 20, spanMs: 120_000, messageEveryMs: 1_500, seed: 1, serverMs: [0] };
const never = () => undefined;

describe('the replay', () => {
  it('counts every message as a false fallback with no wait, none with a wait past any stall', async () => {
    const none = await replayLinks(MOBILE, { ...base, wait: () => 0, learn: never });
    expect(none.messages).toBeGreaterThan(1_000);
    expect(none.falseFallbacks).toBe(none.messages);
    const patient = await replayLinks(MOBILE, { ...base, wait: () => 60_000, learn: never });
    expect(patient.falseFallbacks).toBe(0);
    expect(patient.messages).toBe(none.messages);
  });

  it('is deterministic for a seed, and a longer wait never gives more false fallbacks', async () => {
    const at = (w: number) => replayLinks(MOBILE, { ...base, links: 200, wait: () => w, learn: never });
    const [a, b, c] = await Promise.all([at(2_000), at(2_000), at(3_000)]);
    expect(a).toEqual(b);
    expect(c.falseFallbacks).toBeLessThanOrEqual(a.falseFallbacks);
  });

  it('keeps a learned write only when the row still holds what its message saw', async () => {
    const seen: number[] = [];
    const r = await replayLinks(MOBILE, {
      ...base,
      links: 1,
      // Two messages in flight at once: each ack sees the row as its message did; only the first may write.
      messageEveryMs: 100,
      wait: (row) => {
        seen.push(row.samples ?? 0);
        return 10_000;
      },
      learn: (before, sampleMs, now) => ({
        srtt: sampleMs,
        rttvar: 0,
        samples: (before.samples ?? 0) + 1,
        seenAt: now,
      }),
    });
    expect(r.messages).toBeGreaterThan(100);
    // Rows move forward one sample at a time: a stale write would take them back to what an older message saw.
    for (let i = 1; i < seen.length; i++) expect([0, 1]).toContain(seen[i] - seen[i - 1]);
    expect(seen[seen.length - 1]).toBeLessThan(r.messages);
  });
});

describe('the link model', () => {
  it('holds what is sent in a stall until it ends, and passes anything else at once', () => {
    const stalls = drawStalls(seeded(3), { ...MOBILE, stallEverySeconds: 10 }, 120_000);
    expect(stalls.length).toBeGreaterThan(3);
    const [start, end] = stalls[1];
    expect(release(stalls, start)).toBe(end);
    expect(release(stalls, (start + end) / 2)).toBe(end);
    expect(release(stalls, end)).toBe(end);
    expect(release(stalls, start - 1)).toBe(start - 1);
  });
});

describe('the 95% bounds', () => {
  it('bound 0 of n under 1% only from 268 messages on, and hold a seen rate between them', () => {
    expect(wilsonBounds(0, 267).upper).toBeGreaterThan(0.01);
    expect(wilsonBounds(0, 268).upper).toBeLessThan(0.01);
    const { lower, upper } = wilsonBounds(10, 1_000);
    expect(lower).toBeLessThan(0.01);
    expect(upper).toBeGreaterThan(0.01);
    expect(wilsonBounds(0, 0).upper).toBeNaN();
  });
});
