import { conflict, forbidden, unavailable } from '../errors';
import { isServiceNumber } from '../im-sms/outbound';
import type { Deps } from '../ports';
import { defaultName, legacyNameKey, nameKey, nameKeys } from './names';
import type { UserProfile } from '../types';
import { LogEvent } from '../log-events';

const MAX_ALLOCATION_TRIES = 8;

/**
 * Returns the user a phone belongs to, creating it on first use (first verification, or a plain phone's first
 * addressed SMS). Without transactions the writes are ordered so that a crash or a race leaves nothing that
 * matters: the profile (with a random imNumber, retried on collision, never a global counter), then the name
 * claim, then the phone link, which is the commit point. A loser of a race on the same phone removes its own
 * profile and name and returns the winner. A service number never becomes a user (DomainError `service_number`).
 */
export async function findOrCreateUser(
  deps: Deps,
  phone: string,
  chosenName?: string,
): Promise<{ user: UserProfile; created: boolean }> {
  if (isServiceNumber(deps, phone)) {
    throw forbidden('this is one of the service’s own numbers, not a person’s phone', 'service_number');
  }
  const existing = await deps.users.getPhone(phone);
  if (existing?.imNumber) {
    // Consistent: the profile was written just before its link, maybe by another process a moment ago.
    const user = await deps.users.getUser(existing.imNumber, { consistent: true });
    if (user) {
      await backfillNameKeys(deps, user);
      return { user, created: false };
    }
  }
  const now = deps.clock.now();
  let profile: UserProfile | null = null;
  for (let i = 0; i < MAX_ALLOCATION_TRIES && !profile; i++) {
    const imNumber = deps.ids.imNumber();
    const candidate: UserProfile = {
      imNumber,
      name: chosenName ?? defaultName(imNumber),
      phone,
      mode: 'online',
      optedOut: existing?.optedOut ?? false,
      threads: {},
      createdAt: now,
    };
    if ((await deps.users.createUser(candidate)) === 'created') profile = candidate;
  }
  if (!profile) throw unavailable('could not allocate an imNumber; try again');
  if (chosenName && !(await deps.users.claimName(chosenName, profile.imNumber))) {
    await deps.users.deleteUser(profile.imNumber);
    throw conflict(`the name ${chosenName} is taken`, 'name_taken');
  }
  const link = await deps.users.linkPhone(phone, profile.imNumber);
  if (link.imNumber !== profile.imNumber) {
    if (chosenName) await deps.users.releaseName(chosenName, profile.imNumber);
    await deps.users.deleteUser(profile.imNumber);
    const winner = link.imNumber ? await deps.users.getUser(link.imNumber, { consistent: true }) : null;
    if (!winner) throw unavailable('account creation raced; try again');
    return { user: winner, created: false };
  }
  deps.log.info(LogEvent.UserCreated, { imNumber: profile.imNumber });
  return { user: profile, created: true };
}

/**
 * Rows claimed under an older key rule hold only the key of that rule: the NFC lower-cased name (before
 * look-alike keys), or the nameKey alone (before look keys, so a `cIive` claimed then blocks no `clive`). When
 * such a user signs in again, their name claims its current keys too, where free (docs/design.md, "Names").
 * Costs nothing for a default name or a name whose keys are all one (most names); else a Get and a write or two.
 */
async function backfillNameKeys(deps: Deps, user: UserProfile): Promise<void> {
  if (user.name === defaultName(user.imNumber)) return;
  if (nameKeys(user.name).length === 1 && legacyNameKey(user.name) === nameKey(user.name)) return;
  await deps.users.claimName(user.name, user.imNumber);
}
