// A tiny one-way store: state is replaced, never mutated in place, and every subscriber re-renders from it.

/**
 * createStore(initial) → { get, set, subscribe }.
 *   get()           the current state (treat as read-only)
 *   set(patch)      merges an object (or fn(state) → object) into a new state and notifies subscribers
 *   subscribe(fn)   fn(state) after every set; returns an unsubscribe function
 */
export function createStore(initial) {
  let state = { ...initial };
  const subs = new Set();
  return {
    get: () => state,
    set(patch) {
      const next = typeof patch === 'function' ? patch(state) : patch;
      state = { ...state, ...next };
      for (const fn of [...subs]) fn(state);
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
  };
}
