import { loadConfig } from '../../shared/config';
import { memoryStores } from '../../shared/adapters/memory';
import {
  ManualAckScheduler,
  ManualClock,
  MemoryImChannel,
  MemorySmsProvider,
  SequenceIds,
} from '../../shared/adapters/memory/servers';
import { onAckTimeout } from '../../shared/core/delivery/ack-timeout';
import type { Deps } from '../../shared/core/ports';
import type { UserProfile } from '../../shared/core/types';

export const SERVICE_NUMBERS = ['+15005550100', '+15005550101'];
export const JWT_SECRET = 'unit-test-jwt-secret-that-is-long-enough-0123';

/** The core on in-memory ports: every store, the IM and SMS servers, the ack timer, time and ids by hand. */
export interface CoreWorld {
  deps: Deps;
  stores: ReturnType<typeof memoryStores>;
  im: MemoryImChannel;
  sms: MemorySmsProvider;
  ack: ManualAckScheduler;
  clock: ManualClock;
  ids: SequenceIds;
  /** Logged events, as { event, ...fields }. */
  logs: Array<Record<string, unknown>>;
  /** Runs every delivery check scheduled so far, as the durable timer would when they fall due. */
  fireAckChecks(): Promise<void>;
  /** Runs the checks due at once (a stored text's routing), as the durable timer would right away. */
  routeQueued(): Promise<void>;
  /** A user stored directly (no sign-in), with an optional live connection. */
  user(over?: Partial<UserProfile> & { connectionId?: string }): Promise<UserProfile>;
}

let phones = 0;

export function coreWorld(env: Record<string, string> = {}): CoreWorld {
  const stores = memoryStores();
  const im = new MemoryImChannel();
  const sms = new MemorySmsProvider();
  const ack = new ManualAckScheduler();
  const clock = new ManualClock();
  const ids = new SequenceIds();
  const logs: Array<Record<string, unknown>> = [];
  const record = (event: string, fields: Record<string, unknown> = {}) => logs.push({ event, ...fields });
  const { table: _table, ...ports } = stores;
  const deps: Deps = {
    ...ports,
    config: loadConfig({
      TABLE_NAME: 'unit',
      PUBLIC_URL: 'https://im.example.test',
      SERVICE_NUMBERS: SERVICE_NUMBERS.join(','),
      ...env,
    }),
    im,
    sms,
    ack,
    clock,
    ids,
    log: { debug: record, info: record, warn: record, error: record },
    secrets: { jwtSecret: JWT_SECRET, twilioAccountSid: 'AC' + '0'.repeat(32) },
  };
  return {
    deps,
    stores,
    im,
    sms,
    ack,
    clock,
    ids,
    logs,
    fireAckChecks: async () => {
      for (const id of ack.due()) await onAckTimeout(deps, id);
    },
    routeQueued: async () => {
      for (const id of ack.dueNow()) await onAckTimeout(deps, id);
    },
    user: async ({ connectionId, ...over } = {}) => {
      const imNumber = over.imNumber ?? ids.imNumber();
      const profile: UserProfile = {
        imNumber,
        name: `user${imNumber}`,
        phone: `+1212555${String(++phones).padStart(4, '0')}`,
        mode: 'online',
        optedOut: false,
        threads: {},
        createdAt: clock.now(),
        ...over,
      };
      await stores.users.createUser(profile);
      await stores.users.linkPhone(profile.phone, imNumber);
      await stores.users.claimName(profile.name, imNumber);
      if (connectionId) {
        const now = clock.now();
        await stores.logins.putConnection(imNumber, {
          connectionId,
          connectedAt: now,
          expiresAt: now + 600_000,
        });
      }
      return profile;
    },
  };
}
