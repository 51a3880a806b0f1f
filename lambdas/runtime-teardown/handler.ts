/**
 * CloudFormation custom resource (CDK Provider `onEvent`): on stack deletion, deletes the
 * platform's runtime-created IVS channels (with their stream keys) and IVS Chat rooms, found by
 * the `platform` tag = RESOURCE_TAG. In prod it deletes only when ALLOW_TEARDOWN=true, otherwise
 * it leaves them (logged) so that deleting the stack never destroys live channels by accident.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { DeleteChannelCommand, DeleteStreamKeyCommand, ListChannelsCommand, ListStreamKeysCommand, StopStreamCommand } from '@aws-sdk/client-ivs';
import { DeleteRoomCommand, ListRoomsCommand } from '@aws-sdk/client-ivschat';
import { ivs, ivschat } from '../shared/clients';
import { ENV, optionalEnv, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';

const { logger } = observability('runtime-teardown');

export const PHYSICAL_ID = 'runtime-resources-teardown';

export interface TeardownResult { PhysicalResourceId: string; Data?: Record<string, unknown> }

/** Whether deletion may proceed in this stage. */
export function teardownAllowed(stage: string | undefined, allow: string | undefined): boolean {
  return stage !== 'prod' || allow === 'true';
}

async function deleteChannels(tag: string): Promise<{ channels: number; keys: number }> {
  let channels = 0;
  let keys = 0;
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ivs.send(new ListChannelsCommand({ nextToken }));
    for (const c of page.channels ?? []) if (c.arn && c.tags?.platform === tag) arns.push(c.arn);
    nextToken = page.nextToken;
  } while (nextToken);
  for (const arn of arns) {
    const listed = await ivs.send(new ListStreamKeysCommand({ channelArn: arn }));
    for (const key of listed.streamKeys ?? []) {
      if (key.arn) { await ivs.send(new DeleteStreamKeyCommand({ arn: key.arn })); keys++; }
    }
    try {
      await ivs.send(new StopStreamCommand({ channelArn: arn }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'ChannelNotBroadcasting') logger.warn('StopStream failed', { error: error as Error, arn });
    }
    await ivs.send(new DeleteChannelCommand({ arn }));
    channels++;
  }
  return { channels, keys };
}

async function deleteRooms(tag: string): Promise<number> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ivschat.send(new ListRoomsCommand({ nextToken }));
    for (const r of page.rooms ?? []) if (r.arn && r.tags?.platform === tag) arns.push(r.arn);
    nextToken = page.nextToken;
  } while (nextToken);
  for (const arn of arns) await ivschat.send(new DeleteRoomCommand({ identifier: arn }));
  return arns.length;
}

export async function handler(event: CloudFormationCustomResourceEvent): Promise<TeardownResult> {
  const physicalId = event.RequestType === 'Create' ? PHYSICAL_ID : event.PhysicalResourceId;
  if (event.RequestType !== 'Delete') return { PhysicalResourceId: physicalId };
  if (!teardownAllowed(optionalEnv(ENV.STAGE), optionalEnv(ENV.ALLOW_TEARDOWN))) {
    logger.warn('teardown refused in prod: set ALLOW_TEARDOWN=true to delete runtime channels and rooms');
    return { PhysicalResourceId: physicalId, Data: { refused: true } };
  }
  const tag = requireEnv(ENV.RESOURCE_TAG);
  const { channels, keys } = await deleteChannels(tag);
  const rooms = await deleteRooms(tag);
  logger.info('runtime resources deleted', { channels, keys, rooms });
  return { PhysicalResourceId: physicalId, Data: { channels, keys, rooms } };
}
