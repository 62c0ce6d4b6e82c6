import type { ThreadBinding, UserProfile } from '../types';

/** How a read may be served. An in-memory store is always consistent and ignores it. */
export interface ReadOptions {
  /** See every write confirmed before the read (DynamoDB: ConsistentRead, 2× the RCU). Default false. */
  consistent?: boolean;
}

/** The phone-keyed pointer: which user a phone belongs to, and the phone's own state before it has a user. */
export interface PhoneRecord {
  phone: string;
  imNumber?: string;
  optedOut: boolean;
}

/**
 * The user directory (the patent's user data server, minus login status): profiles, phones, unique names and
 * the per-phone SMS state. Every write that can race is conditional, and says whether it won.
 */
export interface UserDirectory {
  /**
   * The profile, or null. `consistent` asks for a read that sees every write confirmed before it (DynamoDB:
   * ConsistentRead, 2× the read cost): for decisions taken right after another process's write.
   */
  getUser(imNumber: string, opts?: ReadOptions): Promise<UserProfile | null>;
  /** Creates the profile unless that imNumber is taken. */
  createUser(profile: UserProfile): Promise<'created' | 'taken'>;
  deleteUser(imNumber: string): Promise<void>;
  getPhone(phone: string, opts?: ReadOptions): Promise<PhoneRecord | null>;
  /** The user a phone belongs to. The link never changes once made, so adapters may cache it. */
  userOfPhone(phone: string): Promise<string | null>;
  /**
   * Binds a phone to a user unless it is bound already; returns the record that won. The row holds no name: a
   * copy there went stale on every rename, and nothing read it.
   */
  linkPhone(phone: string, imNumber: string): Promise<PhoneRecord>;
  /** imNumber for a name (by its nameKey: case-insensitive, look-alikes too), or null. */
  findByName(name: string): Promise<string | null>;
  /**
   * Who holds any key the name would claim (its nameKey, lookKey or former key), or null: the check before a
   * claim that must not spend anything when it would fail. One Get per key (one for most names).
   */
  findNameHolder(name: string): Promise<string | null>;
  /**
   * Claims every key of a name (provisioning/names.ts, nameKeys) for a user unless anyone else holds one; false
   * when taken, with nothing left claimed by this call. Claiming a name the user already holds is true.
   */
  claimName(name: string, imNumber: string): Promise<boolean>;
  /**
   * Releases a name's keys (its former key too), only those this user holds, and none that `keep` also claims
   * (the user's new name, on a rename).
   */
  releaseName(name: string, imNumber: string, keep?: string): Promise<void>;
  /** Records STOP/START on the phone and, when it has a user, on the profile the router reads. */
  setOptOut(phone: string, optedOut: boolean, imNumber?: string): Promise<void>;
  /**
   * Records that the provider refuses (`blocked`), or takes again, SMS from one service number to the user's phone
   * (UserProfile.blockedNumbers); nothing when the user is gone.
   */
  setNumberBlocked(imNumber: string, serviceNumber: string, blocked: boolean): Promise<void>;
  /** Binds one of the user's SMS threads (a service number) to a contact; nothing when the user is gone. */
  setThread(imNumber: string, serviceNumber: string, binding: ThreadBinding): Promise<void>;
  /**
   * Sets (or, for an empty string, removes) the profile's mood phrase and avatar URL, and sets its name (already
   * validated and claimed: claimName); fields left undefined are kept. Returns the updated profile, or null when
   * the user does not exist.
   */
  updateProfile(
    imNumber: string,
    changes: { mood?: string; avatarUrl?: string; name?: string },
  ): Promise<UserProfile | null>;
}
