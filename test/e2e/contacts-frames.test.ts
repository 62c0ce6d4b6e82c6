import {
  answer,
  eventually,
  http,
  ImClient,
  inbox,
  signUp,
  type E2eUser,
  type Frame,
} from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * Every frame that shows a contact shows the same contact (docs/protocol.md: "its own current name and profile"
 * and its presence), through the local stack with real WebSocket clients: the `contact` frame of addContact and
 * of removeContact show what a `getContacts` page shows at that moment. Before, the removed frame showed the
 * name stored on the list when the contact was added, no mood or avatar, and always `offline`.
 */
const e2e = useLocalStack('contacts-frames');

let n = 900;
const newPhone = () => `+1415555${String(++n).padStart(4, '0')}`;
let m = 300;
const strangerPhone = () => `+1650555${String(++m).padStart(4, '0')}`;
const connect = (user: E2eUser) => e2e.connect(user);

/** The owner's contact `imNumber` as the first page of getContacts shows it now (the list is short). */
async function listed(owner: ImClient, imNumber: string): Promise<Frame> {
  const list = await answer(owner.api.getContacts());
  const found = (list.contacts as Frame[]).find((c) => c.imNumber === imNumber);
  if (!found) throw new Error(`${imNumber} is not listed`);
  return found;
}

describe('a contact shows the same in every frame', () => {
  it('removeContact answers with the contact as the list shows it: current name, mood, avatar, online', async () => {
    const [amy, ben] = [await signUp(e2e.base, newPhone(), 'Amy'), await signUp(e2e.base, newPhone(), 'Ben')];
    const [a, b] = [await connect(amy), await connect(ben)];
    await answer(b.api.updateProfile({ mood: 'busy', avatarUrl: 'https://example.com/b.png' }));
    const added = await answer(a.api.addContact({ imNumber: ben.imNumber }));
    const shown = {
      imNumber: ben.imNumber,
      name: 'Ben',
      mood: 'busy',
      avatarUrl: 'https://example.com/b.png',
      status: 'online',
    };
    expect(added.contact).toEqual(shown);
    expect(await listed(a, ben.imNumber)).toEqual(shown);

    // Ben renames and changes his mood after Amy added him: the list shows it, and so does the removed frame.
    await answer(b.api.updateProfile({ name: 'Benedict', mood: 'at lunch' }));
    const now = { ...shown, name: 'Benedict', mood: 'at lunch' };
    expect(await listed(a, ben.imNumber)).toEqual(now);
    const removed = await answer(a.api.removeContact({ imNumber: ben.imNumber }));
    expect(removed).toEqual({ type: 'contact', op: 'removed', version: 2, contact: now });
    expect((await answer(a.api.getContacts())).contacts).toEqual([]);
  });

  it('a contact added under its default name and renamed after; offline when its last socket closed', async () => {
    const [amy, cal] = [await signUp(e2e.base, newPhone(), 'Ann'), await signUp(e2e.base, newPhone())];
    const [a, c] = [await connect(amy), await connect(cal)];
    const added = await answer(a.api.addContact({ imNumber: cal.imNumber }));
    expect(added.contact).toEqual({ imNumber: cal.imNumber, name: `u${cal.imNumber}`, status: 'online' });
    await answer(c.api.updateProfile({ name: 'Calliope' }));
    await c.close();
    await a.waitFor((f) => f.type === 'presence' && f.imNumber === cal.imNumber && f.status === 'offline');
    const shown = { imNumber: cal.imNumber, name: 'Calliope', status: 'offline' };
    expect(await listed(a, cal.imNumber)).toEqual(shown);
    const removed = await answer(a.api.removeContact({ imNumber: cal.imNumber }));
    expect(removed.contact).toEqual(shown);
  });

  it('an invitee who said YES shows under the name the inviter gave until it picks its own, in every frame', async () => {
    const ivy = await signUp(e2e.base, newPhone(), 'Ivy');
    const i = await connect(ivy);
    const phone = strangerPhone();
    await answer(i.api.invite({ phone, name: 'Dora' }));
    const sms = await eventually(async () =>
      (await inbox(e2e.base, phone)).find((s) => s.body.includes('invites you')),
    );
    const yes = await http(e2e.base, 'POST', '/sandbox/sms', { from: phone, to: sms.from, body: 'YES' });
    expect(yes.status).toBe(201);
    const accepted = await i.waitFor((f) => f.type === 'invitation' && f.status === 'accepted');
    const invitee = accepted.imNumber as string;
    expect(accepted.name).toBe('Dora');
    // The new user has the default name: the list shows the name Ivy gave, and so does the removed frame.
    const shown = { imNumber: invitee, name: 'Dora', status: 'offline' };
    expect(await listed(i, invitee)).toEqual(shown);
    expect((await answer(i.api.removeContact({ imNumber: invitee }))).contact).toEqual(shown);

    // Added back, then the invitee signs in and picks a name: every frame shows that one.
    const d = await connect(await signUp(e2e.base, phone));
    await answer(d.api.updateProfile({ name: 'Dorothea' }));
    const again = await answer(i.api.addContact({ imNumber: invitee }));
    const named = { imNumber: invitee, name: 'Dorothea', status: 'online' };
    expect(again.contact).toEqual(named);
    expect(await listed(i, invitee)).toEqual(named);
    expect((await answer(i.api.removeContact({ imNumber: invitee }))).contact).toEqual(named);
    await d.close();
  });

  it('a non-IM contact shows its phone and the name its owner gave it, added and removed alike', async () => {
    const a = await connect(await signUp(e2e.base, newPhone(), 'Abe'));
    const shown = { phone: '+14155550950', name: 'Plumber' };
    expect((await answer(a.api.addContact({ phone: '+1 415 555 0950', name: ' Plumber ' }))).contact).toEqual(
      shown,
    );
    expect((await answer(a.api.getContacts())).contacts).toEqual([shown]);
    expect((await answer(a.api.removeContact({ phone: '+14155550950' }))).contact).toEqual(shown);
  });
});
