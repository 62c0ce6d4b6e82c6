import { handler as sendMessageHandler } from '../../functions/ws-send-message';
import { twoWay } from '../support/connections-server';
import { HANDSHAKE_WINDOW_MS } from '../../shared/core/delivery/push';
import { wsEvent } from '../support/events';
import { startHarness, type Harness } from '../support/harness';
import { connectDevice, signUp } from '../support/users';

/**
 * Issue 14, item 8, through the real handlers, the real DynamoDB adapter on dynalite and the real @connections
 * client against a server that answers 410 GoneException (what API Gateway answers to a post made before the
 * socket's $connect has completed). The local gateway registers a socket only after $connect returns too, but
 * offers no point to post from inside that window, so the Gone comes from the stub channel.
 */
describe('410 Gone on a connection still in its handshake', () => {
  let h: Harness;
  // sendMessage is a two-way route: its last frame to the sender comes back as the route response.
  const sendMessage = twoWay(sendMessageHandler, () => h.connections);
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  /** The SMS a phone got for messages (with a delivery report URL), not its sign-in code. */
  const messageSms = (phone: string) => h.sms.inbox(phone).filter((m) => m.statusCallbackUrl);
  const rows = async (imNumber: string) =>
    (await h.deps.logins.getRecipient(imNumber))!.connections.map((c) => c.connectionId);

  it('keeps the young row, sends the SMS at once, and a later push reaches the opened socket', async () => {
    const alice = await signUp(h, '+17185550201');
    const bob = await signUp(h, '+17185550202');
    await connectDevice(alice, 'hs-a');
    await connectDevice(bob, 'hs-b');
    h.connections.gone.add('hs-b');
    await sendMessage(
      wsEvent('sendMessage', 'hs-a', alice, {
        action: 'sendMessage',
        to: bob.imNumber,
        text: 'one',
        clientId: 'h1',
      }),
    );
    expect(await rows(bob.imNumber)).toEqual(['hs-b']);
    expect(messageSms(bob.phone).map((m) => m.body)).toEqual([expect.stringContaining('one')]);

    h.connections.gone.delete('hs-b');
    await sendMessage(
      wsEvent('sendMessage', 'hs-a', alice, {
        action: 'sendMessage',
        to: bob.imNumber,
        text: 'two',
        clientId: 'h2',
      }),
    );
    expect(h.connections.framesOf('hs-b', 'message')).toEqual([
      expect.objectContaining({ type: 'message', text: 'two' }),
    ]);
    expect(messageSms(bob.phone)).toHaveLength(1);
  });

  it('deletes a Gone row older than the handshake window', async () => {
    const alice = await signUp(h, '+17185550203');
    const bob = await signUp(h, '+17185550204');
    await connectDevice(alice, 'hs-c');
    await connectDevice(bob, 'hs-d');
    h.connections.gone.add('hs-d');
    h.advance(HANDSHAKE_WINDOW_MS);
    await sendMessage(
      wsEvent('sendMessage', 'hs-c', alice, {
        action: 'sendMessage',
        to: bob.imNumber,
        text: 'x',
        clientId: 'h3',
      }),
    );
    expect(await rows(bob.imNumber)).toEqual([]);
    expect(messageSms(bob.phone)).toHaveLength(1);
  });
});
