import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AlreadyExistsException,
  BadRequestException,
  CreateEmailTemplateCommand,
  GetEmailTemplateCommand,
  MessageRejected,
  SendBulkEmailCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderTemplate, startLocalSes, type LocalSes, type SesOutboxEntry } from '../../../../local/ses/index';
import { startFunctionUrl } from '../../../../local/lambda/function-url';

describe('local SES v2 through the real SDK client', () => {
  let ses: LocalSes;
  let client: SESv2Client;
  let outbox: string;
  const read = (): SesOutboxEntry[] =>
    readdirSync(outbox)
      .filter((f) => f.startsWith('ses-'))
      .map((f) => JSON.parse(readFileSync(join(outbox, f), 'utf8')) as SesOutboxEntry);
  const bulk = (to: string[], from = 'Shop <alerts@example.test>') =>
    new SendBulkEmailCommand({
      FromEmailAddress: from,
      DefaultContent: {
        Template: {
          TemplateName: 't1',
          TemplateData: JSON.stringify({ who: 'Ann', link: 'https://x.test/?a=1&b=2' }),
          Headers: [{ Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' }],
        },
      },
      BulkEmailEntries: to.map((address) => ({
        Destination: { ToAddresses: [address] },
        ReplacementEmailContent: {
          ReplacementTemplate: { ReplacementTemplateData: JSON.stringify({ who: `Ann for ${address}` }) },
        },
        ReplacementHeaders: [{ Name: 'List-Unsubscribe', Value: `<https://u.test/?to=${address}>` }],
      })),
    });

  beforeEach(async () => {
    outbox = mkdtempSync(join(tmpdir(), 'ses-outbox-'));
    ses = await startLocalSes({ outboxDir: outbox, verifiedIdentities: ['example.test'], maxSendRate: 3, port: 0 });
    client = new SESv2Client({
      endpoint: ses.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: 't1',
        TemplateContent: {
          Subject: '{{who}} is live',
          Text: 'Watch {{ link }}',
          Html: '<a href="{{link}}">{{who}}</a>',
        },
      }),
    );
  });

  afterEach(async () => {
    client.destroy();
    await ses.stop();
    rmSync(outbox, { recursive: true, force: true });
  });

  it('renders the template per destination into one outbox file each, with the merged headers', async () => {
    const out = await client.send(bulk(['a@x.test', 'b@x.test']));

    expect(out.BulkEmailEntryResults?.map((r) => r.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    const a = read().find((e) => e.to[0] === 'a@x.test')!;
    expect(a).toMatchObject({
      kind: 'Email',
      messageId: out.BulkEmailEntryResults![0]!.MessageId,
      from: 'Shop <alerts@example.test>',
      template: 't1',
      subject: 'Ann for a@x.test is live',
      text: 'Watch https://x.test/?a=1&b=2',
      html: '<a href="https://x.test/?a=1&amp;b=2">Ann for a@x.test</a>',
      headers: {
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Unsubscribe': '<https://u.test/?to=a@x.test>',
      },
    });
    expect((await client.send(new GetEmailTemplateCommand({ TemplateName: 't1' }))).TemplateContent?.Subject).toBe(
      '{{who}} is live',
    );
  });

  it('refuses what SES refuses: unverified senders, more than 50 entries, a template twice', async () => {
    await expect(client.send(bulk(['a@x.test'], 'alerts@elsewhere.test'))).rejects.toBeInstanceOf(MessageRejected);
    await expect(client.send(bulk(Array.from({ length: 51 }, (_, i) => `u${i}@x.test`)))).rejects.toBeInstanceOf(
      BadRequestException,
    );
    await expect(
      client.send(new CreateEmailTemplateCommand({ TemplateName: 't1', TemplateContent: { Subject: 's' } })),
    ).rejects.toBeInstanceOf(AlreadyExistsException);
    expect(read()).toEqual([]);
  });

  it('throttles entries past the sending rate, per entry as SES answers', async () => {
    const out = await client.send(bulk(['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test', 'e@x.test']));
    expect(out.BulkEmailEntryResults?.map((r) => r.Status)).toEqual([
      'SUCCESS',
      'SUCCESS',
      'SUCCESS',
      'ACCOUNT_THROTTLED',
      'ACCOUNT_THROTTLED',
    ]);
    expect(read()).toHaveLength(3);
  });

  it('renders unknown names empty', () => {
    expect(renderTemplate('{{a}}-{{missing}}', { a: '<b>' }, true)).toBe('&lt;b&gt;-');
  });
});

describe('local function URL', () => {
  it("passes method, query and body as the 2.0 event and returns the handler's answer", async () => {
    const seen: Record<string, unknown>[] = [];
    const url = await startFunctionUrl(async (_name, event) => {
      seen.push(event as Record<string, unknown>);
      return { statusCode: 201, headers: { 'content-type': 'text/html' }, body: '<p>ok</p>' };
    }, 'fn');
    try {
      const res = await fetch(`${url.url}?u=1&t=a%2Bb`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(res.status).toBe(201);
      expect(await res.text()).toBe('<p>ok</p>');
      expect(seen[0]).toMatchObject({
        version: '2.0',
        rawPath: '/',
        rawQueryString: 'u=1&t=a%2Bb',
        queryStringParameters: { u: '1', t: 'a+b' },
        requestContext: { http: { method: 'POST', path: '/' } },
        body: 'List-Unsubscribe=One-Click',
        isBase64Encoded: false,
      });
    } finally {
      await url.stop();
    }
  });
});
