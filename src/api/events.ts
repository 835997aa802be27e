/**
 * The event classes the WebSocket API dispatches besides the platform's
 * `Event` and `MessageEvent`: `CloseEvent` (HTML §9.3.6, not a global in
 * Node 20) and `ErrorEvent` (HTML §8.1.7.2, carrying the error itself, which
 * k6 scripts read as `event.error`).
 */

/** The base event init dictionary (DOM §2.2), declared here as Node 20's types lack a global one. */
export interface BaseEventInit {
  readonly bubbles?: boolean;
  readonly cancelable?: boolean;
  readonly composed?: boolean;
}

/** Init dictionary of {@link CloseEvent}. */
export interface CloseEventInit extends BaseEventInit {
  readonly wasClean?: boolean;
  readonly code?: number;
  readonly reason?: string;
}

/** Fired at a WebSocket once, when its connection is closed. */
export class CloseEvent extends Event {
  readonly #wasClean: boolean;
  readonly #code: number;
  readonly #reason: string;

  constructor(type: string, init: CloseEventInit = {}) {
    super(type, init);
    this.#wasClean = init.wasClean ?? false;
    this.#code = init.code ?? 0;
    this.#reason = init.reason ?? '';
  }

  /** Whether the closing handshake completed before the TCP connection closed. */
  get wasClean(): boolean {
    return this.#wasClean;
  }

  /**
   * The close code: the peer's (or 1005 when its close frame had none), or
   * 1006 when the connection closed without a close frame — also when this
   * side failed it for a protocol error (the wire carried 1002/1007/1009).
   */
  get code(): number {
    return this.#code;
  }

  /** The peer's close reason, '' when none. */
  get reason(): string {
    return this.#reason;
  }
}

/** Init dictionary of {@link ErrorEvent}. */
export interface ErrorEventInit extends BaseEventInit {
  readonly message?: string;
  readonly error?: unknown;
}

/**
 * Fired at a WebSocket when its connection fails, just before `close`.
 * (The WHATWG spec fires a plain `Event` named `error`; this subclass adds
 * `message` and `error` so applications can tell what went wrong.)
 */
export class ErrorEvent extends Event {
  readonly #message: string;
  readonly #error: unknown;

  constructor(type: string, init: ErrorEventInit = {}) {
    super(type, init);
    this.#message = init.message ?? '';
    this.#error = init.error;
  }

  /** A human-readable description of the failure. */
  get message(): string {
    return this.#message;
  }

  /** The underlying error (a HandshakeError, ProtocolError, ConnectionError, ...). */
  get error(): unknown {
    return this.#error;
  }
}
