import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Secrets Manager's GetSecretValue and PutSecretValue, as the AWS SDK v3 calls them (JSON 1.1
 * protocol: POST /, `X-Amz-Target: secretsmanager.<Operation>`). `values` can be changed between calls, as a
 * rotation does; `calls` lists each served call as `<Operation> <SecretId>`. Point a client at it with
 * `endpoint` (or a child process with AWS_ENDPOINT_URL_SECRETS_MANAGER).
 */
export class FakeSecretsManager {
  readonly values = new Map<string, string>();
  readonly calls: string[] = [];
  private server?: Server;

  /** Listens on a free port of 127.0.0.1; resolves with the endpoint URL. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const operation = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
        let input: { SecretId?: string; SecretString?: string } = {};
        try {
          input = JSON.parse(body || '{}');
        } catch {
          // answered as an unknown secret below
        }
        const id = input.SecretId ?? '';
        const answer = (status: number, json: object) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(json));
        };
        if (!this.values.has(id) || !['GetSecretValue', 'PutSecretValue'].includes(operation)) {
          answer(400, {
            __type: 'ResourceNotFoundException',
            message: 'Secrets Manager can’t find the secret.',
          });
          return;
        }
        this.calls.push(`${operation} ${id}`);
        if (operation === 'PutSecretValue') {
          this.values.set(id, input.SecretString ?? '');
          answer(200, { ARN: id, Name: 'secret', VersionId: `v${this.calls.length}` });
        } else {
          answer(200, { ARN: id, Name: 'secret', VersionId: 'v', SecretString: this.values.get(id) });
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
