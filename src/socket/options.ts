/**
 * The connection layer's options, their defaults, and their validation.
 * Every limit is on by default and set to stop abuse, not legitimate traffic:
 * the defaults pass the whole Autobahn suite (16 MiB messages, 65,537 fragments).
 */
import { DEFAULT_MAX_PAYLOAD } from '../frame/parser.js';

/** Heartbeat: ping the peer every `interval` ms; fail if no pong within `timeout` ms. */
export interface HeartbeatOptions {
  /** Milliseconds between pings. */
  readonly interval: number;
  /** Milliseconds to wait for a pong before failing the connection. Default: `interval`. */
  readonly timeout?: number;
}

/** Options of one connection. All durations are in milliseconds. */
export interface ConnectionOptions {
  /** Largest message accepted, in bytes (1009 beyond). Default 100 MiB. */
  readonly maxPayload?: number;
  /**
   * How long to wait for the peer to complete the closing handshake (its close
   * frame, then the TCP close) before destroying the socket. Default 30 000.
   */
  readonly closeTimeout?: number;
  /**
   * Close the connection (1001 Going Away) after this long without receiving
   * anything. Default 0: no idle timeout.
   */
  readonly idleTimeout?: number;
  /** Detect half-open connections by pinging. Default: off. */
  readonly heartbeat?: HeartbeatOptions;
  /**
   * Split outgoing messages into frames of at most this many payload bytes
   * (RFC 6455 §5.4). Default 0: one frame per message.
   */
  readonly fragmentSize?: number;
  /**
   * `bufferedamountlow` fires when `bufferedAmount` falls from above this
   * value to at most this value. Default 0 (when everything is flushed).
   */
  readonly bufferedAmountLowThreshold?: number;
}

/** Options with every default applied. */
export interface ResolvedConnectionOptions {
  readonly maxPayload: number;
  readonly closeTimeout: number;
  readonly idleTimeout: number;
  readonly heartbeatInterval: number;
  readonly heartbeatTimeout: number;
  readonly fragmentSize: number;
  readonly bufferedAmountLowThreshold: number;
}

export const DEFAULT_CLOSE_TIMEOUT = 30_000;

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0)) throw new RangeError(`${name} must be a non-negative number, got ${String(value)}`);
  return value;
}

/**
 * Resolutions already made, by options object: a server passes the same
 * object for every connection, which then share one resolved object.
 */
const resolved = new WeakMap<ConnectionOptions, ResolvedConnectionOptions>();

/** Apply defaults and reject invalid values with a RangeError naming the option. */
export function resolveConnectionOptions(options: ConnectionOptions = {}): ResolvedConnectionOptions {
  let result = resolved.get(options);
  if (result === undefined) {
    result = resolveNow(options);
    resolved.set(options, result);
  }
  return result;
}

function resolveNow(options: ConnectionOptions): ResolvedConnectionOptions {
  const heartbeatInterval = nonNegative('heartbeat.interval', options.heartbeat?.interval, 0);
  const fragmentSize = nonNegative('fragmentSize', options.fragmentSize, 0);
  if (fragmentSize !== 0 && fragmentSize < 1) throw new RangeError(`fragmentSize must be 0 (off) or at least 1, got ${fragmentSize}`);
  return {
    maxPayload: nonNegative('maxPayload', options.maxPayload, DEFAULT_MAX_PAYLOAD),
    closeTimeout: nonNegative('closeTimeout', options.closeTimeout, DEFAULT_CLOSE_TIMEOUT),
    idleTimeout: nonNegative('idleTimeout', options.idleTimeout, 0),
    heartbeatInterval,
    heartbeatTimeout: nonNegative('heartbeat.timeout', options.heartbeat?.timeout, heartbeatInterval),
    fragmentSize: Math.floor(fragmentSize),
    bufferedAmountLowThreshold: nonNegative('bufferedAmountLowThreshold', options.bufferedAmountLowThreshold, 0),
  };
}
