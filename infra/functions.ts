/**
 * The one list of the system's Lambda functions and what triggers each.
 *
 * Both wrappers read it: the CDK stack (infra/aws) makes one NodejsFunction per entry and wires its trigger,
 * and the local runtime (infra/local) routes HTTP, WebSocket and timer traffic to the same handler modules.
 * Each `entry` module exports `handler`.
 */
export type Trigger =
  | { kind: 'http'; method: 'POST' | 'GET'; path: string }
  /**
   * `reply`: a two-way route. Its function's `body` goes back on the same connection as the route's response
   * (API Gateway: RouteResponseSelectionExpression `$default` with a `$default` route response), instead of an
   * `@connections` post.
   */
  | { kind: 'ws'; routeKey: string; reply?: boolean }
  | { kind: 'ws-authorizer' }
  | { kind: 'queue'; queue: 'ack-timeout' };

/** What a function touches, so the stack can grant exactly that and nothing more. */
export interface Needs {
  /** Reads or writes the table. */
  table: 'read' | 'readwrite' | 'none';
  /** Pushes frames through the WebSocket @connections API. */
  manageConnections: boolean;
  /** Sends SMS through the provider (needs the Twilio secret / SNS publish). */
  sendsSms: boolean;
  /** Verifies or signs tokens (needs the JWT secret). */
  jwt: boolean;
  /** Validates Twilio webhook signatures (needs the Twilio secret). */
  twilioWebhook: boolean;
  /** Schedules the delayed ack check (sends to the ack-timeout queue). */
  schedulesAckCheck: boolean;
}

export interface FunctionSpec {
  /** Short kebab-case name; also the file name under functions/. */
  name: string;
  entry: string;
  trigger: Trigger;
  needs: Needs;
}

const none: Needs = {
  table: 'none',
  manageConnections: false,
  sendsSms: false,
  jwt: false,
  twilioWebhook: false,
  schedulesAckCheck: false,
};

const fn = (name: string, trigger: Trigger, needs: Partial<Needs>): FunctionSpec => ({
  name,
  entry: `functions/${name}.ts`,
  trigger,
  needs: { ...none, ...needs },
});

/** Everything that routes a message needs the same set. */
const routes: Partial<Needs> = {
  table: 'readwrite',
  manageConnections: true,
  sendsSms: true,
  schedulesAckCheck: true,
};

export const functions: FunctionSpec[] = [
  fn(
    'http-auth-start',
    { kind: 'http', method: 'POST', path: '/auth/start' },
    { table: 'readwrite', sendsSms: true, jwt: true },
  ),
  fn(
    'http-auth-verify',
    { kind: 'http', method: 'POST', path: '/auth/verify' },
    { table: 'readwrite', jwt: true },
  ),
  fn('twilio-sms', { kind: 'http', method: 'POST', path: '/twilio/sms' }, { ...routes, twilioWebhook: true }),
  fn(
    'twilio-sms-status',
    { kind: 'http', method: 'POST', path: '/twilio/sms/status' },
    { table: 'readwrite', manageConnections: true, twilioWebhook: true },
  ),
  // The IVR direct call (claims 5, 12): the call, the keyed imNumber, the whisper to the callee, the dial's end.
  fn(
    'twilio-voice',
    { kind: 'http', method: 'POST', path: '/twilio/voice' },
    { table: 'readwrite', manageConnections: true, twilioWebhook: true },
  ),
  fn(
    'twilio-voice-gather',
    { kind: 'http', method: 'POST', path: '/twilio/voice/gather' },
    { table: 'readwrite', manageConnections: true, twilioWebhook: true },
  ),
  fn(
    'twilio-voice-whisper',
    { kind: 'http', method: 'POST', path: '/twilio/voice/whisper' },
    { table: 'read', twilioWebhook: true },
  ),
  fn(
    'twilio-voice-dial-status',
    { kind: 'http', method: 'POST', path: '/twilio/voice/dial-status' },
    { ...routes, twilioWebhook: true },
  ),
  fn('ws-authorizer', { kind: 'ws-authorizer' }, { table: 'read', jwt: true }),
  fn('ws-connect', { kind: 'ws', routeKey: '$connect' }, { table: 'readwrite', manageConnections: true }),
  fn(
    'ws-disconnect',
    { kind: 'ws', routeKey: '$disconnect' },
    { table: 'readwrite', manageConnections: true },
  ),
  fn('ws-default', { kind: 'ws', routeKey: '$default' }, { manageConnections: true }),
  fn('ws-send-message', { kind: 'ws', routeKey: 'sendMessage', reply: true }, routes),
  fn('ws-ack', { kind: 'ws', routeKey: 'ack' }, { table: 'readwrite', manageConnections: true }),
  fn(
    'ws-set-presence',
    { kind: 'ws', routeKey: 'setPresence' },
    { table: 'readwrite', manageConnections: true },
  ),
  fn('ws-ping', { kind: 'ws', routeKey: 'ping' }, { table: 'readwrite', manageConnections: true }),
  fn(
    'ws-get-contacts',
    { kind: 'ws', routeKey: 'getContacts' },
    { table: 'readwrite', manageConnections: true, sendsSms: true },
  ),
  fn(
    'ws-add-contact',
    { kind: 'ws', routeKey: 'addContact' },
    { table: 'readwrite', manageConnections: true },
  ),
  fn(
    'ws-remove-contact',
    { kind: 'ws', routeKey: 'removeContact' },
    { table: 'readwrite', manageConnections: true },
  ),
  fn(
    'ws-update-profile',
    { kind: 'ws', routeKey: 'updateProfile' },
    { table: 'readwrite', manageConnections: true },
  ),
  fn(
    'ws-invite',
    { kind: 'ws', routeKey: 'invite' },
    { table: 'readwrite', manageConnections: true, sendsSms: true },
  ),
  fn('ws-history', { kind: 'ws', routeKey: 'history' }, { table: 'read', manageConnections: true }),
  fn('ack-timeout', { kind: 'queue', queue: 'ack-timeout' }, routes),
];
