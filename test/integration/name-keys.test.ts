import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { ensureTable } from '../../shared/adapters/dynamo-table';
import { memoryStores } from '../../shared/adapters/memory';
import { legacyNameKey, nameKey } from '../../shared/core/provisioning/names';
import type { UserDirectory } from '../../shared/core/ports';
import { useEmbeddedDynamo } from '../support/embedded-client';

/**
 * Names claimed before look-alike keys (issue 14, item 14) keep their row under the old key (NFC, lower-cased).
 * Both user directories still find them, and nobody can claim the same name under its new key.
 */
const db = useEmbeddedDynamo(async (c) => {
  await ensureTable(c, 'names');
});

async function withLegacyRow(kind: 'dynamo' | 'memory'): Promise<UserDirectory> {
  if (kind === 'memory') {
    const stores = memoryStores();
    stores.table.names.set(legacyNameKey('Mary'), '11111111');
    return stores.users;
  }
  const stores = dynamoStores(db.client(), 'names');
  await stores.table.doc.send(
    new PutCommand({
      TableName: 'names',
      Item: { pk: `NAME#${legacyNameKey('Mary')}`, sk: 'NAME', imNumber: '11111111' },
    }),
  );
  return stores.users;
}

it('the new key of "Mary" differs from its old one (m looks like rn)', () =>
  expect(nameKey('Mary')).not.toBe(legacyNameKey('Mary')));

describe.each(['dynamo', 'memory'] as const)('a name claimed under its old key (%s)', (kind) => {
  it('is still found, and blocks a new claim of it or of a look-alike', async () => {
    const users = await withLegacyRow(kind);
    expect(await users.findByName('mary')).toBe('11111111');
    expect(await users.claimName('Mary', '22222222')).toBe(false);
    expect(await users.findByName('rnary')).toBeNull(); // a look-alike the old key never covered
    expect(await users.claimName('nobody', '22222222')).toBe(true);
    expect(await users.findByName('NOBODY')).toBe('22222222');
  });
});

/** A fresh directory on either adapter (a table per call on dynalite). */
let tables = 0;
async function freshUsers(kind: 'dynamo' | 'memory'): Promise<UserDirectory> {
  if (kind === 'memory') return memoryStores().users;
  const name = `names-${++tables}`;
  await ensureTable(db.client(), name);
  return dynamoStores(db.client(), name).users;
}

describe.each(['dynamo', 'memory'] as const)('case-dependent look-alikes (issue 14; %s)', (kind) => {
  it('a capital I that looks like l: cIive is refused after clive, and clive after cIive', async () => {
    const users = await freshUsers(kind);
    expect(await users.claimName('clive', '11111111')).toBe(true);
    expect(await users.claimName('cIive', '22222222')).toBe(false);
    expect(await users.findNameHolder('cIive')).toBe('11111111');
    // The refused claim left nothing behind: its own key (ciive) is still free.
    expect(await users.findByName('ciive')).toBeNull();
    expect(await users.claimName('ciive', '33333333')).toBe(true);

    const other = await freshUsers(kind);
    expect(await other.claimName('cIive', '22222222')).toBe(true);
    expect(await other.claimName('clive', '11111111')).toBe(false);
  });

  it('keeps ALICE and alice one name, and ali and all two', async () => {
    const users = await freshUsers(kind);
    expect(await users.claimName('ALICE', '11111111')).toBe(true);
    expect(await users.claimName('alice', '22222222')).toBe(false);
    expect(await users.findByName('alice')).toBe('11111111');
    expect(await users.claimName('ali', '33333333')).toBe(true);
    expect(await users.claimName('all', '44444444')).toBe(true);
    expect(await users.claimName('ALI', '55555555')).toBe(false); // looks like ALl, a case variant of all
  });

  it('a look row is no one’s name: @all does not reach ALI', async () => {
    const users = await freshUsers(kind);
    expect(await users.claimName('ALI', '11111111')).toBe(true);
    expect(await users.findByName('ali')).toBe('11111111');
    expect(await users.findByName('all')).toBeNull();
    expect(await users.findNameHolder('all')).toBe('11111111');
  });

  it('releases every key on a rename, but none the new name shares', async () => {
    const users = await freshUsers(kind);
    expect(await users.claimName('ALICE', '11111111')).toBe(true);
    expect(await users.claimName('Alice', '11111111')).toBe(true); // the same user: already theirs
    await users.releaseName('ALICE', '11111111', 'Alice');
    expect(await users.findByName('alice')).toBe('11111111');
    expect(await users.findNameHolder('allce')).toBeNull();
  });
});
