import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { TaskTracker } from '../../infra/local/sandbox/task-tracker';
import { WebhookClient } from '../../infra/local/sandbox/webhook-client';

const AUTH_TOKEN = 'signing-test-token';
const PUBLIC = 'https://imsms.example.test';

let server: http.Server;
let tracker: TaskTracker;
let received: { body: string; signature: string; url: string }[];
let client: WebhookClient;

beforeEach(async () => {
  received = [];
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['x-twilio-signature'] ?? ''),
        url: req.url ?? '',
      });
      res.writeHead(200, { 'content-type': 'text/xml' }).end('<Response/>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tracker = new TaskTracker();
  client = new WebhookClient({
    authToken: AUTH_TOKEN,
    publicUrl: PUBLIC,
    deliverTo: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tracker,
  });
});

afterEach(async () => {
  await tracker.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Every value of every key, as a validator must see the form (arrays of this realm: twilio tests instanceof). */
const allValues = (body: string): Record<string, string[]> => {
  const form = new URLSearchParams(body);
  return Object.fromEntries([...new Set(form.keys())].map((k) => [k, [...form.getAll(k)]]));
};

describe('the sandbox signs a repeated form key as Twilio does', () => {
  test('each value is sent, in the order given, and the signature covers them all', async () => {
    await client.send({
      url: `${PUBLIC}/twilio/sms`,
      method: 'POST',
      params: { Body: 'hi', Tag: ['zeta', 'alpha', 'zeta'] },
    });

    const [hook] = received;
    expect(hook!.body).toBe('Body=hi&Tag=zeta&Tag=alpha&Tag=zeta');
    const url = `${PUBLIC}/twilio/sms`;
    expect(validateRequest(AUTH_TOKEN, hook!.signature, url, allValues(hook!.body))).toBe(true);
    // Twilio's scheme: the key with each distinct value, values sorted (not the order sent).
    expect(validateRequest(AUTH_TOKEN, hook!.signature, url, { Body: 'hi', Tag: ['alpha', 'zeta'] })).toBe(
      true,
    );
    expect(validateRequest(AUTH_TOKEN, hook!.signature, url, { Body: 'hi', Tag: 'zeta' })).toBe(false);
  });

  test('a GET webhook puts every value in the signed query', async () => {
    await client.send({ url: `${PUBLIC}/voice`, method: 'GET', params: { Digits: ['1', '2'] } });

    const [hook] = received;
    expect(hook!.url).toBe('/voice?Digits=1&Digits=2');
    expect(validateRequest(AUTH_TOKEN, hook!.signature, `${PUBLIC}/voice?Digits=1&Digits=2`, {})).toBe(true);
  });
});
