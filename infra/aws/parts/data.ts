import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { CONVERSATION_INDEX, TABLE_KEYS } from '../../../shared/adapters/dynamo-table';
import { acknowledge } from '../nag';

export interface DataProps {
  /** Keep the table (with deletion protection) and the secrets when the stack is deleted. */
  readonly retainData: boolean;
}

/**
 * The stateful part: the one DynamoDB table and the two secrets. Built in `scope` itself (the stack), so their
 * logical IDs stay `Table…`, `JwtSecret…`, `TwilioSecret…`: renaming them would replace them on deploy.
 */
export class Data {
  readonly table: dynamodb.Table;
  readonly jwtSecret: secretsmanager.Secret;
  readonly twilioSecret: secretsmanager.Secret;

  constructor(scope: Construct, props: DataProps) {
    const removalPolicy = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.table = new dynamodb.Table(scope, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy,
      deletionProtection: props.retainData,
    });
    // History by conversation, one Query per page (docs/design.md). Adding it to a live table is online.
    this.table.addGlobalSecondaryIndex({
      indexName: CONVERSATION_INDEX.name,
      partitionKey: { name: CONVERSATION_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: CONVERSATION_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    // Generated placeholders; the operator puts the real values (docs/deploy.md).
    this.jwtSecret = new secretsmanager.Secret(scope, 'JwtSecret', {
      description: 'imsms: HMAC secret that signs session tokens and OTP hashes (JWT_SECRET_ARN)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    this.twilioSecret = new secretsmanager.Secret(scope, 'TwilioSecret', {
      description:
        'imsms: Twilio credentials, JSON {"accountSid","authToken"} (TWILIO_SECRET_ARN). Put the real values.',
      generateSecretString: {
        // The template carries no real value: a placeholder SID and a random token until the operator sets them.
        secretStringTemplate: JSON.stringify({ accountSid: 'AC_SET_ME' }),
        generateStringKey: 'authToken',
        excludePunctuation: true,
      },
      removalPolicy,
    });
    acknowledge(
      this.jwtSecret,
      'AwsSolutions-SMG4',
      'No automatic rotation: rotating the signing secret logs every user out and voids pending OTPs; rotate by hand (docs/deploy.md).',
    );
    acknowledge(
      this.twilioSecret,
      'AwsSolutions-SMG4',
      'The Twilio auth token is issued and rotated in the Twilio console, which Secrets Manager cannot drive; the operator updates the secret (docs/deploy.md).',
    );
  }
}
