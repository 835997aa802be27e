/**
 * Where outgoing frames are allocated.
 *
 * A frame is short-lived: it exists from `encodeFrame` until the kernel has
 * its bytes. Allocating each one with `Buffer.allocUnsafe` makes Node carve
 * small ones from an 8 KiB pool and give larger ones their own ArrayBuffer,
 * so a stream of 1 KiB frames creates an ArrayBuffer every 7 frames, and the
 * allocation and the garbage collection of those buffers were the largest
 * cost of serializing a frame in the profile. Frames up to
 * {@link MAX_POOLED_FRAME} are instead carved from 256 KiB slabs.
 *
 * The trade-off is the one Node's own pool makes: a frame that is kept
 * alive keeps its slab alive. Frames written to a socket are released as soon
 * as the kernel has them; a caller of `encodeFrame` that keeps frames around
 * should copy them.
 */
import { viewOf } from './view.js';

/** Size of one slab. */
const SLAB_SIZE = 256 * 1024;

/** Frames larger than this get their own allocation. */
export const MAX_POOLED_FRAME = 16 * 1024;

let slab = Buffer.allocUnsafeSlow(SLAB_SIZE).buffer as ArrayBuffer;
let offset = 0;

/** An uninitialised buffer of `size` bytes for a frame. */
export function allocFrame(size: number): Buffer {
  if (size > MAX_POOLED_FRAME) return Buffer.allocUnsafe(size);
  if (offset + size > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE).buffer as ArrayBuffer;
    offset = 0;
  }
  const frame = viewOf(slab, offset, size);
  // Keep the next frame 8-byte aligned, so masking can work word by word.
  offset = (offset + size + 7) & ~7;
  return frame;
}
