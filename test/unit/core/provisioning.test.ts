import { findOrCreateUser } from '../../../shared/core/provisioning/accounts';
import {
  OTP_MAX_TRIES,
  OTP_TRIES_PER_ADDRESS,
  OTP_TRY_WINDOW_MS,
  OTP_TTL_MS,
} from '../../../shared/core/provisioning/codes';
import { nameKey } from '../../../shared/core/provisioning/names';
import { startAuth, verifyAuth } from '../../../shared/core/provisioning/sign-in';
import { verifyToken } from '../../../shared/core/provisioning/tokens';
import { coreWorld, JWT_SECRET, type CoreWorld } from '../../support/core-deps';

/** Provisioning on in-memory ports: codes, their limits, sign-in and account creation. */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

const PHONE = '+14155550100';
const OWNER_IP = '198.51.100.1';
const codeIn = (phone: string) => /\b(\d{6})\b/.exec(w.sms.inbox(phone).at(-1)!.body)![1];

describe('sign-in codes', () => {
  it('sends a code that verifies once, creating the account with a default name', async () => {
    await startAuth(w.deps, { phone: PHONE, sourceIp: '198.51.100.1' });
    const code = codeIn(PHONE);
    expect(JSON.stringify([...w.stores.table.otps.values()])).not.toContain(code);
    const out = await verifyAuth(w.deps, { phone: PHONE, code, sourceIp: OWNER_IP });
    expect(out.user).toEqual({ imNumber: out.user.imNumber, name: `u${out.user.imNumber}`, phone: PHONE });
    expect(await verifyToken(JWT_SECRET, out.token, w.clock.now())).toEqual({
      imNumber: out.user.imNumber,
      name: out.user.name,
    });
    await expect(verifyAuth(w.deps, { phone: PHONE, code, sourceIp: OWNER_IP })).rejects.toMatchObject({
      code: 'code_expired',
    });
  });

  it('locks an address out of a phone after its tries, not the phone: the owner elsewhere still signs in', async () => {
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const code = codeIn(PHONE);
    const wrong = code === '000000' ? '111111' : '000000';
    const stranger = { phone: PHONE, sourceIp: '203.0.113.66' };
    for (let i = 0; i < OTP_TRIES_PER_ADDRESS; i++)
      await expect(verifyAuth(w.deps, { ...stranger, code: wrong })).rejects.toMatchObject({
        code: 'wrong_code',
      });
    await expect(verifyAuth(w.deps, { ...stranger, code })).rejects.toMatchObject({
      code: 'too_many_tries',
      kind: 'rate_limited',
    });
    // The phone is not locked: the owner is sent the same live code and signs in with it.
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    expect(codeIn(PHONE)).toBe(code);
    await expect(verifyAuth(w.deps, { phone: PHONE, code, sourceIp: OWNER_IP })).resolves.toMatchObject({
      user: { phone: PHONE },
    });
  });

  it('an address gets its tries back after the window, and an expired code is refused', async () => {
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const code = codeIn(PHONE);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < OTP_TRIES_PER_ADDRESS; i++)
      await expect(
        verifyAuth(w.deps, { phone: PHONE, code: wrong, sourceIp: OWNER_IP }),
      ).rejects.toMatchObject({
        code: 'wrong_code',
      });
    w.clock.advance(OTP_TTL_MS);
    await expect(verifyAuth(w.deps, { phone: PHONE, code, sourceIp: OWNER_IP })).rejects.toMatchObject({
      code: 'too_many_tries',
    });
    w.clock.advance(OTP_TRY_WINDOW_MS);
    await expect(verifyAuth(w.deps, { phone: PHONE, code, sourceIp: OWNER_IP })).rejects.toMatchObject({
      code: 'code_expired',
    });
  });

  it('a code dies after its tries from all addresses; the next request sends a new code, no lock', async () => {
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const code = codeIn(PHONE);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < OTP_MAX_TRIES; i++) {
      const sourceIp = `203.0.113.${Math.floor(i / OTP_TRIES_PER_ADDRESS)}`;
      await expect(verifyAuth(w.deps, { phone: PHONE, code: wrong, sourceIp })).rejects.toMatchObject({
        code: 'wrong_code',
      });
    }
    await expect(verifyAuth(w.deps, { phone: PHONE, code, sourceIp: OWNER_IP })).rejects.toMatchObject({
      code: 'code_expired',
    });
    w.ids.codes.push('654321');
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const fresh = codeIn(PHONE);
    expect(fresh).toBe('654321');
    await expect(
      verifyAuth(w.deps, { phone: PHONE, code: fresh, sourceIp: OWNER_IP }),
    ).resolves.toMatchObject({
      user: { phone: PHONE },
    });
  });

  it("limits codes per address and phone: a stranger's fourth in ten minutes is refused and not sent", async () => {
    for (let i = 0; i < 3; i++) await startAuth(w.deps, { phone: PHONE, sourceIp: '203.0.113.66' });
    await expect(startAuth(w.deps, { phone: PHONE, sourceIp: '203.0.113.66' })).rejects.toMatchObject({
      code: 'too_many_requests',
    });
    expect(w.sms.inbox(PHONE)).toHaveLength(3);
  });

  it("a stranger's requests do not lock the owner out: the owner gets the same live code and signs in", async () => {
    for (let i = 0; i < 3; i++) await startAuth(w.deps, { phone: PHONE, sourceIp: '203.0.113.66' });
    const first = codeIn(PHONE);
    await startAuth(w.deps, { phone: PHONE, sourceIp: '198.51.100.1' });
    expect(codeIn(PHONE)).toBe(first);
    expect(new Set(w.sms.inbox(PHONE).map((m) => /\d{6}/.exec(m.body)![0]))).toEqual(new Set([first]));
    await expect(
      verifyAuth(w.deps, { phone: PHONE, code: first, sourceIp: OWNER_IP }),
    ).resolves.toMatchObject({
      user: { phone: PHONE },
    });
  });

  it('caps codes per phone per day across addresses', async () => {
    for (let i = 0; i < 20; i++) await startAuth(w.deps, { phone: PHONE, sourceIp: `198.51.100.${i}` });
    await expect(startAuth(w.deps, { phone: PHONE, sourceIp: '198.51.100.99' })).rejects.toMatchObject({
      code: 'too_many_requests',
    });
    expect(w.sms.inbox(PHONE)).toHaveLength(20);
  });

  it('refuses an opted-out phone and a country not served, sending nothing', async () => {
    await w.stores.users.setOptOut(PHONE, true);
    await expect(startAuth(w.deps, { phone: PHONE, sourceIp: '198.51.100.1' })).rejects.toMatchObject({
      code: 'opted_out',
      kind: 'forbidden',
    });
    await expect(
      startAuth(w.deps, { phone: '+447700900123', sourceIp: '198.51.100.1' }),
    ).rejects.toMatchObject({
      code: 'country_not_allowed',
    });
    expect(w.sms.sent).toEqual([]);
  });
});

