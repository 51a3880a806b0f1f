/**
 * CloudFormation custom resource (CDK Provider `onEvent`) for the platform's runtime-created IVS
 * channels and IVS Chat rooms, found by the `platform` tag = RESOURCE_TAG:
 * - Delete: deletes the channels (with their stream keys) and rooms. In prod only when
 *   ALLOW_TEARDOWN=true, otherwise it leaves them (logged) so that deleting the stack never
 *   destroys live channels by accident.
 * - Update with a new `RecordingConfigurationArn` (thumbnail or rendition settings changed, so
 *   CloudFormation replaced the configuration): moves every platform channel from the old
 *   configuration to the new one, so that CloudFormation can delete the old one afterwards.
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import {
  DeleteChannelCommand,
  DeleteStreamKeyCommand,
  ListChannelsCommand,
  ListStreamKeysCommand,
  StopStreamCommand,
  UpdateChannelCommand,
} from '@aws-sdk/client-ivs';
import { DeleteRoomCommand, ListRoomsCommand } from '@aws-sdk/client-ivschat';
import { ivs, ivschat } from '../shared/clients';
import { ENV, optionalEnv, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';

const { logger } = observability('runtime-teardown');

export const PHYSICAL_ID = 'runtime-resources-teardown';

export interface TeardownResult {
  PhysicalResourceId: string;
  Data?: Record<string, unknown>;
}

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
      if (key.arn) {
        await ivs.send(new DeleteStreamKeyCommand({ arn: key.arn }));
        keys++;
      }
    }
    try {
      await ivs.send(new StopStreamCommand({ channelArn: arn }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'ChannelNotBroadcasting')
        logger.warn('StopStream failed', { error: error as Error, arn });
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

/** Thrown when channels stay live past the deadline: IVS does not update live channels. */
export class LiveChannelsError extends Error {
  constructor(readonly arns: string[]) {
    super(
      `${arns.length} channel(s) stayed live and could not be moved to the new recording configuration ` +
        `(IVS updates only offline channels): ${arns.join(', ')}. CloudFormation rolls back to the previous configuration; ` +
        'deploy again when these streams have ended (docs/recordings.md, "Changing recording settings").',
    );
    this.name = 'LiveChannelsError';
  }
}

export interface MigrationOptions {
  /** Epoch ms after which live channels are no longer waited for. */
  readonly deadline: number;
  /** Pause between attempts on channels that are live. */
  readonly retryEveryMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Moves the platform's channels that record with `from` to `to`. Live channels answer
 * ConflictException; they are retried until `deadline`, then reported by a LiveChannelsError.
 */
export async function migrateRecordingConfiguration(
  tag: string,
  from: string,
  to: string,
  options: MigrationOptions,
): Promise<number> {
  let pending: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ivs.send(new ListChannelsCommand({ filterByRecordingConfigurationArn: from, nextToken }));
    for (const c of page.channels ?? []) if (c.arn && c.tags?.platform === tag) pending.push(c.arn);
    nextToken = page.nextToken;
  } while (nextToken);
  let moved = 0;
  for (;;) {
    const live: string[] = [];
    for (const arn of pending) {
      try {
        await ivs.send(new UpdateChannelCommand({ arn, recordingConfigurationArn: to }));
        moved++;
      } catch (error) {
        if ((error as { name?: string }).name !== 'ConflictException') throw error;
        live.push(arn);
      }
    }
    pending = live;
    if (!pending.length) return moved;
    if (Date.now() + options.retryEveryMs > options.deadline) throw new LiveChannelsError(pending);
    logger.info('waiting for live channels to go offline', { live: pending.length });
    await sleep(options.retryEveryMs);
  }
}

/** Leaves time for the last UpdateChannel round and the Provider's reply to CloudFormation. */
const DEADLINE_MARGIN_MS = 60_000;
const RETRY_EVERY_MS = 20_000;

export async function handler(
  event: CloudFormationCustomResourceEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<TeardownResult> {
  const physicalId = event.RequestType === 'Create' ? PHYSICAL_ID : event.PhysicalResourceId;
  if (event.RequestType === 'Update') {
    const from = event.OldResourceProperties['RecordingConfigurationArn'] as string | undefined;
    const to = event.ResourceProperties['RecordingConfigurationArn'] as string | undefined;
    if (!from || !to || from === to) return { PhysicalResourceId: physicalId };
    const deadline = Date.now() + (context?.getRemainingTimeInMillis() ?? 0) - DEADLINE_MARGIN_MS;
    const moved = await migrateRecordingConfiguration(requireEnv(ENV.RESOURCE_TAG), from, to, {
      deadline,
      retryEveryMs: RETRY_EVERY_MS,
    });
    logger.info('channels moved to the new recording configuration', { moved, from, to });
    return { PhysicalResourceId: physicalId, Data: { moved } };
  }
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
