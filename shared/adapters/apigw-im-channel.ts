import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ImChannel, ImEvent, PushResult } from '../core/ports';
import { toServerFrame } from './ws-frames';

/**
 * The IM server: pushes through API Gateway's @connections API, each event rendered as its wire frame. Gone is a result, not an error (SDK v3 names
 * it by `err.name`; `statusCode === 410` never matches).
 */
export class ApiGatewayImChannel implements ImChannel {
  constructor(private readonly client: ApiGatewayManagementApiClient) {}

  async push(connectionId: string, event: ImEvent): Promise<PushResult> {
    try {
      await this.client.send(
        new PostToConnectionCommand({
          ConnectionId: connectionId,
          Data: new TextEncoder().encode(JSON.stringify(toServerFrame(event))),
        }),
      );
      return 'ok';
    } catch (err) {
      if ((err as Error).name === 'GoneException') return 'gone';
      throw err;
    }
  }
}
