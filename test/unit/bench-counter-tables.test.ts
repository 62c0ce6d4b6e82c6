import { classify, tableOf, viewFor } from '../../bench/db/counter';

/** The mobile phase's stacks use a table of their own, which the database thread counts apart. */
describe('bench counters by table', () => {
  it('reads the table a request names, single or batched', () => {
    expect(tableOf('{"TableName":"imsms-mobile","Key":{"pk":{"S":"MSG#1"}}}')).toBe('imsms-mobile');
    expect(tableOf('{"RequestItems":{"imsms":[{"DeleteRequest":{}}]}}')).toBe('imsms');
    expect(tableOf('{"Limit":10}')).toBeUndefined();
  });

  it('counts the mobile table apart, and everything else in the main counters', () => {
    const counters = { main: 'main', mobile: 'mobile' };
    expect(viewFor('{"TableName":"imsms-mobile"}', counters, 'imsms-mobile')).toBe('mobile');
    expect(viewFor('{"RequestItems":{"imsms-mobile":[]}}', counters, 'imsms-mobile')).toBe('mobile');
    expect(viewFor('{"TableName":"imsms"}', counters, 'imsms-mobile')).toBe('main');
    expect(viewFor('{"TableName":"bench-baseline-connections"}', counters, 'imsms-mobile')).toBe('main');
    // Without a mobile table (or its counters), all in the main ones.
    expect(viewFor('{"TableName":"imsms-mobile"}', counters)).toBe('main');
    expect(viewFor('{"TableName":"imsms-mobile"}', { main: 'main' }, 'imsms-mobile')).toBe('main');
  });

  it('classifies the mobile table’s requests as the system table’s when given it as the system table', () => {
    const ack =
      '{"TableName":"imsms-mobile","Key":{"pk":{"S":"MSG#1"}},"ExpressionAttributeValues":{":s":{"S":"delivered"}}}';
    expect(classify('UpdateItem', ack, 'imsms-mobile')).toBe('ack');
    expect(classify('UpdateItem', ack, 'imsms')).toBe('baseline');
  });
});
