import WebSocket from 'ws';
import type { AuthorizerContext } from './authorizer';
import type { Handshake } from './ws-events';

/** Why a connection ended, as $disconnect reports it. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/**
 * Reasons for the codes API Gateway sets itself. 1005 and 1000 are the texts seen on AWS; the others are
 * best guesses at its wording.
 */
const REASONS: Record<number, string> = {
  1000: 'Connection Closed Normally',
  1001: 'Going away',
  1003: 'Unsupported data',
  1005: 'Client-side close frame status not set',
  1006: 'Connection closed abnormally',
  1007: 'Invalid frame payload data',
  1009: 'Message too big',
};

/** How long a peer gets to answer our close frame before the socket is cut. */
const CLOSE_GRACE_MS = 2000;

/** ws reports protocol violations as errors with these codes; it has already sent the close frame. */
const ERROR_CLOSE_CODES: Record<string, number> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_INVALID_UTF8: 1007,
};

/** One live WebSocket connection: its handshake, its authorizer context and its ordered invocation queue. */
export class WsConnection {
  lastActiveAt: number;
  private resolveEnded: () => void = () => undefined;
  /** Settles once $disconnect has run for this connection. */
  readonly ended = new Promise<void>((resolve) => (this.resolveEnded = resolve));
  private queue: Promise<void> = Promise.resolve();
  /** The second lane ({@link runBeside}): its own tasks, one after another. */
  private beside: Promise<void> = Promise.resolve();
  private closeInfo: CloseInfo | undefined;
  private disconnected = false;

  constructor(
    readonly ws: WebSocket,
    readonly handshake: Handshake,
    readonly authorizer: AuthorizerContext | undefined,
  ) {
    this.lastActiveAt = handshake.connectedAt;
  }

  get id(): string {
    return this.handshake.connectionId;
  }

  /** Open and not being closed: @connections treats anything else as gone. */
  get isOpen(): boolean {
    return this.closeInfo === undefined && this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Runs tasks one after another, in the order they were queued, so one connection's frames reach handlers in
   * arrival order. Tasks must handle their own errors; a failure never stops the queue.
   */
  enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task).catch(() => undefined);
    return this.queue;
  }

  /**
   * Runs a task in a second lane beside the ordered queue, one after another in that lane: for frames about work
   * already done (an ack), which must not wait behind the connection's queued sends. One lane per connection, so
   * a client flooding acks holds one invocation at a time, not the whole gateway. {@link enqueueLast} waits for
   * both lanes. The task must handle its own errors.
   */
  runBeside(task: () => Promise<void>): void {
    this.beside = this.beside.then(task).catch(() => undefined);
  }

  /** Queues a task after everything queued so far in both lanes: $disconnect. */
  enqueueLast(task: () => Promise<void>): Promise<void> {
    return this.enqueue(async () => {
      await this.beside;
      await task();
    });
  }

  /** Closes from the gateway's side, remembering why for $disconnect; a peer that never answers is cut. */
  closeByGateway(code: number, reason = REASONS[code] ?? ''): void {
    if (this.closeInfo) return;
    this.closeInfo = { code, reason };
    this.ws.close(code);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Called once $disconnect has been reported. */
  markEnded(): void {
    this.resolveEnded();
  }

  /** Records a close that ws started on a protocol error (oversized or invalid frame). */
  noteError(err: Error & { code?: string }): void {
    if (this.closeInfo) return;
    const code = ERROR_CLOSE_CODES[err.code ?? ''] ?? 1002;
    this.closeInfo = { code, reason: REASONS[code] ?? 'Protocol error' };
  }

  /**
   * The close to report, once: the gateway's own reason if it closed, else what the peer's close frame said.
   * Returns undefined when $disconnect was already reported.
   */
  takeDisconnect(peerCode: number, peerReason: string): CloseInfo | undefined {
    if (this.disconnected) return undefined;
    this.disconnected = true;
    return this.closeInfo ?? { code: peerCode, reason: peerReason || REASONS[peerCode] || '' };
  }
}
