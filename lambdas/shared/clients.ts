/**
 * AWS SDK v3 clients, built once per module (reused across invocations). Endpoints come from the
 * SDK's standard settings (`AWS_ENDPOINT_URL_<SERVICE>`), which is how the local mode reaches its
 * emulated services without any branch in the handlers.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IvsClient } from '@aws-sdk/client-ivs';
import { IvschatClient } from '@aws-sdk/client-ivschat';
import { S3Client } from '@aws-sdk/client-s3';

export { dynamo, ddb } from './ddb';
export const ivs = new IvsClient({});
export const ivschat = new IvschatClient({});
/**
 * IVS and IVS Chat clients for provisioning, whose create calls share the account's small
 * control-plane rate (about 5 TPS): the adaptive retry mode backs off and rate-limits itself on
 * throttling, with more attempts than the default since the caller (an async run) has time.
 */
export const ivsProvisioning = new IvsClient({ retryMode: 'adaptive', maxAttempts: 6 });
export const ivschatProvisioning = new IvschatClient({ retryMode: 'adaptive', maxAttempts: 6 });
export const s3 = new S3Client({});
export const eventBridge = new EventBridgeClient({});
