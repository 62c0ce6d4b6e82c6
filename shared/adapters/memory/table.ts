import type { Invitation, OtpRecord, PhoneRecord } from '../../core/ports';
import type { Connection, Contact, MessageRecord, UserProfile } from '../../core/types';

/**
 * The in-memory counterpart of the DynamoDB table (../dynamo/table.ts): the same entities, kept in maps, for
 * unit tests of the core's rules. Values are copied in and out, as a database would, so a caller can never
 * change stored state by mutating what it passed or got back.
 */
export class MemoryTable {
  readonly profiles = new Map<string, UserProfile>();
  /** imNumber → connectionId → connection. Survives deleteUser, as CONN# rows do on DynamoDB. */
  readonly connections = new Map<string, Map<string, Connection>>();
  readonly phones = new Map<string, PhoneRecord>();
  /** name key → imNumber. */
  readonly names = new Map<string, string>();
  /** The keys in `names` that are look rows (a name's lookKey, no one's name: dynamo/users.ts). */
  readonly lookNames = new Set<string>();
  readonly messages = new Map<string, MessageRecord>();
  readonly otps = new Map<string, OtpRecord>();
  /** `<key>#<window start>` → hits. */
  readonly rates = new Map<string, number>();
  /** key → the claim: expiresAt (epoch ms), state (`pending` | `done`; none for a rate-limit token), holder. */
  readonly once = new Map<string, { expiresAt: number; state?: 'pending' | 'done'; holder?: string }>();
  /** owner → `im#<imNumber>` | `phone#<e164>` → contact. */
  readonly contacts = new Map<string, Map<string, Contact>>();
  /** imNumber → the users who have it as a contact. */
  readonly watchers = new Map<string, Set<string>>();
  /** phone → its invitation. */
  readonly invitations = new Map<string, Invitation>();
  /** inviter → phones invited. */
  readonly sentInvitations = new Map<string, Set<string>>();
}

/** A deep copy, standing in for the (de)serialisation a real store does. */
export const copy = <T>(value: T): T => structuredClone(value);
