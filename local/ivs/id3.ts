/**
 * Timed metadata in live MPEG-TS segments, the way IVS carries PutMetadata: an ID3v2.4 tag with one
 * TXXX frame (UTF-8, empty description) in a PES packet (stream_id 0xBD) on its own PID, declared in
 * the PMT as stream_type 0x15 with the metadata descriptors of Apple's "Timed Metadata for HTTP Live
 * Streaming". amazon-ivs-player fires TEXT_METADATA_CUE for it when the playhead reaches it.
 *
 * ffmpeg cannot take live ID3 input, so the local HLS server injects the tags into each live segment
 * as it serves it (see index.ts for which call goes into which segment, at which PTS). Every segment
 * also gets a PRIV "heartbeat" tag at its first video PTS, as IVS puts a `segmentmetadata` tag at the
 * start of each of its segments: amazon-ivs-player (1.56, MSE path) places the first ID3 sample of a
 * segment at the segment's start whatever its PTS, and later samples relative to that first one, so
 * without the heartbeat a cue would fire up to a segment early. A PRIV frame with an owner the player
 * does not know raises no cue (only an ID3 metadata event with no frames).
 */

const TS = 188;
/** PID for the ID3 elementary stream (ffmpeg uses 0x100 + n for its own streams). */
export const ID3_PID = 0x1f0;

/** ID3v2 uses 28-bit "syncsafe" sizes. */
function syncsafe(n: number): Buffer {
  return Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);
}

/** ID3v2.4 tag (no flags, no padding) holding one frame. */
function id3Tag(id: string, body: Buffer): Buffer {
  const frame = Buffer.concat([Buffer.from(id, 'latin1'), syncsafe(body.length), Buffer.from([0, 0]), body]);
  return Buffer.concat([Buffer.from('ID3'), Buffer.from([0x04, 0x00, 0x00]), syncsafe(frame.length), frame]);
}

/** ID3v2.4 tag with one TXXX frame: encoding UTF-8, empty description, the metadata as value. */
export function id3Txxx(text: string): Buffer {
  return id3Tag('TXXX', Buffer.concat([Buffer.from([0x03]), Buffer.from([0x00]), Buffer.from(text, 'utf8')]));
}

/** Owner of the per-segment heartbeat PRIV frame (unknown to the player, so it raises no cue). */
export const HEARTBEAT_OWNER = 'local.ivs/segment';

/** ID3v2.4 tag with one PRIV frame: the heartbeat every served live segment starts with. */
export function id3Heartbeat(): Buffer {
  return id3Tag('PRIV', Buffer.concat([Buffer.from(HEARTBEAT_OWNER, 'latin1'), Buffer.from([0x00])]));
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let j = 0; j < 8; j++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** CRC-32/MPEG-2 of PSI sections. */
export function crc32mpeg(data: Buffer): number {
  let crc = 0xffffffff;
  for (const b of data) crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ b) & 0xff] as number)) >>> 0;
  return crc >>> 0;
}

const pidOf = (p: Buffer, at: number) => ((p[at + 1]! & 0x1f) << 8) | p[at + 2]!;
const payloadStart = (p: Buffer, at: number) => {
  const afc = (p[at + 3]! >> 4) & 0x3;
  if (!(afc & 0x1)) return -1;
  return afc === 0x3 ? at + 5 + p[at + 4]! : at + 4;
};

function readPts(b: Buffer, at: number): number {
  return (
    ((b[at]! >> 1) & 0x07) * 2 ** 30 +
    (((b[at + 1]! << 8) | b[at + 2]!) >> 1) * 2 ** 15 +
    (((b[at + 3]! << 8) | b[at + 4]!) >> 1)
  );
}

function writePts(pts: number): Buffer {
  const v = ((pts % 2 ** 33) + 2 ** 33) % 2 ** 33;
  const hi = Math.floor(v / 2 ** 30) & 0x7;
  const mid = Math.floor(v / 2 ** 15) & 0x7fff;
  const lo = v & 0x7fff;
  return Buffer.from([0x21 | (hi << 1), mid >> 7, ((mid & 0x7f) << 1) | 1, lo >> 7, ((lo & 0x7f) << 1) | 1]);
}

interface SegmentInfo {
  pmtPid: number;
  programNumber: number;
  firstPts?: number;
}

