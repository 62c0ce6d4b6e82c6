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
