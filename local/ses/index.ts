/**
 * Local Amazon SES (API v2): the calls the platform makes (CreateEmailTemplate, GetEmailTemplate,
 * UpdateEmailTemplate, SendBulkEmail) on SES v2's REST-JSON protocol, so `@aws-sdk/client-sesv2`
 * works unchanged through AWS_ENDPOINT_URL_SESV2. Every accepted destination becomes one JSON file in
 * `outboxDir` (what a mail server would have received: From, To, headers, rendered subject, text and
 * HTML). As in SES, a sender outside the verified identities is refused, more than 50 destinations
 * is a BadRequest, and past `maxSendRate` messages per second entries answer ACCOUNT_THROTTLED.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { listen, readBody } from '../http';
import { callerOf } from '../iam/caller';
import { AccessDeniedError, type Authorizer } from '../iam/evaluator';
import { sesRequests } from '../iam/requests';

export interface LocalSesOptions {
  /** Directory receiving one `ses-*.json` file per delivered email (created if missing). */
  outboxDir: string;
  /** Domains or addresses that may send (SES: verified identities). */
  verifiedIdentities: readonly string[];
  /** Messages per second before entries are throttled. @default unlimited */
  maxSendRate?: number;
  /** 0 = a free port. */
  port?: number;
  /** When set, every call is authorized for its calling function (IAM in the local mode). */
  iam?: Authorizer;
  region?: string;
  account?: string;
}

export interface LocalSes {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** One delivered email in the outbox. */
export interface SesOutboxEntry {
  kind: 'Email';
  messageId: string;
  at: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Headers the sender set (template defaults merged with the destination's replacements). */
  headers: Record<string, string>;
  template: string;
  configurationSet?: string;
}

interface TemplateContent {
  Subject?: string;
  Text?: string;
  Html?: string;
}
interface Header {
  Name: string;
  Value: string;
}
interface BulkRequest {
  FromEmailAddress?: string;
  ConfigurationSetName?: string;
  DefaultContent?: { Template?: { TemplateName?: string; TemplateData?: string; Headers?: Header[] } };
  BulkEmailEntries?: {
    Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
    ReplacementEmailContent?: { ReplacementTemplate?: { ReplacementTemplateData?: string } };
    ReplacementHeaders?: Header[];
  }[];
}

class SesError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** SES's `{{name}}` replacement (HTML parts escaped, as Handlebars does); unknown names render empty. */
export function renderTemplate(source: string, data: Record<string, unknown>, html: boolean): string {
  return source.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_m, name: string) => {
    const value = data[name];
    const text = value === undefined || value === null ? '' : String(value);
    return html ? escapeHtml(text) : text;
  });
}

/** The address inside `Name <address>` (or the whole value). */
function addressOf(from: string): string {
  return (/<([^>]+)>\s*$/.exec(from)?.[1] ?? from).trim().toLowerCase();
}

function parseData(raw: string | undefined, what: string): Record<string, unknown> {
  if (!raw) return {};
  try {
    const data = JSON.parse(raw) as unknown;
    if (data && typeof data === 'object' && !Array.isArray(data)) return data as Record<string, unknown>;
  } catch {
    /* answered below */
  }
  throw new SesError('BadRequestException', `${what} is not a JSON object.`);
}