function inspect(seg: Buffer): SegmentInfo | undefined {
  let pmtPid = -1;
  let programNumber = 1;
  let videoPid = -1;
  let firstPts: number | undefined;
  for (let at = 0; at + TS <= seg.length; at += TS) {
    if (seg[at] !== 0x47) return undefined;
    const pid = pidOf(seg, at);
    const pusi = (seg[at + 1]! & 0x40) !== 0;
    const start = payloadStart(seg, at);
    if (start < 0 || !pusi) continue;
    if (pid === 0 && pmtPid < 0) {
      const s = start + 1 + seg[start]!; // pointer field
      programNumber = (seg[s + 8]! << 8) | seg[s + 9]!;
      pmtPid = ((seg[s + 10]! & 0x1f) << 8) | seg[s + 11]!;
    } else if (pid === pmtPid && videoPid < 0) {
      const s = start + 1 + seg[start]!;
      const sectionLength = ((seg[s + 1]! & 0x0f) << 8) | seg[s + 2]!;
      const end = s + 3 + sectionLength - 4;
      let i = s + 12 + (((seg[s + 10]! & 0x0f) << 8) | seg[s + 11]!);
      while (i + 5 <= end) {
        const type = seg[i]!;
        const esPid = ((seg[i + 1]! & 0x1f) << 8) | seg[i + 2]!;
        if ((type === 0x1b || type === 0x24) && videoPid < 0) videoPid = esPid;
        i += 5 + (((seg[i + 3]! & 0x0f) << 8) | seg[i + 4]!);
      }
    } else if (
      pid === videoPid &&
      firstPts === undefined &&
      seg[start] === 0 &&
      seg[start + 1] === 0 &&
      seg[start + 2] === 1 &&
      seg[start + 7]! & 0x80
    ) {
      firstPts = readPts(seg, start + 9);
    }
  }
  return pmtPid < 0 ? undefined : { pmtPid, programNumber, firstPts };
}

/** The PMT section of `seg` with the ID3 stream (and program-level metadata pointer) added. */
function patchedPmtPacket(packet: Buffer, programNumber: number): Buffer | undefined {
  const start = payloadStart(packet, 0);
  const s = start + 1 + packet[start]!;
  const sectionLength = ((packet[s + 1]! & 0x0f) << 8) | packet[s + 2]!;
  const section = packet.subarray(s, s + 3 + sectionLength - 4);
  const programInfoLength = ((section[10]! & 0x0f) << 8) | section[11]!;
  const streams = section.subarray(12 + programInfoLength);
  for (let i = 0; i + 5 <= streams.length; i += 5 + (((streams[i + 3]! & 0x0f) << 8) | streams[i + 4]!)) {
    if ((((streams[i + 1]! & 0x1f) << 8) | streams[i + 2]!) === ID3_PID) return undefined; // already there
  }
  const id3 = Buffer.from('ID3 ');
  // metadata_pointer_descriptor (0x25): format 0xFFFF + 'ID3 ', 0xFF + 'ID3 ', service 0, flags, program_number.
  const pointer = Buffer.concat([
    Buffer.from([0x25, 15, 0xff, 0xff]),
    id3,
    Buffer.from([0xff]),
    id3,
    Buffer.from([0x00, 0x1f, programNumber >> 8, programNumber & 0xff]),
  ]);
  // metadata_descriptor (0x26): same identifiers, service 0, decoder_config_flags 0, reserved bits.
  const descriptor = Buffer.concat([
    Buffer.from([0x26, 13, 0xff, 0xff]),
    id3,
    Buffer.from([0xff]),
    id3,
    Buffer.from([0x00, 0x0f]),
  ]);
  const es = Buffer.concat([
    Buffer.from([
      0x15,
      0xe0 | (ID3_PID >> 8),
      ID3_PID & 0xff,
      0xf0 | (descriptor.length >> 8),
      descriptor.length & 0xff,
    ]),
    descriptor,
  ]);
  const newProgramInfoLength = programInfoLength + pointer.length;
  const head = Buffer.from(section.subarray(0, 12));
  head[10] = (head[10]! & 0xf0) | (newProgramInfoLength >> 8);
  head[11] = newProgramInfoLength & 0xff;
  const body = Buffer.concat([head, section.subarray(12, 12 + programInfoLength), pointer, streams, es]);
  const newSectionLength = body.length - 3 + 4;
  body[1] = (body[1]! & 0xf0) | (newSectionLength >> 8);
  body[2] = newSectionLength & 0xff;
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32mpeg(body));
  const payload = Buffer.concat([Buffer.from([0x00]), body, crc]);
  if (4 + payload.length > TS) return undefined;
  const out = Buffer.alloc(TS, 0xff);
  packet.copy(out, 0, 0, 4);
  out[3] = (out[3]! & 0xcf) | 0x10; // payload only
  payload.copy(out, 4);
  return out;
}

