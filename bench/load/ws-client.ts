import WebSocket from 'ws';

export type Frame = Record<string, unknown> & { type?: string };

/** A real WebSocket client: JSON frames in and out, one handler for what arrives. */
export class WsClient {
  onFrame: (frame: Frame, at: number) => void = () => undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const at = performance.now();
      let frame: Frame;
      try {
        frame = JSON.parse(data.toString()) as Frame;
      } catch {
        return;
      }
      this.onFrame(frame, at);
    });
    // A socket the server closes (stack stop) must not crash the driver.
    ws.on('error', () => undefined);
  }

  static open(url: string): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`WebSocket upgrade refused: ${res.statusCode}`)),
      );
      ws.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 2000);
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close();
    });
  }
}

/**
 * When frames arrived, by key (a message id, or the baseline's clientId), for senders to wait on. A frame may
 * arrive before its sender asks (an SMS webhook pushes before the sandbox answers), so both orders work.
 */
export class Arrivals {
  private readonly seen = new Map<string, number>();
  private readonly waiting = new Map<string, (at: number) => void>();

  record(key: string, at: number): void {
    const waiter = this.waiting.get(key);
    if (waiter) {
      this.waiting.delete(key);
      waiter(at);
    } else {
      this.seen.set(key, at);
    }
  }

  wait(key: string, timeoutMs: number): Promise<number> {
    const at = this.seen.get(key);
    if (at !== undefined) {
      this.seen.delete(key);
      return Promise.resolve(at);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error('frame did not arrive in time'));
      }, timeoutMs);
      this.waiting.set(key, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
  }

  /** Forgets frames nobody waited for (acks of a finished cell), so memory stays flat. */
  clear(): void {
    this.seen.clear();
  }
}

interface ReceiptWait {
  want: string;
  /** Receipt statuses that mean the message went another way (an IM that fell back to SMS). */
  otherwise: readonly string[];
  resolve: (at: number) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A sending client: a socket plus the receipts it waits for, by clientId. A `failed` receipt or an `error`
 * frame for that clientId ends the wait with an error.
 */
export class SenderSocket {
  private readonly waits = new Map<string, ReceiptWait>();

  constructor(readonly client: WsClient) {
    client.onFrame = (frame, at) => this.onFrame(frame, at);
  }

  /**
   * Sends a frame and resolves when the receipt with `want` status arrives for its clientId; rejects on an
   * error frame, a `failed` receipt, or one of `otherwise`.
   */
  sendAndWait(
    frame: { clientId: string } & object,
    want: string,
    otherwise: readonly string[],
    timeoutMs: number,
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waits.delete(frame.clientId);
        reject(new Error(`no ${want} receipt in time`));
      }, timeoutMs);
      this.waits.set(frame.clientId, { want, otherwise, resolve, reject, timer });
      this.client.send(frame);
    });
  }

  private onFrame(frame: Frame, at: number): void {
    const clientId = typeof frame.clientId === 'string' ? frame.clientId : undefined;
    const wait = clientId ? this.waits.get(clientId) : undefined;
    if (!wait || !clientId) return;
    const status = String(frame.status);
    const failed =
      frame.type === 'error' ||
      (frame.type === 'receipt' && (status === 'failed' || wait.otherwise.includes(status)));
    if (!failed && !(frame.type === 'receipt' && frame.status === wait.want)) return;
    this.waits.delete(clientId);
    clearTimeout(wait.timer);
    if (failed) wait.reject(new Error(`message ${String(frame.code ?? frame.reason ?? status)}`));
    else wait.resolve(at);
  }
}
