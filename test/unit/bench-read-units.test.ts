import {
  classify,
  diff,
  isConsistentRead,
  newCounterBuffer,
  readUnits,
  record,
  recordTimerRows,
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

  it('sorts the frame-limit block and the timer\u2019s batched deletes, and counts the rows those delete', () => {
    const frames =
      '{"TableName":"imsms","Key":{"pk":{"S":"RATE#frames:1000001#1800000000000"},"sk":{"S":"RATE"}}}';
    expect(classify('UpdateItem', frames, 'imsms')).toBe('frameLimit');
    const sms = '{"TableName":"imsms","Key":{"pk":{"S":"RATE#sms:1000001#1800000000000"},"sk":{"S":"RATE"}}}';
    expect(classify('UpdateItem', sms, 'imsms')).toBe('smsBudget');
    const del = (sk: string) => `{"DeleteRequest":{"Key":{"pk":{"S":"LOCALTIMER#ack"},"sk":{"S":"${sk}"}}}}`;
    const batch = `{"RequestItems":{"imsms":[${del('a')},${del('b')},${del('c')}]}}`;
    expect(classify('BatchWriteItem', batch, 'imsms')).toBe('timer');
    expect(classify('BatchWriteItem', '{"RequestItems":{"conns":[]}}', 'imsms')).toBe('control');
    const view = new Int32Array(newCounterBuffer());
    record(view, 'timer', 'BatchWriteItem', false);
    recordTimerRows(view, 'timer', 'BatchWriteItem', batch, false);
    const counts = snapshot(view);
    expect(counts.timer.BatchWriteItem.ok).toBe(1);
    expect(counts.timerRows.DeleteItem.ok).toBe(3);
  });

  it('counts a route check’s timer row apart from the delivery checks that read (it claims, reading nothing)', () => {
    const row = (key: string) =>
      `{"TableName":"imsms","Item":{"pk":{"S":"LOCALTIMER#ack"},"sk":{"S":"000001800000000#${key}"},` +
      `"messageId":{"S":"${key}"},"dueAt":{"N":"1800000000000"}}}`;
    expect(classify('PutItem', row('route:im:0:mAbc'), 'imsms')).toBe('routeCheck');
    expect(classify('PutItem', row('mAbc'), 'imsms')).toBe('timer');
  });
});
