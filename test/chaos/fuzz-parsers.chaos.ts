import fc from 'fast-check';
import { parserProperties } from './support/parser-properties';
import { writeResults } from './support/results';

/**
 * The parser fuzzing with 10,000 cases per property (`npm run test:chaos`); the figures go to
 * test/chaos/results/fuzz.json. Any failure prints fast-check's seed and shrunk counterexample.
 */
const RUNS = 10_000;
const results: Array<{
  property: string;
  cases: number;
  ms: number;
  passed: boolean;
  counterexample?: string;
}> = [];

describe(`parsers under random input (${RUNS.toLocaleString('en-US')} cases each)`, () => {
  it.each(parserProperties().map((p) => [p.name, p.property] as const))('%s', (name, property) => {
    const started = Date.now();
    const details = fc.check(property, { numRuns: RUNS });
    results.push({
      property: name,
      cases: details.numRuns,
      ms: Date.now() - started,
      passed: !details.failed,
      ...(details.failed ? { counterexample: fc.stringify(details.counterexample) } : {}),
    });
    fc.assert(property, { numRuns: RUNS, seed: details.seed });
  });
});

afterAll(async () => {
  writeResults('fuzz-parsers', { date: new Date().toISOString(), results });
});