describe('refusals that send nothing spend no sending budget', () => {
  it('an opted-out phone refused four times from one address can ask for a code once it texts START', async () => {
    await w.stores.users.setOptOut(PHONE, true);
    for (let i = 0; i < 4; i++)
      await expect(startAuth(w.deps, { phone: PHONE, sourceIp: '203.0.113.5' })).rejects.toMatchObject({
        code: 'opted_out',
      });
    await w.stores.users.setOptOut(PHONE, false);
    for (let i = 0; i < 3; i++) await startAuth(w.deps, { phone: PHONE, sourceIp: '203.0.113.5' });
    expect(w.sms.inbox(PHONE)).toHaveLength(3);
  });

  it('refusals do not count towards the per-phone daily cap either', async () => {
    await w.stores.users.setOptOut(PHONE, true);
    for (let i = 0; i < 20; i++)
      await expect(startAuth(w.deps, { phone: PHONE, sourceIp: `198.51.100.${i}` })).rejects.toMatchObject({
        code: 'opted_out',
      });
    await w.stores.users.setOptOut(PHONE, false);
    await startAuth(w.deps, { phone: PHONE, sourceIp: '198.51.100.200' });
    expect(w.sms.inbox(PHONE)).toHaveLength(1);
  });
});

describe('accounts', () => {
  it('keeps a chosen name unique, case-insensitively, and the code usable after a refusal', async () => {
    await w.user({ name: 'Alice' });
    await startAuth(w.deps, { phone: PHONE, sourceIp: '198.51.100.1' });
    const code = codeIn(PHONE);
    await expect(
      verifyAuth(w.deps, { phone: PHONE, code, name: 'alice', sourceIp: OWNER_IP }),
    ).rejects.toMatchObject({
      code: 'name_taken',
      kind: 'conflict',
    });
    expect(
      (await verifyAuth(w.deps, { phone: PHONE, code, name: 'alicia', sourceIp: OWNER_IP })).user.name,
    ).toBe('alicia');
  });

  it('a name claimed under an older key rule claims its look key when its owner signs in again', async () => {
    // cIive claimed before look keys: only its nameKey row (ciive) exists, so clive was not blocked.
    const old = await w.user({ name: 'cIive' });
    w.stores.table.names.delete(nameKey('clive'));
    w.stores.table.lookNames.delete(nameKey('clive'));
    expect(await w.stores.users.findNameHolder('clive')).toBeNull();
    await startAuth(w.deps, { phone: old.phone, sourceIp: OWNER_IP });
    await verifyAuth(w.deps, { phone: old.phone, code: codeIn(old.phone), sourceIp: OWNER_IP });
    expect(await w.stores.users.findNameHolder('clive')).toBe(old.imNumber);
    expect(await w.stores.users.claimName('clive', '99999999')).toBe(false);
  });

  it('retries an imNumber that is taken, and returns the same user for the same phone', async () => {
    const taken = await w.user();
    w.ids.imNumber = (() => {
      const queue = [taken.imNumber, '55555555'];
      return () => queue.shift()!;
    })();
    const first = await findOrCreateUser(w.deps, PHONE);
    expect(first).toMatchObject({ created: true, user: { imNumber: '55555555' } });
    expect(await findOrCreateUser(w.deps, PHONE)).toMatchObject({
      created: false,
      user: { imNumber: '55555555' },
    });
  });
});
