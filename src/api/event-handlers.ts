/**
 * Event handler IDL attributes (`onopen`, `onmessage`, ...), as HTML §8.1.8.1
 * defines them: an attribute starts as null; setting a function registers one
 * internal listener at that moment's position in the listener list; setting
 * another function replaces the callback but keeps the position; setting
 * null removes the listener. Non-functions are treated as null (WebIDL's
 * [LegacyTreatNonObjectAsNull] makes non-objects null; a non-callable object
 * would only throw at dispatch time, so it is refused up front instead).
 *
 * The slots are a short array searched linearly (a WebSocket has seven
 * attributes): cheaper per connection than a Map.
 */

type Handler = (this: EventTarget, event: Event) => unknown;

interface Slot {
  readonly type: string;
  callback: Handler | null;
  listener: ((event: Event) => void) | null;
}

/** The event handler attributes of one EventTarget. */
export class EventHandlerAttributes {
  private readonly slots: Slot[] = [];

  constructor(private readonly target: EventTarget) {}

  get(type: string): Handler | null {
    return this.find(type)?.callback ?? null;
  }

  set(type: string, value: unknown): void {
    let slot = this.find(type);
    if (typeof value !== 'function') {
      if (slot === undefined) return;
      if (slot.listener !== null) this.target.removeEventListener(type, slot.listener);
      this.slots.splice(this.slots.indexOf(slot), 1);
      return;
    }
    if (slot === undefined) {
      slot = { type, callback: null, listener: null };
      this.slots.push(slot);
    }
    slot.callback = value as Handler;
    if (slot.listener === null) {
      const current = slot;
      const target = this.target;
      current.listener = (event: Event) => {
        current.callback?.call(target, event);
      };
      this.target.addEventListener(type, current.listener);
    }
  }

  private find(type: string): Slot | undefined {
    for (const slot of this.slots) if (slot.type === type) return slot;
    return undefined;
  }
}
