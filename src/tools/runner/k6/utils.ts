/**
 * The jslib `k6-utils` helpers scripts use most, for scripts run by
 * `rfc6455 run` (which maps `https://jslib.k6.io/k6-utils/<version>/index.js`
 * here, so nothing is downloaded). Same definitions as k6-utils 1.1.0.
 */
import { randomUUID } from 'node:crypto';

/** A random integer in [min, max], both included. */
export function randomIntBetween(min: number, max: number): number {
  return Math.floor(Math.random() * (max - min + 1) + min);
}

/** A random element of `items`. */
export function randomItem<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

/** `length` random characters from `charset` (default: lowercase a–z). */
export function randomString(length: number, charset = 'abcdefghijklmnopqrstuvwxyz'): string {
  let result = '';
  for (let i = 0; i < length; i++) result += charset[Math.floor(Math.random() * charset.length)];
  return result;
}

/** A random (version 4) UUID. */
export function uuidv4(): string {
  return randomUUID();
}
