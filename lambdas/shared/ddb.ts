/**
 * The DynamoDB clients on their own, so a function that needs nothing else (the chat review
 * handler, whose cold start races IVS Chat's review deadline) does not load the other services'
 * SDK packages at init. `clients.ts` re-exports them: every function shares these instances.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const dynamo = new DynamoDBClient({});
export const ddb = DynamoDBDocumentClient.from(dynamo, {
  marshallOptions: { removeUndefinedValues: true },
});
