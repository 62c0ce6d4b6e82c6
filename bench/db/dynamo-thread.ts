import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { workerData } from 'node:worker_threads';
import { ThreadProfiler } from '../lib/profiler';
import { serveRpc } from '../lib/threads';
import { classify, isConsistentRead, OPS, record, recordTimerRows, viewFor, type Op } from './counter';

// dynalite has no type declarations; it returns an http.Server that speaks the DynamoDB API.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * dynalite (in memory) on its own thread, as the database is its own service on AWS, with a counting wrapper
 * around its request handler: the same tally a proxy in front of it would make, without a second hop.
 */
const { counters, systemTable, mobileCounters, mobileTable } = workerData as {
  counters: SharedArrayBuffer;
  systemTable: string;
  /** The mobile phase's stacks use a table of their own, counted apart (counter.ts `viewFor`). */
  mobileCounters?: SharedArrayBuffer;
  mobileTable?: string;
};
const views = {
  main: new Int32Array(counters),
  mobile: mobileCounters ? new Int32Array(mobileCounters) : undefined,
};
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const [handle] = server.listeners('request') as Listener[];
server.removeAllListeners('request');
server.on('request', (req: IncomingMessage, res: ServerResponse) => {
  const target = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
  const op: Op = OPS.includes(target as Op) ? (target as Op) : 'Other';
  const chunks: Buffer[] = [];
  // Registered before dynalite's own listeners, so the body is complete when 'end' reaches dynalite.
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const view = viewFor(body, views, mobileTable);
    // The mobile table's requests are classified as the system table's are, into their own counters.
    const category = classify(target, body, view === views.main ? systemTable : mobileTable!);
    const consistent = isConsistentRead(op, body);
    res.once('finish', () => {
      record(view, category, op, res.statusCode >= 400, consistent);
      recordTimerRows(view, category, op, body, res.statusCode >= 400);
    });
  });
  handle(req, res);
});

const profiler = new ThreadProfiler();

serveRpc(
  {
    profileStart: () => profiler.start(),
    profileStop: () => profiler.stop(),
    listen: () =>
      new Promise<{ endpoint: string }>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          resolve({ endpoint: `http://127.0.0.1:${port}` });
        });
      }),
  },
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);
