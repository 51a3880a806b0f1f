/** Table-stream records: the images of a Lambda DynamoDB stream event as plain objects. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** A stream image (Keys, NewImage, OldImage) as a plain object; undefined when the record has none. */
export type Image = Record<string, unknown>;

export function imageOf(raw: unknown): Image | undefined {
  return raw ? (unmarshall(raw as Record<string, AttributeValue>) as Image) : undefined;
}