/** TS packets carrying one PES (stream_id 0xBD) with the ID3 tag at `pts`. */
function pesPackets(tag: Buffer, pts: number, cc: { value: number }): Buffer[] {
  const header = Buffer.concat([Buffer.from([0x00, 0x00, 0x01, 0xbd, 0, 0, 0x84, 0x80, 0x05]), writePts(pts)]);
  const pesLength = header.length - 6 + tag.length;
  header[4] = pesLength >> 8;
  header[5] = pesLength & 0xff;
  const pes = Buffer.concat([header, tag]);
  const packets: Buffer[] = [];
  for (let off = 0; off < pes.length;) {
    const chunk = Math.min(TS - 4, pes.length - off);
    const p = Buffer.alloc(TS, 0xff);
    p[0] = 0x47;
    p[1] = (off === 0 ? 0x40 : 0) | (ID3_PID >> 8);
    p[2] = ID3_PID & 0xff;
    if (chunk === TS - 4) {
      p[3] = 0x10 | (cc.value++ & 0x0f);
      pes.copy(p, 4, off, off + chunk);
    } else {
      // Adaptation field stuffing so the payload ends the packet.
      const afLength = TS - 4 - 1 - chunk;
      p[3] = 0x30 | (cc.value++ & 0x0f);
      p[4] = afLength;
      if (afLength > 0) p[5] = 0x00;
      pes.copy(p, 4 + 1 + afLength, off, off + chunk);
    }
    packets.push(p);
    off += chunk;
  }
  return packets;
}

/** PTS (90 kHz) of the first video sample of a TS segment, or undefined if it cannot be parsed. */
export function firstVideoPts(segment: Buffer): number | undefined {
  return segment.length % TS === 0 ? inspect(segment)?.firstPts : undefined;
}

/** PTS difference `a - b` in seconds, across the 33-bit wrap. */
export function ptsDiffSeconds(a: number, b: number): number {
  const d = (((a - b) % 2 ** 33) + 2 ** 33) % 2 ** 33;
  return (d >= 2 ** 32 ? d - 2 ** 33 : d) / 90_000;
}

/**
 * Returns `segment` with the heartbeat tag at its first video PTS, then one ID3 TXXX tag per cue
 * (`offsetSeconds` after that PTS, in order). Every PMT declares the ID3 stream; the PES packets
 * follow the first PMT. A segment it cannot parse comes back unchanged.
 */
export function injectId3(segment: Buffer, cues: readonly { offsetSeconds: number; text: string }[]): Buffer {
  if (segment.length % TS !== 0) return segment;
  const info = inspect(segment);
  if (!info || info.firstPts === undefined) return segment;
  const firstPts = info.firstPts;
  const tags = [
    { pts: firstPts, tag: id3Heartbeat() },
    ...[...cues]
      .sort((a, b) => a.offsetSeconds - b.offsetSeconds)
      .map((cue) => ({ pts: firstPts + Math.max(0, Math.round(cue.offsetSeconds * 90_000)), tag: id3Txxx(cue.text) })),
  ];
  const cc = { value: 0 };
  const out: Buffer[] = [];
  let inserted = false;
  for (let at = 0; at < segment.length; at += TS) {
    const packet = segment.subarray(at, at + TS);
    if (pidOf(segment, at) === info.pmtPid && segment[at + 1]! & 0x40) {
      out.push(patchedPmtPacket(packet, info.programNumber) ?? packet);
      if (!inserted) {
        for (const t of tags) out.push(...pesPackets(t.tag, t.pts, cc));
        inserted = true;
      }
    } else {
      out.push(packet);
    }
  }
  return inserted ? Buffer.concat(out) : segment;
}

/** EXTINF durations (s) of the segments in a live media playlist, by segment URI. */
export function segmentDurations(playlist: string): Map<string, number> {
  const durations = new Map<string, number>();
  let duration: number | undefined;
  for (const line of playlist.split('\n')) {
    const inf = /^#EXTINF:([\d.]+)/.exec(line);
    if (inf) duration = Number(inf[1]);
    else if (line && !line.startsWith('#')) {
      if (duration !== undefined) durations.set(line.trim(), duration);
      duration = undefined;
    }
  }
  return durations;
}
