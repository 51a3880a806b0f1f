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
export const s3 = new S3Client({});
export const eventBridge = new EventBridgeClient({});
