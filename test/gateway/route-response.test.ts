import { spec, startGateway, waitFor, type Harness } from './support/harness';
import { TestClient } from './support/ws-client';
import { fakeAuthorizer } from './support/ws-manifest';

/**
 * Two-way routes (infra/functions.ts `reply`; API Gateway's RouteResponseSelectionExpression `$default` with a
 * `$default` route response): the integration's `body` goes back on the connection as one text frame. A one-way
 * route sends nothing back, whatever its function returns.
 */
let h: Harness;
afterEach(() => h.stop());

const manifest = [
  spec('authorizer', { kind: 'ws-authorizer' }),
  spec('connect', { kind: 'ws', routeKey: '$connect' }),
  spec('two-way', { kind: 'ws', routeKey: 'twoWay', reply: true }),
  spec('one-way', { kind: 'ws', routeKey: 'oneWay' }),
];
const ok = async () => ({ statusCode: 200 });

test('a two-way route answers with its body; a one-way route and an empty body answer nothing', async () => {
  h = await startGateway(manifest, {
    authorizer: fakeAuthorizer,
    connect: ok,
    'two-way': async (event: { body: string }) =>
      JSON.parse(event.body).empty ? { statusCode: 200 } : { statusCode: 200, body: '{"type":"receipt"}' },
    'one-way': async () => ({ statusCode: 200, body: '{"type":"never"}' }),
  });
  const client = await TestClient.open(`${h.wsUrl}?token=good`);
  client.send('{"action":"oneWay"}');
  await waitFor(() => h.eventsOf('one-way')[0], 'oneWay');
  client.send('{"action":"twoWay","empty":true}');
  await waitFor(() => h.eventsOf('two-way')[0], 'twoWay, empty');
  client.send('{"action":"twoWay"}');
  expect(await client.frame(1)).toEqual({ data: '{"type":"receipt"}', isBinary: false });
  // Frames of one connection are handled in order, so nothing came before the answer to the last one.
  expect(client.frames).toHaveLength(1);
  client.ws.close();
});
