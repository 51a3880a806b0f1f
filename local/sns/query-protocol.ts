/** The AWS Query protocol as the SNS SDK client speaks it: form-encoded requests, XML answers. */

const NS = 'http://sns.amazonaws.com/doc/2010-03-31/';

export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** `Prefix.entry.N.<keyField>` / `.<valueField>` pairs into a map (Attributes, MessageAttributes). */
export function entries(params: URLSearchParams, prefix: string, keyField: string, valueField: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (let n = 1; params.has(`${prefix}.entry.${n}.${keyField}`); n++) {
    const key = params.get(`${prefix}.entry.${n}.${keyField}`)!;
    const fields = new Map<string, string>();
    const base = `${prefix}.entry.${n}.${valueField}`;
    for (const [k, v] of params) {
      if (k === base) fields.set('', v);
      else if (k.startsWith(`${base}.`)) fields.set(k.slice(base.length + 1), v);
    }
    out.set(key, fields);
  }
  return out;
}

export type XmlValue = string | number | boolean | null | undefined | XmlValue[] | { [k: string]: XmlValue };

/** A map (e.g. subscription Attributes) serialised as `<entry><key/><value/></entry>` elements. */
export function xmlMap(map: Record<string, string>): { [k: string]: XmlValue } {
  return { __map: Object.entries(map).map(([key, value]) => ({ key, value })) };
}

function toXml(value: XmlValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object' && !Array.isArray(value) && Array.isArray(value.__map)) {
    return value.__map.map((e) => `<entry>${toXml(e)}</entry>`).join('');
  }
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => (v === undefined ? '' : `<${k}>${toXml(v)}</${k}>`)).join('');
  return escapeXml(String(value));
}

export function successXml(action: string, result: Record<string, XmlValue> | undefined, requestId: string): string {
  const body = result ? `<${action}Result>${toXml(result)}</${action}Result>` : '';
  return `<${action}Response xmlns="${NS}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function errorXml(code: string, message: string, requestId: string, type: 'Sender' | 'Receiver' = 'Sender'): string {
  return `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
