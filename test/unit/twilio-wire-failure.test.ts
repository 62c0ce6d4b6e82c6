import { connect, createServer, type AddressInfo } from 'node:net';
import { describeFailure } from '../../scripts/twilio-wire';

/**
 * twilio:wire's one-line failure: a fetch whose cause is an AggregateError (Node tried each address of a name,
 * such as localhost's ::1 and 127.0.0.1) or has no code must not end at a bare `TypeError: fetch failed`.
 */

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The real error of a TCP connect to 127.0.0.1:port. */
const connectError = (port: number) =>
  new Promise<Error>((resolve) => connect(port, '127.0.0.1').once('error', resolve));

it('describes an AggregateError cause by each of its errors, code and address', async () => {
  const port = await closedPort();
  const errors = [await connectError(port), await connectError(port)];
  const failure = new TypeError('fetch failed', { cause: new AggregateError(errors) });
  expect(describeFailure(failure)).toBe(`TypeError: fetch failed (ECONNREFUSED 127.0.0.1:${port})`);
});

it('a real fetch of localhost:1 says more than "fetch failed"', async () => {
  const err = await fetch('http://localhost:1').then(
    () => null,
    (e: unknown) => e,
  );
  expect(describeFailure(err)).toMatch(/^TypeError: fetch failed \(.+\)$/);
});

it('keeps a plain network code as it was', async () => {
  const failure = new TypeError('fetch failed', { cause: await connectError(await closedPort()) });
  expect(describeFailure(failure)).toBe('TypeError: fetch failed (ECONNREFUSED)');
});
