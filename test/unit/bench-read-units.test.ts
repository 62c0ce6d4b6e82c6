import {
  classify,
  diff,
  isConsistentRead,
  newCounterBuffer,
  readUnits,
  record,
  snapshot,
} from '../../bench/db/counter';

/** The benchmark's request accounting counts a strongly consistent read at 2× the RCU of an eventual one. */
describe('bench read units', () => {
  const query = (consistent: boolean) =>
    JSON.stringify({
      TableName: 'imsms',
      KeyConditionExpression: 'pk = :pk',
      ...(consistent ? { ConsistentRead: true } : {}),
    });

  it('tells a consistent read by its body, and only for read operations', () => {
    expect(isConsistentRead('Query', query(true))).toBe(true);
    expect(isConsistentRead('Query', query(false))).toBe(false);
    expect(isConsistentRead('GetItem', '{"TableName":"imsms","ConsistentRead":false}')).toBe(false);
    expect(isConsistentRead('PutItem', '{"ConsistentRead":true}')).toBe(false);
  });

  it('reports 1 RCU per consistent read and 0.5 per eventual one, in the delta of a cell', () => {
    const view = new Int32Array(newCounterBuffer());
    const before = snapshot(view);
    for (const consistent of [true, true, false]) {
      const body = query(consistent);
      record(view, classify('Query', body, 'imsms'), 'Query', false, isConsistentRead('Query', body));
    }
    record(view, 'routing', 'PutItem', false);
    const counts = diff(snapshot(view), before);
    expect(counts.routing.Query).toEqual({ ok: 3, failed: 0, consistent: 2 });
    expect(readUnits(counts, 'routing')).toBe(2.5);
  });
});
