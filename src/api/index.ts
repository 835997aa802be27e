/**
 * src/api — the public facade: the WHATWG WebSocket (client and accepted
 * server connections) and WebSocketServer.
 */
export { WebSocket } from './websocket.js';
export type { SendOptions, WebSocketOptions } from './websocket.js';
export { WebSocketServer } from './server.js';
export type { UpgradeRequest, VerifyResult, WebSocketServerEvents, WebSocketServerOptions } from './server.js';
export { CloseEvent, ErrorEvent } from './events.js';
export type { CloseEventInit, ErrorEventInit } from './events.js';
export type { BinaryType, SendData } from './binary.js';
