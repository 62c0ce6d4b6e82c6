import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
// dynalite has no type declarations; it returns an http.Server that speaks the DynamoDB API.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;

/** The data folder is held by another running stack: LevelDB allows one process per database. */
export class DataDirInUseError extends Error {
  constructor(readonly path: string) {
    super(
      `The data folder ${path} is in use by another running stack (its database is locked). ` +
        'Stop that one first, or set DATA_DIR to another folder.',
    );
    this.name = 'DataDirInUseError';
  }
}

export interface EmbeddedDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite (an open-source DynamoDB implementation on LevelDB) on a loopback port: in memory, or on
 * disk under `path` so data survives restarts. The real @aws-sdk/client-dynamodb talks to it unchanged.
 */
export async function startEmbeddedDynamo(
  opts: { path?: string; port?: number } = {},
): Promise<EmbeddedDynamo> {
  if (opts.path) await assertNotLocked(opts.path);
  const server = dynalite({ path: opts.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets from SDK clients would hold close() open.
        (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

/**
 * dynalite opens its LevelDB lazily and, when another process holds the database's LOCK file, throws
 * "Database is closed" from inside a request, which kills the process with no hint of the cause. Opening the
 * database once here first turns that into a clear error before anything starts. The lock is LevelDB's own
 * (an OS file lock), so it is released when the holder exits, even on SIGKILL: a crashed stack never blocks
 * its restart.
 * @throws DataDirInUseError when another process holds the lock; any other open error as is.
 */
async function assertNotLocked(dbPath: string): Promise<void> {
  // dynalite's own copy of `level`, so the probe opens the database exactly as dynalite will.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Level } = require(require.resolve('level', { paths: [require.resolve('dynalite')] })) as {
    Level: new (location: string) => { open(): Promise<void>; close(): Promise<void> };
  };
  const db = new Level(dbPath);
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') throw new DataDirInUseError(path.dirname(dbPath));
    throw err;
  }
  await db.close();
}