/** Starts the local SES v2 endpoint on 127.0.0.1. */
export async function startLocalSes(opts: LocalSesOptions): Promise<LocalSes> {
  mkdirSync(opts.outboxDir, { recursive: true });
  const templates = new Map<string, TemplateContent>();
  const identities = opts.verifiedIdentities.map((i) => i.toLowerCase());
  let windowStart = 0;
  let sentInWindow = 0;

  const verified = (address: string) =>
    identities.includes(address) || identities.includes(address.split('@')[1] ?? '');
  /** Takes one message from this second's sending budget; false = throttled. */
  const takeRate = () => {
    if (!opts.maxSendRate) return true;
    const now = Date.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      sentInWindow = 0;
    }
    if (sentInWindow >= opts.maxSendRate) return false;
    sentInWindow++;
    return true;
  };

  const sendBulk = async (req: BulkRequest, caller: string | undefined) => {
    const from = req.FromEmailAddress;
    if (!from) throw new SesError('BadRequestException', 'FromEmailAddress is required.');
    // SES authorizes a send on the identity the From address belongs to (the address when it is
    // verified itself, otherwise its domain), the template and the configuration set it names.
    const address = addressOf(from);
    await opts.iam?.enforce(
      caller,
      sesRequests(
        'SendBulkEmail',
        {
          fromAddress: address,
          identity: identities.includes(address) ? address : address.split('@')[1],
          configurationSet: req.ConfigurationSetName,
          template: req.DefaultContent?.Template?.TemplateName,
        },
        { region: opts.region ?? 'us-east-1', account: opts.account ?? '000000000000' },
      ),
    );
    if (!verified(addressOf(from)))
      throw new SesError(
        'MessageRejected',
        `Email address is not verified. The following identities failed the check: ${addressOf(from)}`,
      );
    const entries = req.BulkEmailEntries ?? [];
    if (entries.length === 0 || entries.length > 50)
      throw new SesError('BadRequestException', 'BulkEmailEntries must hold 1 to 50 entries.');
    const defaults = req.DefaultContent?.Template;
    const templateName = defaults?.TemplateName;
    if (!templateName) throw new SesError('BadRequestException', 'DefaultContent.Template.TemplateName is required.');
    const template = templates.get(templateName);
    const defaultData = parseData(defaults.TemplateData, 'TemplateData');
    const defaultHeaders = Object.fromEntries((defaults.Headers ?? []).map((h) => [h.Name, h.Value]));
    return {
      BulkEmailEntryResults: entries.map((entry) => {
        const d = entry.Destination ?? {};
        const to = [...(d.ToAddresses ?? []), ...(d.CcAddresses ?? []), ...(d.BccAddresses ?? [])];
        if (to.length === 0 || to.length > 50)
          return { Status: 'INVALID_PARAMETER', Error: 'A destination needs 1 to 50 recipients.' };
        if (!template) return { Status: 'TEMPLATE_NOT_FOUND', Error: `Template ${templateName} does not exist.` };
        if (!takeRate()) return { Status: 'ACCOUNT_THROTTLED', Error: 'Maximum sending rate exceeded.' };
        const data = {
          ...defaultData,
          ...parseData(
            entry.ReplacementEmailContent?.ReplacementTemplate?.ReplacementTemplateData,
            'ReplacementTemplateData',
          ),
        };
        const messageId = `local-${randomUUID()}`;
        const at = new Date().toISOString();
        const email: SesOutboxEntry = {
          kind: 'Email',
          messageId,
          at,
          from,
          to,
          subject: renderTemplate(template.Subject ?? '', data, false).replace(/[\r\n]+/g, ' '),
          text: renderTemplate(template.Text ?? '', data, false),
          html: renderTemplate(template.Html ?? '', data, true),
          headers: {
            ...defaultHeaders,
            ...Object.fromEntries((entry.ReplacementHeaders ?? []).map((h) => [h.Name, h.Value])),
          },
          template: templateName,
          ...(req.ConfigurationSetName ? { configurationSet: req.ConfigurationSetName } : {}),
        };
        writeFileSync(
          join(opts.outboxDir, `ses-${at.replace(/[:.]/g, '-')}-${messageId}.json`),
          JSON.stringify(email, null, 2),
        );
        return { Status: 'SUCCESS', MessageId: messageId };
      }),
    };
  };

  const route = async (method: string, path: string, body: string, caller: string | undefined): Promise<unknown> => {
    const json = () => (body ? (JSON.parse(body) as Record<string, unknown>) : {});
    if (method === 'POST' && path === '/v2/email/outbound-bulk-emails') return sendBulk(json() as BulkRequest, caller);
    if (method === 'POST' && path === '/v2/email/templates') {
      const { TemplateName, TemplateContent } = json() as { TemplateName?: string; TemplateContent?: TemplateContent };
      if (!TemplateName || !TemplateContent?.Subject)
        throw new SesError('BadRequestException', 'TemplateName and TemplateContent.Subject are required.');
      if (templates.has(TemplateName))
        throw new SesError('AlreadyExistsException', `Template ${TemplateName} already exists.`);
      templates.set(TemplateName, TemplateContent);
      return {};
    }
    const named = /^\/v2\/email\/templates\/([^/]+)$/.exec(path);
    if (named) {
      const name = decodeURIComponent(named[1]!);
      if (!templates.has(name)) throw new SesError('NotFoundException', `Template ${name} does not exist.`, 404);
      if (method === 'GET') return { TemplateName: name, TemplateContent: templates.get(name) };
      if (method === 'PUT') {
        templates.set(name, (json() as { TemplateContent: TemplateContent }).TemplateContent);
        return {};
      }
    }
    throw new SesError('BadRequestException', `The local SES does not serve ${method} ${path}.`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    try {
      const body = await readBody(req);
      const result = await route(
        req.method ?? 'GET',
        new URL(req.url ?? '/', 'http://127.0.0.1').pathname,
        body,
        callerOf(req),
      );
      res
        .writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': requestId })
        .end(JSON.stringify(result));
    } catch (error) {
      const e =
        error instanceof SesError
          ? error
          : error instanceof AccessDeniedError
            ? new SesError('AccessDeniedException', error.message, 403)
            : error instanceof SyntaxError
              ? new SesError('BadRequestException', 'The request body is not JSON.')
              : new SesError('InternalFailure', (error as Error).message, 500);
      res
        .writeHead(e.status, {
          'content-type': 'application/json',
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': e.code,
        })
        .end(JSON.stringify({ message: e.message }));
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await listen(server, opts.port ?? 0, 'SES');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
