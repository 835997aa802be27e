/**
 * src/socket — one WebSocket connection over a Duplex: the state machine,
 * closing handshake, ping/pong, backpressure, timers and limits.
 */
export { Connection, ConnectionState } from './connection.js';
export type { CloseInfo, ConnectionHandler, SendOptions } from './connection.js';
export { ConnectionError } from './errors.js';
export type { ConnectionErrorCode } from './errors.js';
export { DEFAULT_CLOSE_TIMEOUT, resolveConnectionOptions } from './options.js';
export type { ConnectionOptions, HeartbeatOptions, ResolvedConnectionOptions } from './options.js';
