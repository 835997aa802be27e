/**
 * permessage-deflate peers for the conformance tester's tests (sections
 * 12–13), all on 127.0.0.1 port 0:
 *
 * - ws echo servers whose handshake answer is rewritten (the 'headers' event)
 *   while ws keeps compressing as it negotiated: a server that agrees to
 *   `server_no_context_takeover` and still takes context over, or that answers
 *   with an invalid or unknown parameter;
 * - a raw echo peer, server or client, that compresses with node:zlib streams
 *   (a persistent context per direction, like ws) and can be broken on purpose:
 *   RSV1 on every frame of an echo, a damaged DEFLATE stream, context kept
 *   although no context takeover was agreed, a larger window than agreed;
 * - the client side of the driver protocol with that raw peer.
 *
 * The raw peer compresses with zlib streams, not with the tester's own
 * dictionary-based code, so the two sides do not share a mistake.
 */
import { connect, type Socket } from 'node:net';
import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';
import { WebSocket, type ServerOptions } from 'ws';
import { computeAcceptKey, createClientKey } from '../../../src/handshake/accept-key.js';
import { HttpHeadReader, type RequestHead, type ResponseHead } from '../../../src/handshake/http-head.js';
import { FrameReader } from '../../../src/tools/conformance/frame-reader.js';
import { buildFrame } from '../../../src/tools/conformance/frame-writer.js';
import { startTcpServer, startWsEchoServer, type Peer } from './peers.js';

/** A ws echo server with permessage-deflate whose Sec-WebSocket-Extensions answer is rewritten before it is sent. */
export function startRewritingWsServer(rewrite: (extensions: string) => string, options: ServerOptions = {}): Promise<Peer> {
  return startWsEchoServer({ perMessageDeflate: true, ...options }, (wss) => {
    wss.on('headers', (headers) => {
      const i = headers.findIndex((h) => /^sec-websocket-extensions:/i.test(h));
      if (i >= 0) headers[i] = `Sec-WebSocket-Extensions: ${rewrite(headers[i]!.replace(/^[^:]*:\s*/, ''))}`;
    });
  });
}

/** Ways to break the raw peer. */
export interface DeflateFaults {
  /** Keep the compression context from message to message even when no context takeover was agreed. */
  readonly keepContext?: boolean;
  /** Compress with this window (bits) whatever was agreed. */
  readonly windowBits?: number;
  /** Send each compressed echo in frames of this many octets… */
  readonly fragment?: number;
  /** …with RSV1 on every frame (RFC 7692 §6.1 allows it on the first only). */
  readonly rsv1OnEveryFrame?: boolean;
  /** Damage every compressed echo: its first block gets the reserved type 11 (RFC 1951 §3.2.3). */
  readonly corrupt?: boolean;
  /** Instead of each echo, send this many spaces, compressed (a small message that inflates big). */
  readonly bomb?: number;
  /** Echo every message twice. */
  readonly twice?: boolean;
  /** Echo only the first this many messages (then stay silent, but answer a close). */
  readonly stopAfter?: number;
}

/** What one side does: how it compresses and how it inflates. */
interface Directions {
  readonly sendNoContext: boolean;
  readonly sendBits: number;
  readonly receiveNoContext: boolean;
}

/** Parameters of the first permessage-deflate element of a header value, by name. */
export function firstDeflateParams(header: string | undefined): Map<string, string | true> | null {
  if (header === undefined) return null;
  for (const element of header.split(',')) {
    const [name, ...params] = element.split(';').map((p) => p.trim());
    if (name !== 'permessage-deflate') continue;
    return new Map(params.filter((p) => p !== '').map((p) => {
      const [key, value] = p.split('=').map((x) => x.trim());
      return [key!, value === undefined ? true : value.replace(/^"|"$/g, '')];
    }));
  }
  return null;
}

/** A window size parameter as zlib takes it (9–15; anything else, even invalid on purpose, as 15). */
function windowBits(value: string | true | undefined): number {
  const bits = Number(value);
  return Number.isInteger(bits) && bits >= 8 && bits <= 15 ? Math.max(9, bits) : 15;
}

