// A stored (uncompressed) ZIP of the chosen files: a bid's documents envelope body (seal.md
// §6 step 1: "docs: the zip"). Sealed data does not compress, and storing keeps the browser's
// memory to the files themselves; ZIP64 is not needed below the platform's 1 GiB limit.

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

async function crc32(blob) {
  let crc = 0xffffffff;
  for (let offset = 0; offset < blob.size; offset += 1 << 20) {
    const bytes = new Uint8Array(await blob.slice(offset, offset + (1 << 20)).arrayBuffer());
    for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function header(size, fields) {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  for (const [at, width, value] of fields) {
    if (width === 2) view.setUint16(at, value, true);
    else view.setUint32(at, value, true);
  }
  return bytes;
}

/** A Blob holding a stored ZIP of `files` (File objects), names in UTF-8. */
export async function zipFiles(files) {
  const encoder = new TextEncoder();
  const parts = [];
  const central = [];
  let offset = 0;
  for (const file of files) {
    const name = encoder.encode(file.name);
    const crc = await crc32(file);
    // Version 20, flag 0x0800 (UTF-8 names), method 0 (stored), no time (0 = 1980-01-01).
    const local = header(30, [[0, 4, 0x04034b50], [4, 2, 20], [6, 2, 0x0800], [8, 2, 0], [14, 4, crc],
      [18, 4, file.size], [22, 4, file.size], [26, 2, name.length]]);
    central.push([header(46, [[0, 4, 0x02014b50], [4, 2, 20], [6, 2, 20], [8, 2, 0x0800], [10, 2, 0], [16, 4, crc],
      [20, 4, file.size], [24, 4, file.size], [28, 2, name.length], [42, 4, offset]]), name]);
    parts.push(local, name, file);
    offset += 30 + name.length + file.size;
  }
  const directory = central.flat();
  const directorySize = directory.reduce((sum, part) => sum + part.length, 0);
  const end = header(22, [[0, 4, 0x06054b50], [8, 2, files.length], [10, 2, files.length], [12, 4, directorySize],
    [16, 4, offset]]);
  return new Blob([...parts, ...directory, end], {type: "application/zip"});
}
