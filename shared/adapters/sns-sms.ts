import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { SmsSendError } from '../core/ports';
import type { ProviderSms, SmsTransport } from './sms-transport';

/**
 * Outbound SMS through Amazon SNS. SNS has no per-message sender choice on most routes and no status
 * callback, so threads collapse onto the origination identity configured in SNS, and messages stop at `sent_sms`.
 */
export class SnsSmsProvider implements SmsTransport {
  readonly name = 'sns';

  constructor(private readonly client: SNSClient) {}

  async send(request: ProviderSms): Promise<{ sid: string }> {
    try {
      const out = await this.client.send(
        new PublishCommand({
          PhoneNumber: request.to,
          Message: request.body,
          MessageAttributes: {
            'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
            'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: request.from },
          },
        }),
      );
      return { sid: out.MessageId ?? 'sns-unknown' };
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
      const status = e.$metadata?.httpStatusCode ?? 0;
      const retryable = Boolean(e.$retryable) || status === 0 || status === 429 || status >= 500;
      throw new SmsSendError(`sns publish failed: ${e.name ?? 'error'}`, retryable, e.name);
    }
  }
}
