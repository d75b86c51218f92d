// Every fixed string and size of sunbid-seal/1 (seal.md §4, §5), byte for byte.

import {utf8} from "./hex.js";

export const VERSION = "sunbid-seal/1";
export const SUITE = "P256-HKDF-AES256GCM";
export const RECEIPT_VERSION = "sunbid-receipt/1";
export const SHARE_VERSION = "sunbid-share/1";
export const KEY_VERSION = "sunbid-key/1";

export const CHUNK = 1048576;
export const R_SIZE = 32; // r, the salt against price guessing, leads P_0
export const TAG_SIZE = 16;
export const MAX_HEADER = 65536;
export const FORM_BLOCK = 4096; // form_size is a positive multiple of this (§3)

export const KINDS = Object.freeze(["form", "docs"]);
export const ROLES = Object.freeze(["listing", "bidder", "share", "opening", "archive"]);

export const WRAP = utf8("sunbid-seal/1 wrap:"); // followed by the role
export const PAYLOAD = utf8("sunbid-seal/1 payload");
export const KEY_COMMIT = utf8("sunbid-seal/1 key-commit");
export const PT = utf8("sunbid-seal/1 pt");
export const CT = utf8("sunbid-seal/1 ct");
export const SHARE = utf8("sunbid-seal/1 share");
export const HEADER_SIG = utf8("sunbid-seal/1 header-sig\n");
export const KB = utf8("sunbid-seal/1 kb\n");
export const WITHDRAW = utf8("sunbid-seal/1 withdraw\n");
export const RECEIPT = utf8("sunbid-receipt/1\n");
