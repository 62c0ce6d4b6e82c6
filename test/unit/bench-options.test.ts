import { parseOptions, PHASES } from '../../bench/options';

describe('bench options: running some parts only', () => {
  it('runs every part by default', () => {
    expect([...parseOptions(['--quick']).skip]).toEqual([]);
  });

  it('--only keeps the named parts and skips the rest', () => {
    const o = parseOptions(['--quick', '--only=init,mobile']);
    expect([...o.skip].sort()).toEqual(PHASES.filter((p) => p !== 'init' && p !== 'mobile').sort());
  });

  it('--skip leaves the named parts out', () => {
    expect([...parseOptions(['--skip=presence,fallback']).skip].sort()).toEqual(['fallback', 'presence']);
  });

  it('refuses a part it does not know, naming the parts it does', () => {
    expect(() => parseOptions(['--only=bundles'])).toThrow(
      '--only: unknown part bundles (parts: throughput, fallback, mobile, init, presence)',
    );
  });
});

describe('the quick run’s request-count level', () => {
  it('adds a 100-user level that counts requests only to a quick run of one level, and nowhere else', () => {
    expect(parseOptions(['--quick']).countOnlyUsers).toBe(100);
    expect(parseOptions(['--quick', '--users=100,1000']).countOnlyUsers).toBeUndefined();
    expect(parseOptions(['--quick', '--users=50']).countOnlyUsers).toBeUndefined();
    expect(parseOptions([]).countOnlyUsers).toBeUndefined();
  });
});
