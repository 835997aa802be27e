/**
 * Event handler IDL attributes (`onopen`, `onmessage`, ...), as HTML §8.1.8.1
 * defines them: an attribute starts as null; setting a function registers one
 * internal listener at that moment's position in the listener list; setting
 * another function replaces the callback but keeps the position; setting
 * null removes the listener. Non-functions are treated as null (WebIDL's
 * [LegacyTreatNonObjectAsNull] makes non-objects null; a non-callable object
 * would only throw at dispatch time, so it is refused up front instead).
 */

type Handler = (this: EventTarget, event: Event) => unknown;

interface Slot {
  callback: Handler | null;
  listener: ((event: Event) => void) | null;
}

/** The event handler attributes of one EventTarget. */
export class EventHandlerAttributes {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly target: EventTarget) {}

  get(type: string): Handler | null {
    return this.slots.get(type)?.callback ?? null;
  }

  set(type: string, value: unknown): void {
    let slot = this.slots.get(type);
    if (typeof value !== 'function') {
      if (slot?.listener) this.target.removeEventListener(type, slot.listener);
      this.slots.delete(type);
      return;
    }
    if (slot === undefined) {
      slot = { callback: null, listener: null };
      this.slots.set(type, slot);
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
}
