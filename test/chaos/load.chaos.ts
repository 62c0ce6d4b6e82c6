import { defineLoadRun } from './support/load-run';

/**
 * Load on the local stack as `npm start` runs it: 200 WebSocket clients each sending every 5 s to a random peer
 * (online and acking, online but never acking, offline), and 4 inbound SMS a second, for 60 s
 * (CHAOS_LOAD_SECONDS). Every message is counted: delivered, lost, duplicated (support/load-run.ts).
 */
defineLoadRun({
  name: 'load',
  seconds: Number(process.env.CHAOS_LOAD_SECONDS ?? 60),
  clients: 200,
  nonAckers: 10,
  offline: 50,
  plainPhones: 10,
  sendIntervalMs: Number(process.env.CHAOS_LOAD_INTERVAL_MS ?? 5000),
  inboundPerSecond: Number(process.env.CHAOS_LOAD_INBOUND ?? 4),
  ackTimeoutMs: 3000,
  hogs: 0,
  drainMs: 60_000,
  // 1000-1259: never a number ending in 0099, which the sandbox treats as unreachable.
  phoneBase: 1000,
});
