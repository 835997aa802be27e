/**
 * The chat service the k6 WebSockets example talks to (k6-chat.ts), built
 * on rfc6455's WebSocketServer, so the example runs here, offline.
 *
 *   node --import tsx examples/chat-server.ts [--port 0] [--host 127.0.0.1]
 *
 * Protocol: JSON text messages with an `event` field. A room per URL path
 * (the example uses /ws); a connection joins its room when it sets a name.
 *
 *   client → server                         server → room members (the sender included)
 *   { event: 'SET_NAME', new_name }         { event: 'CHAT_MSG', user: 'server', message: '<name> joined the chat' }
 *                                           (or '<old> is now known as <name>' when already in)
 *   { event: 'SAY', message }               { event: 'CHAT_MSG', user: <name>, message }
 *   { event: 'LEAVE' }                      { event: 'CHAT_MSG', user: 'server', message: '<name> left the chat' }
 *                                           (to those still in; a disconnect without LEAVE says the same)
 *
 * Anything else is answered, to the sender only, with
 * `{ event: 'ERROR', message }`: binary data, malformed JSON, a non-object,
 * an unknown or missing event, a bad name or message, SAY or LEAVE outside
 * the room. A message over `maxPayload` (64 KiB) fails the connection with
 * 1009, as rfc6455 does for any connection; an abrupt disconnect is an
 * ordinary departure. Members that do not read (more than 1 MiB queued) are
 * dropped rather than buffered without bound. Nothing a client sends can
 * throw out of a handler.
 */
import { parseArgs } from 'node:util';
import { WebSocket, WebSocketServer } from '../src/index.js';
import { isEntryPoint } from '../src/tools/entry-point.js';

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  /** Default 0: an ephemeral port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Largest message accepted, in bytes; larger ones fail the connection with 1009. Default 64 KiB. */
  readonly maxPayload?: number;
  /** Longest name, in characters. Default 64. */
  readonly maxNameLength?: number;
  /** Bytes queued for a member beyond which it is dropped. Default 1 MiB. */
  readonly maxBufferedAmount?: number;
}

/** A running chat server. */
export interface ChatServer {
  /** The URL of the default room, ws://HOST:PORT/ws. */
  readonly url: string;
  readonly port: number;
  readonly wss: WebSocketServer;
  /** Close every connection (1001) and stop listening. */
  close(): Promise<void>;
}

/** The name the server's own announcements come from; no member may take it. */
export const SERVER_USER = 'server';

interface Member {
  readonly ws: WebSocket;
  readonly room: string;
  name: string | null;
  inRoom: boolean;
}

/** Start the chat server; resolves once it listens. */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const maxNameLength = options.maxNameLength ?? 64;
  const maxBufferedAmount = options.maxBufferedAmount ?? 1024 * 1024;
  const host = options.host ?? '127.0.0.1';
  const wss = new WebSocketServer({ port: options.port ?? 0, host, maxPayload: options.maxPayload ?? 64 * 1024 });
  const rooms = new Map<string, Set<Member>>();

  const send = (member: Member, message: object): void => {
    if (member.ws.readyState !== WebSocket.OPEN) return;
    if (member.ws.bufferedAmount > maxBufferedAmount) {
      member.ws.terminate(); // a member that does not read is dropped, not buffered for
      return;
    }
    member.ws.send(JSON.stringify(message));
  };
  const broadcast = (room: string, user: string, message: string): void => {
    for (const member of rooms.get(room) ?? []) send(member, { event: 'CHAT_MSG', user, message });
  };
  const error = (member: Member, message: string): void => send(member, { event: 'ERROR', message });
  const leave = (member: Member): void => {
    if (!member.inRoom) return;
    member.inRoom = false;
    const room = rooms.get(member.room);
    room?.delete(member);
    if (room?.size === 0) rooms.delete(member.room);
    broadcast(member.room, SERVER_USER, `${member.name ?? ''} left the chat`);
  };

  const handle = (member: Member, data: unknown): void => {
    if (typeof data !== 'string') return error(member, 'messages must be JSON text, not binary');
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return error(member, 'malformed JSON');
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) return error(member, 'a message must be a JSON object');
    const fields = message as Record<string, unknown>;
    switch (fields['event']) {
      case 'SET_NAME': {
        const name = fields['new_name'];
        if (typeof name !== 'string' || name.trim() === '' || name.length > maxNameLength) {
          return error(member, `new_name must be a non-empty string of at most ${maxNameLength} characters`);
        }
        if (name === SERVER_USER) return error(member, `the name "${SERVER_USER}" is reserved`);
        const old = member.name;
        member.name = name;
        if (member.inRoom) return broadcast(member.room, SERVER_USER, `${old ?? ''} is now known as ${name}`);
        member.inRoom = true;
        let room = rooms.get(member.room);
        if (room === undefined) rooms.set(member.room, room = new Set());
        room.add(member);
        return broadcast(member.room, SERVER_USER, `${name} joined the chat`);
      }
      case 'SAY': {
        const text = fields['message'];
        if (typeof text !== 'string') return error(member, 'message must be a string');
        if (!member.inRoom) return error(member, 'join the room first (SET_NAME)');
        return broadcast(member.room, member.name!, text);
      }
      case 'LEAVE':
        if (!member.inRoom) return error(member, 'not in the room');
        return leave(member);
      case undefined:
        return error(member, 'missing event');
      default: {
        const event = fields['event'];
        return error(member, typeof event === 'string' ? `unknown event ${JSON.stringify(event.slice(0, 64))}` : 'event must be a string');
      }
    }
  };

  const roomOf = (target: string): string => {
    try {
      return new URL(target, 'ws://chat.invalid').pathname;
    } catch {
      return '/';
    }
  };

  wss.on('connection', (ws, request) => {
    const member: Member = { ws, room: roomOf(request.url), name: null, inRoom: false };
    ws.addEventListener('message', (event) => {
      try {
        handle(member, (event as MessageEvent).data);
      } catch {
        // Defensive: a bug in a handler costs this connection, never the server.
        ws.terminate();
      }
    });
    ws.addEventListener('close', () => leave(member));
  });

  const { port } = await wss.listen();
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `ws://${shownHost}:${port}/ws`, port, wss, close: () => wss.close() };
}

/** The contract of `rfc6455 run --serve`: start on an ephemeral port. */
export function serve(): Promise<ChatServer> {
  return startChatServer();
}

if (isEntryPoint(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' } } });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid --port "${values.port ?? ''}"`);
    process.exit(2);
  }
  const server = await startChatServer({ port, ...(values.host === undefined ? {} : { host: values.host }) });
  const stop = () => {
    void server.close().then(() => console.log('chat server closed'));
  };
  // Handlers first, then the line that tells a supervisor we are up: a SIGTERM
  // sent the moment that line is read must find them installed.
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(`chat server listening on ${server.url} (Ctrl+C to stop)`);
}
