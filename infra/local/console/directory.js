// The names of IM users this console has seen signed in, by imNumber. A contact added by number then shows the
// name its owner chose, before they ever write. Kept in localStorage; the server has no lookup by imNumber yet.
import { load, save } from './store.js';

const KEY = 'directory';

/** The display name known for an imNumber, or null. */
export function knownName(imNumber) {
  return load(KEY, {})[imNumber] ?? null;
}

/** Remembers a signed-in user's name. */
export function rememberUser(user) {
  if (!user?.imNumber || !user.name) return;
  const all = load(KEY, {});
  if (all[user.imNumber] === user.name) return;
  save(KEY, { ...all, [user.imNumber]: user.name });
}