/** A zlib stream used one message at a time: write, flush (Z_SYNC_FLUSH), collect. */
export function zlibRun(stream: DeflateRaw | InflateRaw, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => { chunks.push(chunk); };
    stream.on('data', onData);
    stream.once('error', reject);
    stream.write(data);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', reject);
      resolve(Buffer.concat(chunks));
    });
  });
}

/**
 * Echo every message on an upgraded socket, compressing the echoes
 * (permessage-deflate as `directions` say, broken as `faults` say); answer
 * pings and close frames. `mask`: the peer is a client.
 */
function echoDeflate(socket: Socket, rest: Buffer, mask: boolean, directions: Directions, faults: DeflateFaults): void {
  const sendNoContext = directions.sendNoContext && faults.keepContext !== true;
  const bits = faults.windowBits ?? directions.sendBits;
  let deflater = createDeflateRaw({ windowBits: bits });
  let inflater = createInflateRaw();
  let chain = Promise.resolve();
  let message: { opcode: number; compressed: boolean; pieces: Buffer[] } | null = null;
  let closing = false;
  const send = (frames: Buffer[]): void => { if (!socket.destroyed) socket.write(Buffer.concat(frames)); };
  const frame = (opcode: number, payload: Buffer, fin = true, rsv = 0): Buffer => buildFrame({ opcode, fin, rsv, mask }, payload);
  let echoed = 0;
  const echo = async (opcode: number, compressed: boolean, data: Buffer): Promise<void> => {
    if (faults.stopAfter !== undefined && echoed++ >= faults.stopAfter) return;
    let payload = data;
    if (compressed) {
      if (directions.receiveNoContext) inflater = createInflateRaw();
      payload = await zlibRun(inflater, Buffer.concat([data, Buffer.from([0, 0, 0xff, 0xff])]));
    }
    if (faults.bomb !== undefined) payload = Buffer.alloc(faults.bomb, 0x20);
    if (sendNoContext) deflater = createDeflateRaw({ windowBits: bits });
    const out = await zlibRun(deflater, payload);
    const body = out.subarray(0, out.length - 4);
    if (faults.corrupt === true) body[0] = body[0]! | 0x06;
    const size = faults.fragment ?? Math.max(body.length, 1);
    const frames: Buffer[] = [];
    for (let offset = 0; offset < body.length || frames.length === 0; offset += size) {
      const end = Math.min(offset + size, body.length);
      const first = offset === 0;
      frames.push(frame(first ? opcode : 0, body.subarray(offset, end), end === body.length, first || faults.rsv1OnEveryFrame === true ? 4 : 0));
    }
    send(frames);
    if (faults.twice === true) send([frame(opcode, payload)]);
  };
  const reader = new FrameReader(64 * 1024 * 1024, {
    onFrame: (f) => {
      if (closing) return;
      if (f.opcode === 9) return send([frame(10, f.payload)]);
      if (f.opcode === 10) return;
      if (f.opcode === 8) {
        closing = true;
        chain = chain.then(() => {
          send([frame(8, f.payload.length >= 2 ? f.payload.subarray(0, 2) : Buffer.alloc(0))]);
          if (!mask) socket.end();
        });
        return;
      }
      if (f.opcode !== 0) message = { opcode: f.opcode, compressed: (f.rsv & 4) !== 0, pieces: [] };
      message?.pieces.push(f.payload);
      if (f.fin && message !== null) {
        const { opcode, compressed, pieces } = message;
        message = null;
        chain = chain.then(() => echo(opcode, compressed, Buffer.concat(pieces))).catch(() => { socket.destroy(); });
      }
    },
    onError: () => socket.destroy(),
  });
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
  socket.on('close', () => {
    deflater.close();
    inflater.close();
  });
  socket.resume();
  if (rest.length > 0) reader.push(rest);
}

/** Options of {@link startRawDeflateServer}. */
export interface RawDeflateServerOptions extends DeflateFaults {
  /** The Sec-WebSocket-Extensions answer to the client's offer; default: accept, echoing server_* parameters. */
  readonly respond?: (offer: string | undefined) => string | undefined;
}

