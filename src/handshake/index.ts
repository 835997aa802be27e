/**
 * src/handshake — the RFC 6455 opening handshake: pure functions to build and
 * validate requests and responses (url, headers, client-request,
 * server-request), an incremental bounded HTTP head reader, and thin socket
 * glue beside them (client-connect, server-accept).
 */
export { computeAcceptKey, createClientKey, isValidClientKey, WEBSOCKET_GUID } from './accept-key.js';
export { HandshakeError } from './errors.js';
export type { HandshakeErrorCode } from './errors.js';
export {
  DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_MAX_HEADER_COUNT,
  HttpHeadReader,
  isToken,
  isTokenChar,
} from './http-head.js';
export type { HeaderMap, HeadResult, HttpHeadLimits, RequestHead, ResponseHead } from './http-head.js';
export { assertFieldValue, isSafeFieldValue } from './fields.js';
export type { OutgoingHeaders } from './fields.js';
export {
  equalsIgnoringAsciiCase,
  formatExtensionHeader,
  hasToken,
  HeaderSyntaxError,
  parseExtensionHeader,
  parseProtocolHeader,
} from './headers.js';
export type { ExtensionOffer, ExtensionParam } from './headers.js';
export { describeEndpoint, isSameEndpoint, parseWebSocketUrl } from './url.js';
export type { WebSocketUrl } from './url.js';
export { buildClientRequest, validateProtocols, validateServerResponse } from './client-request.js';
export type { ClientOffer, ClientRequestOptions, ServerAgreement } from './client-request.js';
export { buildAcceptResponse, buildRejectResponse, reasonPhrase, validateClientRequest } from './server-request.js';
export type { AcceptResponseOptions, HandshakeRequest } from './server-request.js';
export { connectClient, DEFAULT_MAX_REDIRECTS } from './client-connect.js';
export type { ClientHandshakeResult, ClientTlsOptions, ConnectClientOptions } from './client-connect.js';
export { DEFAULT_REJECT_GRACE_PERIOD, readRequestHead, rejectConnection, requestHeadFromIncomingMessage } from './server-accept.js';
export type { ReadRequestHeadOptions } from './server-accept.js';
