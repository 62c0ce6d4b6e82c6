/**
 * The IVR's part of the CDK stack: one route and one function per voice path, each with exactly the grants its
 * work needs, and the stack's voice webhook output pointing at a route that exists. Synthesized check-only
 * (no bundling; test/infra/stack.test.ts and bundles.test.ts cover bundling), with cdk-nag's packs applied.
 */
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { createApp } from '../../infra/aws/create-app';
import type { ImsmsStack } from '../../infra/aws/stack';
import { functions } from '../../infra/functions';

/* eslint-disable @typescript-eslint/no-explicit-any */
const VOICE = {
  'twilio-voice': '/twilio/voice',
  'twilio-voice-gather': '/twilio/voice/gather',
  'twilio-voice-whisper': '/twilio/voice/whisper',
  'twilio-voice-dial-status': '/twilio/voice/dial-status',
} as const;

let stack: ImsmsStack;
let app: ReturnType<typeof createApp>['app'];
let resources: Record<string, { Type: string; Properties?: any }>;

beforeAll(() => {
  const created = createApp({
    context: {
      synthOnly: 'true',
      serviceNumbers: '+14155550100,+14155550101',
      smsProvider: 'twilio',
      'aws:cdk:bundling-stacks': [],
    },
  });
  app = created.app;
  stack = created.stack;
  app.synth();
  resources = Template.fromStack(stack).toJSON().Resources;
}, 240_000);

const logicalId = (s: Stack, c: IConstruct) => s.getLogicalId(c.node.defaultChild as CfnElement);
const statementsOf = (name: string): any[] => {
  const policy = stack.functions[name].role.node.tryFindChild('DefaultPolicy') as IConstruct | undefined;
  return policy ? resources[logicalId(stack, policy)].Properties.PolicyDocument.Statement : [];
};
/** The project's own grants (named statements); the house construct adds only its log and X-Ray writes. */
const sids = (name: string) => statementsOf(name).flatMap((s) => (s.Sid ? [s.Sid] : []));
const tableActions = (name: string) =>
  [statementsOf(name).find((s) => s.Sid === 'Table')?.Action ?? []].flat();

describe('the voice routes', () => {
  it.each(Object.entries(VOICE))('%s serves POST %s on its own function', (name, path) => {
    const apiId = logicalId(stack, stack.httpApi);
    const route = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::ApiGatewayV2::Route' &&
        r.Properties.ApiId.Ref === apiId &&
        r.Properties.RouteKey === `POST ${path}`,
    );
    expect(route).toBeDefined();
    const integrationId = route!.Properties.Target['Fn::Join'][1][1].Ref;
    expect(resources[integrationId].Properties.IntegrationUri).toEqual({
      'Fn::GetAtt': [logicalId(stack, stack.functions[name].fn), 'Arn'],
    });
  });

  it('the VoiceWebhookUrl output is the /twilio/voice route', () => {
    const outputs = Template.fromStack(stack).findOutputs('VoiceWebhookUrl');
    const endpoint = { 'Fn::GetAtt': [logicalId(stack, stack.httpApi), 'ApiEndpoint'] };
    expect(Object.values(outputs)[0].Value).toEqual({ 'Fn::Join': ['', [endpoint, VOICE['twilio-voice']]] });
    expect(functions.find((f) => f.name === 'twilio-voice')?.trigger).toEqual({
      kind: 'http',
      method: 'POST',
      path: '/twilio/voice',
    });
  });
});

describe('least-privilege grants', () => {
  it('every voice function reads the Twilio secret (signatures), and none the JWT secret', () => {
    for (const name of Object.keys(VOICE)) {
      expect(sids(name)).toContain('TwilioSecret');
      expect(sids(name)).not.toContain('JwtSecret');
    }
  });

  it('the whisper only reads the table: no writes, no pushes, no SMS, no queue', () => {
    expect(tableActions('twilio-voice-whisper').sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(sids('twilio-voice-whisper').sort()).toEqual(['Table', 'TwilioSecret']);
  });

  it.each(['twilio-voice', 'twilio-voice-gather'])(
    '%s writes the table (thread binding) and pushes the call frame, but sends no SMS and schedules nothing',
    (name) => {
      expect(tableActions(name)).toContain('dynamodb:UpdateItem');
      expect(tableActions(name)).not.toContain('dynamodb:Scan');
      expect(sids(name).sort()).toEqual(['PushToConnections', 'Table', 'TwilioSecret']);
    },
  );

  it('the dial status routes the missed-call note like a message: table, pushes, the ack queue', () => {
    expect(sids('twilio-voice-dial-status').sort()).toEqual([
      'PushToConnections',
      'ScheduleAckCheck',
      'Table',
      'TwilioSecret',
    ]);
  });

  it('beyond those, each role may only write its logs and traces', () => {
    for (const name of Object.keys(VOICE)) {
      const house = statementsOf(name)
        .filter((s) => !s.Sid)
        .flatMap((s) => [s.Action].flat());
      expect(house.every((a: string) => a.startsWith('logs:') || a.startsWith('xray:'))).toBe(true);
    }
  });

  it('no voice function may Scan, and none has a wildcard action', () => {
    for (const name of Object.keys(VOICE)) {
      const actions = statementsOf(name).flatMap((s) => [s.Action].flat());
      expect(actions.some((a: string) => a.endsWith('*') || a === 'dynamodb:Scan')).toBe(false);
    }
  });
});

describe('cdk-nag', () => {
  it.each([
    ['AwsSolutions', () => new AwsSolutionsChecks(undefined, { verbose: true })],
    ['Serverless', () => new ServerlessChecks(undefined, { verbose: true })],
  ])('%s: no unacknowledged finding with the voice functions and routes in the stack', (_pack, pack) => {
    const report = pack().validateScope(app);
    expect(
      report.violations.map(
        (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
  });
});