/** The default answer: accept the first offer, echoing server_no_context_takeover and server_max_window_bits. */
export function acceptAsOffered(offer: string | undefined): string | undefined {
  const params = firstDeflateParams(offer);
  if (params === null) return undefined;
  return ['permessage-deflate',
    ...(params.has('server_no_context_takeover') ? ['server_no_context_takeover'] : []),
    ...(params.has('server_max_window_bits') ? [`server_max_window_bits=${String(params.get('server_max_window_bits'))}`] : []),
  ].join('; ');
}

/** Read an HTTP head from `socket`, then pause it and hand over the head and the bytes after it; a malformed head destroys the socket. */
function onHead<H extends RequestHead | ResponseHead>(socket: Socket, kind: 'request' | 'response', then: (head: H, rest: Buffer) => void): void {
  const reader = new HttpHeadReader<H>(kind);
  const onData = (chunk: Buffer): void => {
    let result;
    try {
      result = reader.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    if (result === null) return;
    socket.removeListener('data', onData);
    socket.pause();
    then(result.head, Buffer.from(result.rest));
  };
  socket.on('data', onData);
}

/** A raw echo server with permessage-deflate, broken as `options` say. */
export function startRawDeflateServer(options: RawDeflateServerOptions = {}): Promise<Peer> {
  return startTcpServer((socket) => onHead<RequestHead>(socket, 'request', (head, rest) => {
    const offer = head.headers['sec-websocket-extensions'];
    const answer = (options.respond ?? acceptAsOffered)(offer);
    socket.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${computeAcceptKey(head.headers['sec-websocket-key'] ?? '')}`,
      ...(answer === undefined ? [] : [`Sec-WebSocket-Extensions: ${answer}`]), '', ''].join('\r\n'));
    const agreed = firstDeflateParams(answer);
    echoDeflate(socket, rest, false, {
      sendNoContext: agreed?.has('server_no_context_takeover') === true,
      sendBits: windowBits(agreed?.get('server_max_window_bits')),
      receiveNoContext: agreed?.has('client_no_context_takeover') === true,
    }, options);
  }));
}

/** Open `url` as a raw client offering `offer`; echo (broken as `faults` say) until the connection ends. */
function runRawClientCase(url: string, offer: string, faults: DeflateFaults): Promise<void> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const socket = connect({ host: target.hostname, port: Number(target.port) });
    const key = createClientKey();
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    socket.once('connect', () => {
      socket.write([`GET ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`, 'Upgrade: websocket', 'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13', `Sec-WebSocket-Extensions: ${offer}`, '', ''].join('\r\n'));
    });
    onHead<ResponseHead>(socket, 'response', (head, rest) => {
      if (head.status !== 101) {
        socket.destroy();
        return;
      }
      const agreed = firstDeflateParams(head.headers['sec-websocket-extensions']);
      echoDeflate(socket, rest, true, {
        sendNoContext: agreed?.has('client_no_context_takeover') === true,
        sendBits: windowBits(agreed?.get('client_max_window_bits')),
        receiveNoContext: agreed?.has('server_no_context_takeover') === true,
      }, faults);
    });
  });
}

/**
 * The driver protocol with the raw client: every case offers `offer`
 * (default `permessage-deflate; client_max_window_bits`), echoes broken as
 * `faults` say. Resolves with the number of cases run.
 */
export async function runRawDeflateDriver(baseUrl: string, agent: string, faults: DeflateFaults = {}, offer = 'permessage-deflate; client_max_window_bits'): Promise<number> {
  const count = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`${baseUrl}/getCaseCount`);
    ws.on('message', (data) => resolve(Number(String(data))));
    ws.on('error', reject);
  });
  for (let i = 1; i <= count; i++) await runRawClientCase(`${baseUrl}/runCase?case=${i}&agent=${encodeURIComponent(agent)}`, offer, faults);
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(`${baseUrl}/updateReports?agent=${encodeURIComponent(agent)}`);
    ws.on('error', () => resolve());
    ws.on('close', () => resolve());
  });
  return count;
}
