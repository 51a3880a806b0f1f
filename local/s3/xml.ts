/**
 * The wire protocol pieces of the local S3: XML bodies, S3's error shape, request bodies (plain and
 * `aws-chunked`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** S3's XML namespace. */
export const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** Text escaped for an XML element or attribute. */
export function xmlEscape(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function xmlUnescape(value: string): string {
  return value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Values of every `<tag>...</tag>` in a small, trusted-shape XML body. */
export function xmlValues(body: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  for (let m = re.exec(body); m; m = re.exec(body)) out.push(xmlUnescape(m[1] ?? ''));
  return out;
}

/** An S3 error answer: HTTP status, S3 error code, message. */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The whole request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Decodes an `aws-chunked` body (what the SDK sends when it adds a trailing checksum):
 * `<hex size>[;chunk-signature=...]\r\n<bytes>\r\n` ... `0\r\n<trailers>\r\n\r\n`.
 */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(offset, lineEnd).toString('latin1').split(';')[0] ?? '0', 16);
    if (!Number.isFinite(size) || size === 0) break;
    const start = lineEnd + 2;
    parts.push(body.subarray(start, start + size));
    offset = start + size + 2;
  }
  return Buffer.concat(parts);
}

/** An S3 XML answer. */
export function sendXml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}
