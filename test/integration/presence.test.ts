import { SignJWT } from 'jose';
import { handler as authorize } from '../../functions/ws-authorizer';
import { handler as wsConnect } from '../../functions/ws-connect';
import { handler as wsDisconnect } from '../../functions/ws-disconnect';
import { handler as wsPing } from '../../functions/ws-ping';
import { handler as addContactHandler } from '../../functions/ws-add-contact';
import { handler as getContactsHandler } from '../../functions/ws-get-contacts';
import { handler as setPresence } from '../../functions/ws-set-presence';
import { signToken } from '../../shared/core/provisioning/tokens';
import { authorizerEvent, wsEvent } from '../support/events';
import { JWT_SECRET, startHarness, type Harness } from '../support/harness';
import { connectDevice, signUp, type TestUser } from '../support/users';

let h: Harness;
let user: TestUser;
beforeAll(async () => {
  h = await startHarness();
  user = await signUp(h, '+13105550101', 'erin');
});
afterAll(() => h.stop());
beforeEach(() => h.connections.clear());

const caller = () => ({ imNumber: user.imNumber, name: user.name });
const liveIds = async () =>
  ((await h.store.logins.getRecipient(user.imNumber))?.connections ?? [])
    .filter((c) => c.expiresAt > h.deps.clock.now())
    .map((c) => c.connectionId)
    .sort();

describe('the $connect authorizer', () => {
  it('allows a valid token and passes imNumber and name on as context', async () => {
    const result = await authorize(authorizerEvent(user.token));
    expect(result.policyDocument.Statement[0]).toMatchObject({
      Effect: 'Allow',
      Action: 'execute-api:Invoke',
    });
    expect(result.context).toEqual({ imNumber: user.imNumber, name: 'erin' });
  });

  const forged = () => signToken('another-secret-that-is-also-long-enough-000', caller(), Date.now());
  const expired = () =>
    new SignJWT({ name: 'erin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.imNumber)
      .setIssuer('imsms')
      .setAudience('imsms-client')
      .setIssuedAt(1_000_000)
      .setExpirationTime(1_000_100)
      .sign(new TextEncoder().encode(JWT_SECRET));
  const tampered = async () => {
    const [head, , sig] = user.token.split('.');
    const body = Buffer.from(
      JSON.stringify({ sub: '12345678', iss: 'imsms', aud: 'imsms-client', exp: 9e9 }),
    ).toString('base64url');
    return `${head}.${body}.${sig}`;
  };

  it("passes the profile's current name, not the one the token was signed with", async () => {
    const stale = await signToken(JWT_SECRET, { imNumber: user.imNumber, name: 'old-name' }, Date.now());
    expect((await authorize(authorizerEvent(stale))).context).toEqual({
      imNumber: user.imNumber,
      name: 'erin',
    });
  });

  it('refuses a valid token of a user who no longer exists', async () => {
    const gone = await signToken(JWT_SECRET, { imNumber: '99999999', name: 'ghost' }, Date.now());
    await expect(authorize(authorizerEvent(gone))).rejects.toThrow('Unauthorized');
  });

  it.each([
    ['no token', async () => undefined],
    ['garbage', async () => 'not-a-jwt'],
    ['a token signed with another secret', forged],
    ['an expired token', expired],
    ['a tampered payload', tampered],
  ])('refuses %s with Unauthorized (API Gateway answers 401)', async (_label, make) => {
    await expect(authorize(authorizerEvent(await make()))).rejects.toThrow('Unauthorized');
  });
});

describe('the login-status table', () => {
  it('$connect registers the connection and $disconnect removes it', async () => {
    await connectDevice(user, 'p-1');
    expect(await liveIds()).toContain('p-1');
    await wsDisconnect(wsEvent('$disconnect', 'p-1', caller()));
    expect(await liveIds()).not.toContain('p-1');
  });

  it('$connect without an authorizer context is refused with 401', async () => {
    const result = await wsConnect(wsEvent('$connect', 'p-x', null));
    expect(result.statusCode).toBe(401);
    expect(await liveIds()).not.toContain('p-x');
  });

  it('ping answers pong and pushes the expiry forward', async () => {
    await connectDevice(user, 'p-2');
    const before = (await h.store.logins.getRecipient(user.imNumber))!.connections.find(
      (c) => c.connectionId === 'p-2',
    )!;
    h.advance(60_000);
    await wsPing(wsEvent('ping', 'p-2', caller(), { action: 'ping' }));
    const after = (await h.store.logins.getRecipient(user.imNumber))!.connections.find(
      (c) => c.connectionId === 'p-2',
    )!;
    expect(h.connections.framesOf('p-2')).toEqual([{ type: 'pong' }]);
    expect(after.expiresAt - before.expiresAt).toBeGreaterThanOrEqual(60_000);
  });

  it('ping registers a connection again whose row had expired and been removed', async () => {
    await connectDevice(user, 'p-3');
    await h.store.logins.deleteConnection(user.imNumber, 'p-3');
    await wsPing(wsEvent('ping', 'p-3', caller(), { action: 'ping' }));
    expect(await liveIds()).toContain('p-3');
  });

  it('concurrent connects and disconnects of several devices end with exactly the open ones', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `burst-${i}`);
    await Promise.all(ids.map((id) => connectDevice(user, id)));
    await Promise.all(
      ids.filter((_, i) => i % 2 === 0).map((id) => wsDisconnect(wsEvent('$disconnect', id, caller()))),
    );
    const live = await liveIds();
    expect(live.filter((id) => id.startsWith('burst-'))).toEqual(ids.filter((_, i) => i % 2 === 1));
  });

  it('25 connects of one user at once keep at most the cap (10): the rest answer 429 and leave no row', async () => {
    const many = await signUp(h, '+13105550177', 'manny');
    const who = { imNumber: many.imNumber, name: many.name };
    const ids = Array.from({ length: 25 }, (_, i) => `many-${String(i).padStart(2, '0')}`);
    const answers = await Promise.all(ids.map((id) => wsConnect(wsEvent('$connect', id, who))));
    const kept = ids.filter((_, i) => answers[i].statusCode === 200);
    expect(kept.length).toBeLessThanOrEqual(10);
    expect(answers.filter((a) => a.statusCode !== 200).map((a) => a.statusCode)).toEqual(
      Array(25 - kept.length).fill(429),
    );
    const rows = (await h.store.logins.getRecipient(many.imNumber))!.connections.map((c) => c.connectionId);
    expect(rows.sort()).toEqual(kept);
  });

  it('setPresence refuses an unknown status with an error frame and keeps the mode', async () => {
    await setPresence(wsEvent('setPresence', 'p-4', caller(), { action: 'setPresence', status: 'away' }));
    expect(h.connections.framesOf('p-4', 'error')).toEqual([expect.objectContaining({ code: 'bad_frame' })]);
    expect((await h.store.users.getUser(user.imNumber))?.mode).toBe('online');
  });
});

