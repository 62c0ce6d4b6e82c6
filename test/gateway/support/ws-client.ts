import WebSocket from 'ws';

/** A real `ws` client that records what it receives and how it was closed. */
export class TestClient {
  readonly frames: { data: string; isBinary: boolean }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) =>
      this.frames.push({ data: data.toString(), isBinary }),
    );
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Opens a connection; rejects with an UpgradeRefused when the handshake gets an HTTP error instead. */
  static open(
    url: string,
    headers: Record<string, string> = {},
    protocols: string[] = [],
  ): Promise<TestClient> {
    const ws = new WebSocket(url, protocols, { headers });
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)));
        res.on('error', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)));
      });
      ws.once('error', reject);
    });
  }

  /** Opens a connection that is expected to be refused, and returns the refusal. */
  static async refused(url: string, headers: Record<string, string> = {}): Promise<UpgradeRefused> {
    try {
      const client = await TestClient.open(url, headers);
      client.ws.terminate();
    } catch (err) {
      if (err instanceof UpgradeRefused) return err;
      throw err;
    }
    throw new Error('the upgrade was accepted');
  }

  send(frame: string | Buffer, binary = false): void {
    this.ws.send(frame, { binary });
  }

  /** Waits for the n-th received frame (1-based). */
  async frame(n: number, timeoutMs = 5000): Promise<{ data: string; isBinary: boolean }> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for frame ${n}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.frames[n - 1]!;
  }
}

export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with ${status}`);
  }
}
