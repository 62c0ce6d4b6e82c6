import type { Context } from 'aws-lambda';
import { createLambdaContext } from '../../infra/local/gateway/lambda-context';
import { createLogger } from '../../shared/adapters/logger';

/**
 * The shape of a log line from an invocation's logger: one Powertools Logger per process carries each
 * invocation's keys on that invocation's lines only (no child logger per invocation), in the same order as
 * before: level, event, timestamp, service, the Lambda keys, the base keys, correlation_id, the caller's fields.
 */
type Line = Record<string, unknown>;

function collect(level: 'debug' | 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  const log = createLogger(level, (l) => lines.push(l), { component: 'local' });
  const parsed = () => lines.map((l) => JSON.parse(l) as Line).filter((l) => !('_aws' in l));
  return { log, lines, parsed };
}

const contextOf = (name: string): Context => createLambdaContext(name);

describe('invocation log lines', () => {
  it('carries the Lambda keys, the base keys and the correlation id, in order, before the fields', () => {
    const { log, parsed } = collect();
    const context = contextOf('lines-fn-a');
    log.forInvocation({ context, correlationId: 'req-a' }).info('message.accepted', { messageId: 'm1' });
    const [line] = parsed();
    expect(Object.keys(line)).toEqual([
      'level',
      'event',
      'timestamp',
      'service',
      'cold_start',
      'function_name',
      'function_request_id',
      'function_arn',
      'function_memory_size',
      'component',
      'correlation_id',
      'messageId',
    ]);
    expect(line).toMatchObject({
      level: 'info',
      event: 'message.accepted',
      service: 'imsms',
      cold_start: true,
      function_name: 'lines-fn-a',
      function_request_id: context.awsRequestId,
      component: 'local',
      correlation_id: 'req-a',
      messageId: 'm1',
    });
  });

  it('keeps each invocation’s keys on its own lines when invocations interleave', () => {
    const { log, parsed } = collect();
    const ctxA = contextOf('lines-fn-b');
    const ctxB = contextOf('lines-fn-b');
    const a = log.forInvocation({ context: ctxA, correlationId: 'req-1' });
    const b = log.forInvocation({ context: ctxB, correlationId: 'req-2' });
    const timer = log.forInvocation({ correlationId: 'req-3' });
    a.info('one', { n: 1 });
    b.warn('two', { n: 2 });
    timer.info('three', { n: 3 });
    a.error('four', { n: 4 });
    log.info('five', { n: 5 });
    const lines = parsed();
    expect(lines.map((l) => [l.event, l.correlation_id, l.function_request_id, l.cold_start])).toEqual([
      ['one', 'req-1', ctxA.awsRequestId, true],
      ['two', 'req-2', ctxB.awsRequestId, false],
      ['three', 'req-3', undefined, undefined],
      ['four', 'req-1', ctxA.awsRequestId, true],
      ['five', undefined, undefined, undefined],
    ]);
    // Lines outside an invocation (the process logger, the local ack timer) carry no Lambda keys.
    expect(lines[2]).not.toHaveProperty('function_name');
    expect(lines[4]).not.toHaveProperty('function_name');
  });

  it('prints nothing below its level, and the invocation keys on the lines that pass', () => {
    const { log, parsed } = collect('warn');
    const inv = log.forInvocation({ context: contextOf('lines-fn-c'), correlationId: 'req-c' });
    inv.info('quiet', { n: 1 });
    inv.debug('quieter', { n: 2 });
    inv.warn('loud', { n: 3 });
    const lines = parsed();
    const loud = lines.find((l) => l.event === 'loud');
    expect(lines.map((l) => l.event)).not.toContain('quiet');
    expect(lines.map((l) => l.event)).not.toContain('quieter');
    expect(loud).toMatchObject({ correlation_id: 'req-c', function_name: 'lines-fn-c', n: 3 });
  });

  it('writes an error as its scrubbed description, never a phone or a text', () => {
    const { log, lines } = collect();
    const err = new Error('no route to +14155550123 for "meet me at noon"');
    log.forInvocation({ context: contextOf('lines-fn-d'), correlationId: 'req-d' }).error('boom', { err });
    const joined = lines.join('\n');
    expect(joined).toContain('"correlation_id":"req-d"');
    expect(joined).toContain('"error":"Error"');
    expect(joined).not.toContain('4155550123');
    expect(joined).not.toContain('meet me at noon');
  });
});
