/**
 * rfc6455 — a zero-dependency implementation of the WebSocket protocol
 * (RFC 6455) for Node.js: the WHATWG WebSocket client, a WebSocketServer
 * whose connections are the same class, and the errors and constants they
 * report. The frame codec is available separately as `rfc6455/frame`.
 */
export * from './api/index.js';
export { CloseCode } from './frame/close-code.js';
export { ProtocolError } from './frame/errors.js';
export type { ProtocolErrorCode } from './frame/errors.js';
export { HandshakeError } from './handshake/errors.js';
export type { HandshakeErrorCode } from './handshake/errors.js';
export { ConnectionError } from './socket/errors.js';
export type { ConnectionErrorCode } from './socket/errors.js';
export type { ConnectionOptions, HeartbeatOptions } from './socket/options.js';
export type { PerMessageDeflateOptions } from './handshake/permessage-deflate.js';
export { setCompressionConcurrency } from './socket/zlib-limiter.js';
