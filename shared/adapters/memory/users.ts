import { legacyNameKey, nameKey, nameKeys } from '../../core/provisioning/names';
import type { PhoneRecord, UserDirectory } from '../../core/ports';
import type { ThreadBinding, UserProfile } from '../../core/types';
import { copy, type MemoryTable } from './table';

/** The user directory in memory, with the DynamoDB adapter's conditions (./dynamo/users.ts). */
export class MemoryUserDirectory implements UserDirectory {
  constructor(private readonly t: MemoryTable) {}

  async getUser(imNumber: string): Promise<UserProfile | null> {
    const p = this.t.profiles.get(imNumber);
    return p ? copy(p) : null;
  }

  async createUser(profile: UserProfile): Promise<'created' | 'taken'> {
    if (this.t.profiles.has(profile.imNumber)) return 'taken';
    this.t.profiles.set(profile.imNumber, copy(profile));
    return 'created';
  }

  async deleteUser(imNumber: string): Promise<void> {
    this.t.profiles.delete(imNumber);
  }

  async getPhone(phone: string): Promise<PhoneRecord | null> {
    const r = this.t.phones.get(phone);
    return r ? copy(r) : null;
  }

  async userOfPhone(phone: string): Promise<string | null> {
    return this.t.phones.get(phone)?.imNumber ?? null;
  }

  async linkPhone(phone: string, imNumber: string): Promise<PhoneRecord> {
    const existing = this.t.phones.get(phone);
    if (existing?.imNumber) return copy(existing);
    const record: PhoneRecord = { phone, imNumber, optedOut: existing?.optedOut ?? false };
    this.t.phones.set(phone, record);
    return copy(record);
  }

  async findByName(name: string): Promise<string | null> {
    const key = nameKey(name);
    if (this.t.lookNames.has(key)) return null;
    return this.t.names.get(key) ?? this.t.names.get(legacyNameKey(name)) ?? null;
  }

  async findNameHolder(name: string): Promise<string | null> {
    for (const key of new Set([...nameKeys(name), legacyNameKey(name)])) {
      const holder = this.t.names.get(key);
      if (holder !== undefined) return holder;
    }
    return null;
  }

  async claimName(name: string, imNumber: string): Promise<boolean> {
    const legacy = this.t.names.get(legacyNameKey(name));
    if (legacy !== undefined && legacy !== imNumber) return false;
    const keys = nameKeys(name);
    if (keys.some((k) => this.t.names.has(k) && this.t.names.get(k) !== imNumber)) return false;
    for (const key of keys) {
      this.t.names.set(key, imNumber);
      if (key !== keys[0]) this.t.lookNames.add(key);
      else this.t.lookNames.delete(key);
    }
    return true;
  }

  async releaseName(name: string, imNumber: string, keep?: string): Promise<void> {
    const kept = new Set(keep === undefined ? [] : [...nameKeys(keep), legacyNameKey(keep)]);
    for (const key of new Set([...nameKeys(name), legacyNameKey(name)])) {
      if (kept.has(key) || this.t.names.get(key) !== imNumber) continue;
      this.t.names.delete(key);
      this.t.lookNames.delete(key);
    }
  }

  async setOptOut(phone: string, optedOut: boolean, imNumber?: string): Promise<void> {
    const existing = this.t.phones.get(phone);
    this.t.phones.set(phone, { ...(existing ?? { phone }), phone, optedOut });
    const profile = imNumber ? this.t.profiles.get(imNumber) : undefined;
    if (profile) profile.optedOut = optedOut;
  }

  async setNumberBlocked(imNumber: string, serviceNumber: string, blocked: boolean): Promise<void> {
    const profile = this.t.profiles.get(imNumber);
    if (!profile) return;
    const rest = (profile.blockedNumbers ?? []).filter((n) => n !== serviceNumber);
    const next = blocked ? [...rest, serviceNumber].sort() : rest;
    if (next.length) profile.blockedNumbers = next;
    else delete profile.blockedNumbers;
  }

  async setThread(imNumber: string, serviceNumber: string, binding: ThreadBinding): Promise<void> {
    const profile = this.t.profiles.get(imNumber);
    if (profile) profile.threads = { ...profile.threads, [serviceNumber]: copy(binding) };
  }

  async updateProfile(
    imNumber: string,
    changes: { mood?: string; avatarUrl?: string; name?: string },
  ): Promise<UserProfile | null> {
    const p = this.t.profiles.get(imNumber);
    if (!p) return null;
    if (changes.name !== undefined) p.name = changes.name;
    for (const key of ['mood', 'avatarUrl'] as const) {
      const value = changes[key];
      if (value === undefined) continue;
      if (value === '') delete p[key];
      else p[key] = value;
    }
    return copy(p);
  }
}
