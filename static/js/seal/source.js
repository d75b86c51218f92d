// Envelopes and bodies come as a Blob (a File from an <input>) or as bytes; both are read a
// slice at a time, so a large document never sits in memory whole.

import {asBytes} from "./hex.js";

/** {size, read(start, end)} over a Blob, an ArrayBuffer or a typed array. */
export function source(data) {
  if (data instanceof Blob) {
    return {
      size: data.size,
      async read(start, end) {
        return new Uint8Array(await data.slice(start, end).arrayBuffer());
      },
    };
  }
  const bytes = asBytes(data);
  return {
    size: bytes.length,
    async read(start, end) {
      return bytes.subarray(start, end);
    },
  };
}