/**
 * Issue 12: a connection that expires without a disconnect is announced when the system notices it (a contact's
 * getContacts reads it), through the real handlers and the conditional delete on dynalite.
 */
describe('an expired connection', () => {
  it("is announced offline to the user's online contacts when a getContacts notices it, once", async () => {
    const quiet = await signUp(h, '+13105550177', 'quinn');
    const watcher = await signUp(h, '+13105550178', 'wade');
    const w = await connectDevice(watcher, 'wade-1');
    const q = await connectDevice(quiet, 'quinn-1');
    await addContactHandler(
      wsEvent('addContact', 'wade-1', w, { action: 'addContact', imNumber: quiet.imNumber }),
    );
    h.advance(h.deps.config.connectionTtlSeconds * 1000 + 1);
    await wsPing(wsEvent('ping', 'wade-1', w, { action: 'ping' })); // the watcher's socket is still alive
    h.connections.clear();

    await getContactsHandler(wsEvent('getContacts', 'wade-1', w, { action: 'getContacts' }));
    const presence = () =>
      h.connections
        .framesOf<{ imNumber: string; status: string }>('wade-1', 'presence')
        .filter((f) => f.imNumber === quiet.imNumber);
    expect(presence().map((f) => f.status)).toEqual(['offline']);
    const [contacts] = h.connections.framesOf<{ contacts: Array<{ status: string }> }>('wade-1', 'contacts');
    expect(contacts.contacts).toEqual([
      expect.objectContaining({ imNumber: quiet.imNumber, status: 'offline' }),
    ]);

    await getContactsHandler(wsEvent('getContacts', 'wade-1', w, { action: 'getContacts' }));
    expect(presence()).toHaveLength(1);

    await wsPing(wsEvent('ping', 'quinn-1', q, { action: 'ping' })); // it was alive after all
    expect(presence().map((f) => f.status)).toEqual(['offline', 'online']);
  });
});
