import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp } from '../../infra/aws/create-app';
import { timeoutFor } from '../../infra/aws/stack';
import { functions } from '../../infra/functions';
import { HANDSHAKE_WINDOW_MS } from '../../shared/core/delivery/push';
import {
  ACK_BATCH_SIZE,
  ackBatchWorstMs,
  ACK_RECORD_BUDGET_MS,
  SMS_SEND_WORST_MS,
} from '../../shared/runtime/ack-batch';

/**
 * Issue 14, items 8 and 9, on the synthesized template: the delivery-check function's timeout covers a full batch
 * at its worst (every check with a provider that never answers), the queue's visibility timeout is 6× that
 * (AWS: "at least six times the timeout that you configure on your function"), the event source sends batches
 * of the size the timeout was computed for and takes partial batch responses; the $connect function cannot run
 * longer than the handshake window that keeps young Gone connections.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const cdkJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

const { stack } = createApp({
  context: {
    ...cdkJson.context,
    serviceNumbers: '+14155550100,+14155550101',
    synthOnly: 'true',
    'aws:cdk:bundling-stacks': [],
  },
});
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
const idOf = (c: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(c.node.defaultChild as CfnElement);
const consumer = functions.find((f) => f.trigger.kind === 'queue')!;

describe('the delivery-check batch fits its Lambda timeout', () => {
  it('a check at worst: three tries of 5 s, each with a 2 s lookup, and the backoff, plus its table work', () => {
    expect(SMS_SEND_WORST_MS).toBe(22_500);
    expect(ACK_RECORD_BUDGET_MS).toBe(26_250);
    expect(ackBatchWorstMs()).toBe(28_250);
  });

  it('timeout 30 s ≥ a full batch at worst; visibility 180 s = 6×; batches of 10 with partial failures', () => {
    const fn = resources[idOf(stack.functions[consumer.name].fn)];
    expect(fn.Properties.Timeout).toBe(30);
    expect(timeoutFor(consumer).toMilliseconds()).toBeGreaterThanOrEqual(ackBatchWorstMs());
    expect(resources[idOf(stack.ackQueue)].Properties.VisibilityTimeout).toBe(180);
    const [mapping] = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    expect(mapping.Properties).toMatchObject({
      BatchSize: ACK_BATCH_SIZE,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(ACK_BATCH_SIZE).toBe(10);
  });

  it('the $connect function cannot outlast the handshake window', () => {
    const connect = functions.find((f) => f.trigger.kind === 'ws' && f.trigger.routeKey === '$connect')!;
    const fn = resources[idOf(stack.functions[connect.name].fn)];
    expect(fn.Properties.Timeout * 1000).toBeLessThanOrEqual(HANDSHAKE_WINDOW_MS);
  });
});
