import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  type DeleteCommand,
  type PutCommand,
  type UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { legacyNameKey, nameKey } from '../../core/provisioning/names';
import type { MessageRecord, UserProfile } from '../../core/types';
import type { PhoneRecord } from '../../core/ports';

/**
 * One DynamoDB table (pk, sk; TTL attribute `ttl`) shared by every per-entity store. Every access is by key;
 * nothing Scans.
 *
 *   USER#<imNumber>  PROFILE          profile, presence mode, phone state (opt-out, SMS threads)
 *   USER#<imNumber>  CONN#<id>        one live connection, with expiresAt and ttl
 *   PHONE#<e164>     PHONE            phone → imNumber pointer; opt-out of phones without an account
 *   NAME#<name key>  NAME             unique name → imNumber
 *   MSG#<id>         MSG              a message, its status and channel path
 *   OTP#<e164>       OTP              hashed code, expiry, tries
 *   RATE#<key>#<w>   RATE             a fixed-window counter
 *   ONCE#<key>       ONCE             an idempotency claim (webhook sids: state, expiresAt; reply limits: holder)
 *   USER#<imNumber>  ROSTER#im#<n>    an IM contact on the user's list (sorts after PROFILE: not in "who and where")
 *   USER#<imNumber>  ROSTER#phone#<e> a non-IM contact (a phone and a name)
 *   USER#<imNumber>  WATCHER#<n>      the reverse edge: user n has this user as a contact (presence fan-out)
 *
 * MSG# rows also carry conv (the two users, ordered) and convAt (zero-padded sentAt#id): the sparse global
 * secondary index CONVERSATION_INDEX (conv, convAt) serves history, one Query per page.
 *
 * Connections and the profile share a partition, and CONN# < PROFILE in sort order, so one Query for
 * sk BETWEEN 'CONN#' AND 'PROFILE' answers "who and where". DynamoDB's TTL deletes late (and dynalite never),
 * so every expiring row also carries expiresAt and is ignored on read once past it.
 */
export class Table {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly name: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  /** Sends a conditional write; false when its condition did not hold. Other errors are thrown. */
  async conditional(command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
    try {
      await this.doc.send(command as PutCommand);
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}

export const userPk = (imNumber: string) => `USER#${imNumber}`;
export const userKey = (imNumber: string) => ({ pk: userPk(imNumber), sk: 'PROFILE' });
export const connKey = (imNumber: string, connectionId: string) => ({
  pk: userPk(imNumber),
  sk: `CONN#${connectionId}`,
});
export const phoneKey = (phone: string) => ({ pk: `PHONE#${phone}`, sk: 'PHONE' });
export const nameItemKey = (name: string) => nameKeyItem(nameKey(name));
/** The row of one name key (nameKey or lookKey of a name). */
export const nameKeyItem = (key: string) => ({ pk: `NAME#${key}`, sk: 'NAME' });
/** Where a name claimed before look-alike keys lives (NFC, lower-cased): read only, never written again. */
export const legacyNameItemKey = (name: string) => ({ pk: `NAME#${legacyNameKey(name)}`, sk: 'NAME' });
export const msgKey = (id: string) => ({ pk: `MSG#${id}`, sk: 'MSG' });
export const contactSk = (ref: { imNumber: string } | { phone: string }) =>
  'imNumber' in ref ? `ROSTER#im#${ref.imNumber}` : `ROSTER#phone#${ref.phone}`;
export const watcherSk = (imNumber: string) => `WATCHER#${imNumber}`;
export const otpKey = (phone: string) => ({ pk: `OTP#${phone}`, sk: 'OTP' });
/** DynamoDB TTL is epoch seconds; keep rows a minute past their logical expiry. */
export const ttlOf = (epochMs: number) => Math.ceil(epochMs / 1000) + 60;

export type Item = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function toProfile(item: Item): UserProfile {
  return {
    imNumber: item.imNumber,
    name: item.name,
    phone: item.phone,
    mode: item.mode ?? 'online',
    optedOut: Boolean(item.optedOut),
    threads: item.threads ?? {},
    createdAt: item.createdAt,
    // A string set (ADD/DELETE need no map to exist first), read as a sorted list.
    ...(item.blockedNumbers?.size
      ? { blockedNumbers: [...(item.blockedNumbers as Set<string>)].sort() }
      : {}),
    ...(item.mood ? { mood: item.mood } : {}),
    ...(item.avatarUrl ? { avatarUrl: item.avatarUrl } : {}),
    ...(item.contactsVersion ? { contactsVersion: item.contactsVersion } : {}),
    ...(item.contactsCount ? { contactsCount: item.contactsCount } : {}),
  };
}

export function toPhone(item: Item): PhoneRecord {
  return { phone: item.phone, imNumber: item.imNumber, optedOut: Boolean(item.optedOut) };
}

export function toMessage(item: Item): MessageRecord {
  const { pk: _pk, sk: _sk, type: _type, conv: _conv, convAt: _convAt, ...rest } = item;
  return rest as MessageRecord;
}
