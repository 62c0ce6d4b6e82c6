import { readFileSync } from 'node:fs';
import path from 'node:path';
import { countSegments, encodeSms } from '../../shared/core/conversion/sms-encoding';
import { formatSmsBody } from '../../shared/core/conversion/body-format';
import type { CellReport, CostRow, SmsSample } from '../results';
import { CORPUS } from '../sms-corpus';

export interface Prices {
  asOf: string;
  twilioSmsOutboundPerSegment: number;
  twilioSmsInboundPerSegment: number;
  carrierFeePerOutboundSegment: number;
  lambdaPerMillionRequests: number;
  lambdaArm64PerGbSecond: number;
  lambdaMemoryGb: number;
  lambdaAverageDurationMs: number;
  apiGatewayWebSocketPerMillionMessages: number;
  apiGatewayHttpPerMillionRequests: number;
  dynamoDbPerMillionWrites: number;
  dynamoDbPerMillionReads: number;
  sqsPerMillionRequests: number;
}

export function loadPrices(file = path.join(__dirname, '..', 'prices.json')): Prices {
  return JSON.parse(readFileSync(file, 'utf8')) as Prices;
}

/** As a phone shows an IM sender: `name @imNumber: text`. */
const asSent = (text: string) => formatSmsBody('Alice', '12345678', text);

/** Segments of each corpus text as sent, before (as typed) and after GSM-7 normalisation. */
export function smsSamples(): SmsSample[] {
  return CORPUS.map((e) => {
    const body = asSent(e.text);
    const before = countSegments(body);
    const after = encodeSms(body);
    return {
      label: e.label,
      chars: [...e.text].length,
      before: { encoding: before.encoding, segments: before.segments },
      after: {
        encoding: after.encoding,
        segments: after.segments,
        normalized: after.normalized,
        truncated: after.truncated,
      },
      weight: e.weight,
    };
  });
}

/**
 * What one routed message costs, by path: measured DynamoDB requests (including the delivery check), and
 * counted Lambda invocations, WebSocket frames, HTTP webhooks and SQS requests per path (listed in the report).
 */
interface PathUnits {
  reads: number;
  writes: number;
  lambdas: number;
  wsMessages: number;
  httpRequests: number;
  sqsRequests: number;
  outboundSegments: number;
  inboundSegments: number;
}

export const UNIT_NOTES = [
  'Lambda invocations: the routing function, then the ack (IM) or the two status callbacks (SMS), then the delivery check: 3 for IM, 4 for SMS.',
  'WebSocket messages: IM sender: sendMessage in, receipts out (accepted + delivered, or accepted + sent_sms + delivered_sms); IM recipient: the push and its ack.',
  'HTTP API requests: the inbound SMS webhook (SMS senders) and two status callbacks per outbound SMS.',
  'SQS: send, receive and delete of the delivery check (3 requests; batching ignored).',
];

function units(
  path: 'im-im' | 'im-sms' | 'sms-im' | 'sms-sms',
  rw: Map<string, { reads: number; writes: number }>,
  seg: number,
): PathUnits {
  const { reads, writes } = rw.get(path) ?? { reads: 0, writes: 0 };
  const fromIm = path.startsWith('im-');
  const toIm = path.endsWith('-im');
  return {
    reads,
    writes,
    lambdas: toIm ? 3 : 4,
    wsMessages: (fromIm ? (toIm ? 3 : 4) : 0) + (toIm ? 2 : 0),
    httpRequests: (fromIm ? 0 : 1) + (toIm ? 0 : 2),
    sqsRequests: 3,
    outboundSegments: toIm ? 0 : seg,
    inboundSegments: fromIm ? 0 : seg,
  };
}

function dollars(u: PathUnits, p: Prices): { total: number; sms: number } {
  const m = 1e-6;
  const sms =
    u.outboundSegments * (p.twilioSmsOutboundPerSegment + p.carrierFeePerOutboundSegment) +
    u.inboundSegments * p.twilioSmsInboundPerSegment;
  const aws =
    u.reads * p.dynamoDbPerMillionReads * m +
    u.writes * p.dynamoDbPerMillionWrites * m +
    u.lambdas *
      (p.lambdaPerMillionRequests * m +
        p.lambdaMemoryGb * (p.lambdaAverageDurationMs / 1000) * p.lambdaArm64PerGbSecond) +
    u.wsMessages * p.apiGatewayWebSocketPerMillionMessages * m +
    u.httpRequests * p.apiGatewayHttpPerMillionRequests * m +
    u.sqsRequests * p.sqsPerMillionRequests * m;
  return { total: sms + aws, sms };
}

/**
 * Cost per 1,000 routed messages at a share of recipients online, for messages sent from the IM app and from
 * a phone. Reads/writes per path come from the run (the largest user count measured, delivery check
 * included); segments are the corpus's weighted mean, after (and, for comparison, before) normalisation.
 */
export function smsCosts(samples: SmsSample[], cells: CellReport[], prices: Prices): CostRow[] {
  const weightSum = samples.reduce((s, x) => s + x.weight, 0);
  const meanAfter = samples.reduce((s, x) => s + x.weight * x.after.segments, 0) / weightSum;
  const meanBefore = samples.reduce((s, x) => s + x.weight * x.before.segments, 0) / weightSum;
  const rw = new Map<string, { reads: number; writes: number }>();
  const largest = Math.max(...cells.map((c) => c.users));
  for (const c of cells.filter((x) => x.users === largest)) {
    rw.set(c.key, { reads: c.dynamo.reads + c.dynamo.deliveryChecks, writes: c.dynamo.writes });
  }
  return [0, 0.5, 0.9].map((online) => {
    const mix = (from: 'im' | 'sms', seg: number) => {
      const im = dollars(units(`${from}-im`, rw, seg), prices);
      const sms = dollars(units(`${from}-sms`, rw, seg), prices);
      return {
        total: 1000 * (online * im.total + (1 - online) * sms.total),
        sms: 1000 * (online * im.sms + (1 - online) * sms.sms),
      };
    };
    const im = mix('im', meanAfter);
    const sms = mix('sms', meanAfter);
    return {
      onlineShare: online,
      imSender: im.total,
      smsSender: sms.total,
      imSenderSmsPart: im.sms,
      smsSenderSmsPart: sms.sms,
      imSenderNoNormalisation: mix('im', meanBefore).total,
    };
  });
}
