import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Worker } from 'node:worker_threads';
// dynalite has no type declarations; it returns an http.Server that speaks the DynamoDB API.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;

/** dynalite's settings, on either thread: tables are ready at once (no simulated CREATING/UPDATING/DELETING). */
const DYNALITE_OPTIONS = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 };

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
  /** `http://127.0.0.1:<port>`: the DynamoDB API, for the real SDK clients. */
  endpoint: string;
  /** The worker thread's id when it runs on one (`thread: true`); 0 when on the caller's thread. */
  threadId: number;
  /** Stops serving (and ends the worker thread); resolves once closed. */
  close(): Promise<void>;
}

/**
 * Starts dynalite (an open-source DynamoDB implementation on LevelDB) on a loopback port: in memory, or on
 * disk under `path` so data survives restarts. The real @aws-sdk/client-dynamodb talks to it unchanged.
 *
 * With `thread: true` it runs on a worker thread of its own, as the database is a service of its own on AWS:
 * its request parsing, LevelDB and JSON work then use a second core instead of sharing the functions' thread
 * (on the local stack it was a fifth of that thread's time under load). Without it, in this thread (tests that
 * start many databases, cheaply).
 * @throws DataDirInUseError when another process holds the database at `path`.
 */
export async function startEmbeddedDynamo(
  opts: { path?: string; port?: number; thread?: boolean } = {},
): Promise<EmbeddedDynamo> {
  if (opts.path) await assertNotLocked(opts.path);
  if (opts.thread) return startOnWorker(opts);
  const server = dynalite({ ...DYNALITE_OPTIONS, path: opts.path });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    threadId: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets from SDK clients would hold close() open.
        (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

/**
 * The worker's whole program, plain CommonJS (no TypeScript loader needed on the thread): start dynalite, tell
 * the parent its port (or the error), close on the parent's 'close' and say when done.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require(workerData.dynalite);
const server = dynalite(workerData.options);
server.once('error', (err) => parentPort.postMessage({ error: String(err && err.message) }));
server.listen(workerData.port, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  server.close(() => parentPort.postMessage('closed'));
  server.closeAllConnections();
});
`;

async function startOnWorker(opts: { path?: string; port?: number }): Promise<EmbeddedDynamo> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      dynalite: require.resolve('dynalite'),
      options: { ...DYNALITE_OPTIONS, path: opts.path },
      port: opts.port ?? 0,
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the embedded DynamoDB's thread exited (${code})`)));
    worker.once('message', (m: { port?: number; error?: string }) =>
      m.port ? resolve(m.port) : reject(new Error(`the embedded DynamoDB did not start: ${m.error}`)),
    );
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });
  // A crash of the database thread is a crash of the stack, as it was when dynalite ran on the main thread.
  worker.on('error', (err) => {
    throw err;
  });
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    threadId: worker.threadId,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.once('exit', () => resolve());
        worker.postMessage('close');
      }).then(async () => {
        await worker.terminate();
      })),
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
