import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
// dynalite has no type declarations; it returns an http.Server that speaks the DynamoDB API.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;

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
