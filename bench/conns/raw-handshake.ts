/**
 * The minimal client side of the conns part, as pure functions: the opening
 * handshake request (a fixed key: the servers do not require unique keys,
 * and the client need not check the accept value to hold a connection open),
 * the check of the response head, and — for `--deflate` — one masked,
 * compressed text frame (RFC 7692: raw DEFLATE with the trailing
 * 00 00 ff ff removed, RSV1 set on the frame).
 */
import { constants, deflateRawSync } from 'node:zlib';

export const HANDSHAKE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

export function handshakeRequest(port: number, deflate: boolean): Buffer {
  return Buffer.from(
    'GET / HTTP/1.1\r\n' +
    `Host: 127.0.0.1:${port}\r\n` +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${HANDSHAKE_KEY}\r\n` +
    'Sec-WebSocket-Version: 13\r\n' +
    (deflate ? 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' : '') +
    '\r\n',
    'latin1',
  );
}

export interface ResponseHead {
  readonly status: number;
  /** The Sec-WebSocket-Extensions value, or '' when absent. */
  readonly extensions: string;
  /** Bytes after the head (a frame the server sent at once), if any. */
  readonly rest: Buffer;
}

/** Parse a response head once `data` holds it whole; null while incomplete. */
export function parseResponseHead(data: Buffer): ResponseHead | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  let extensions = '';
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'sec-websocket-extensions') extensions = line.slice(colon + 1).trim();
  }
  return { status, extensions, rest: data.subarray(end + 4) };
}

/** A masked text frame; compressed (RSV1) when `compress`. Payloads up to 64 KiB − 1. */
export function textFrame(text: string, compress: boolean, maskKey = 0x5a3c96e1): Buffer {
  let payload = Buffer.from(text, 'utf8');
  if (compress) {
    const deflated = deflateRawSync(payload, { finishFlush: constants.Z_SYNC_FLUSH });
    payload = deflated.subarray(0, deflated.length - 4); // drop 00 00 ff ff (RFC 7692 §7.2.1)
  }
  if (payload.length > 0xffff) throw new Error('textFrame: payload too large');
  const header = payload.length < 126 ? 2 : 4;
  const frame = Buffer.allocUnsafe(header + 4 + payload.length);
  frame[0] = 0x80 | (compress ? 0x40 : 0) | 0x1;
  if (header === 2) frame[1] = 0x80 | payload.length;
  else {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(payload.length, 2);
  }
  frame.writeUInt32BE(maskKey >>> 0, header);
  for (let i = 0; i < payload.length; i++) frame[header + 4 + i] = payload[i]! ^ frame[header + (i & 3)]!;
  return frame;
}

/** Length of the first complete unmasked server frame in `data`, or 0 while incomplete. */
export function completeFrameLength(data: Buffer): number {
  if (data.length < 2) return 0;
  const len7 = data[1]! & 0x7f;
  const header = len7 < 126 ? 2 : len7 === 126 ? 4 : 10;
  if (data.length < header) return 0;
  const length = len7 < 126 ? len7 : len7 === 126 ? data.readUInt16BE(2) : Number(data.readBigUInt64BE(2));
  return data.length >= header + length ? header + length : 0;
}
