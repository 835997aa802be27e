/**
 * rfc6455 — a zero-dependency implementation of the WebSocket protocol
 * (RFC 6455) for Node.js.
 */
export * from './frame/index.js';
