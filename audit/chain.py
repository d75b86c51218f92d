"""sunbid-chain/1 primitives (../shared/specs/chain.md): leaves, links, the Merkle tree,
C2SP checkpoints with cosignatures, and strict Ed25519.

Pure: stdlib, `cryptography` and canonical_json only, so the offline verifier and outside
inspectors can reuse it without Django.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

import canonical_json

__all__ = [
    "ZERO", "EMPTY_ROOT", "NOTE_SIGNATURE", "COSIGNATURE", "AUDIT_LINK_PREFIX", "REC_LINK_PREFIX",
    "ChainError", "Note",
    "event_leaf", "leaf_from_cj", "audit_link", "recording_link",
    "merkle_root", "merkle_roots", "CompactRange", "inclusion_proof", "verify_inclusion",
    "consistency_proof", "verify_consistency",
    "key_id", "checkpoint_text", "sign_note", "add_signature", "cosign",
    "split_note", "parse_checkpoint", "parse_note", "signed_by", "verify_note",
    "cosigner_times", "verify_cosignature", "ed25519_verify_strict", "ed25519_public_key_ok",
]

ZERO = bytes(32)
EMPTY_ROOT = hashlib.sha256(b"").digest()
NOTE_SIGNATURE = 0x01  # key-ID type byte of a platform (note) signature
COSIGNATURE = 0x04  # key-ID type byte of a C2SP Ed25519 cosignature
AUDIT_LINK_PREFIX = b"sunbid/audit/link/v1"
REC_LINK_PREFIX = b"sunbid/rec/link/v1"
_EM_DASH = "\u2014"
_MAX_TIMESTAMP = 2**63


class ChainError(ValueError):
    """Malformed chain input: a hash of the wrong length, a broken note, a bad index."""


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _hash32(value: bytes, what: str) -> bytes:
    if len(value) != 32:
        raise ChainError(f"{what} must be 32 bytes, not {len(value)}")
    return value


# --- leaves and links (§3, §7) ---------------------------------------------------------

def leaf_from_cj(event_cj: bytes) -> bytes:
    """RFC 6962 leaf hash of an event's canonical bytes."""
    return _sha256(b"\x00" + event_cj)


def event_leaf(event: dict) -> bytes:
    """leaf_n = SHA-256(0x00 ‖ CJ(event)), event = {seq, ts, actor, kind, object, payload}."""
    return leaf_from_cj(canonical_json.dumps(event))


def audit_link(prev_link: bytes, leaf: bytes) -> bytes:
    """link_n = SHA-256("sunbid/audit/link/v1" ‖ link_{n−1} ‖ leaf_n)."""
    return _sha256(AUDIT_LINK_PREFIX + _hash32(prev_link, "link") + _hash32(leaf, "leaf"))


def recording_link(prev_link: bytes, row: dict) -> bytes:
    """A camera chain's link_n = SHA-256("sunbid/rec/link/v1" ‖ link_{n−1} ‖ SHA-256(CJ(row)))."""
    return _sha256(REC_LINK_PREFIX + _hash32(prev_link, "link") + _sha256(canonical_json.dumps(row)))


# --- Merkle tree (§4: RFC 6962 MTH, RFC 9162 proofs) -------------------------------------

def _node(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right)


def _split(n: int) -> int:
    """The largest power of two smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class CompactRange:
    """The leaves [begin, end) as the roots of the fewest aligned perfect subtrees covering
    them, left to right (a "compact range"). Leaves append on the right, a range joins the
    range just after it, and for begin = 0 folding the roots from the right gives the MTH:
    so one pass yields the root at every size, and ranges hashed apart combine in O(log n).
    """

    def __init__(self, begin: int = 0) -> None:
        self.begin = self.end = begin
        self.nodes: list[tuple[int, bytes]] = []  # (leaf count, subtree root)

    def append(self, node: bytes, size: int = 1) -> None:
        """Append a leaf, or the root of an aligned perfect subtree of `size` leaves."""
        nodes = self.nodes
        self.end += size
        # Siblings of equal size merge when the parent is aligned: it starts at a multiple
        # of its own size, as every subtree of RFC 6962's tree does.
        while nodes and nodes[-1][0] == size and (self.end - 2 * size) % (2 * size) == 0:
            node = hashlib.sha256(b"\x01" + nodes.pop()[1] + node).digest()
            size *= 2
        nodes.append((size, node))

    def join(self, right: CompactRange) -> CompactRange:
        """This range followed by `right`, which must begin where this one ends."""
        if right.begin != self.end:
            raise ChainError(f"a range beginning at {right.begin} cannot follow one ending at {self.end}")
        joined = self.copy()
        for size, node in right.nodes:
            joined.append(node, size)
        return joined

    def copy(self) -> CompactRange:
        other = CompactRange(self.begin)
        other.end, other.nodes = self.end, list(self.nodes)
        return other

    def root(self) -> bytes:
        """MTH(leaves[0:end]); the range must begin at 0."""
        if self.begin != 0:
            raise ChainError("only a range from the first leaf has a tree root")
        if not self.nodes:
            return EMPTY_ROOT
        root = self.nodes[-1][1]
        for _, left in reversed(self.nodes[:-1]):
            root = _node(left, root)
        return root


def merkle_roots(leaves: Sequence[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """MTH(leaves[0:size]) for every size, in one pass over the leaves."""
    wanted = set(sizes)
    if any(not 0 <= size <= len(leaves) for size in wanted):
        raise ChainError(f"sizes must lie in 0..{len(leaves)}")
    tree = CompactRange()
    roots = {0: EMPTY_ROOT} if 0 in wanted else {}
    for leaf in leaves[:max(wanted, default=0)]:
        tree.append(leaf)
        if tree.end in wanted:
            roots[tree.end] = tree.root()
    return roots


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 MTH of the leaf hashes; SHA-256 of the empty string for no leaves."""
    return merkle_roots(leaves, [len(leaves)])[len(leaves)]


def _path(leaves: Sequence[bytes], m: int) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return _path(leaves[:k], m) + [merkle_root(leaves[k:])]
    return _path(leaves[k:], m - k) + [merkle_root(leaves[:k])]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, leaves); the index of seq n is n − 1."""
    if not 0 <= index < len(leaves):
        raise ChainError(f"index {index} is outside a tree of {len(leaves)} leaves")
    return _path(leaves, index)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [merkle_root(leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(m, leaves[:k], complete) + [merkle_root(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [merkle_root(leaves[:k])]


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(old_size, leaves); empty when old_size is 0 or len(leaves)."""
    if not 0 <= old_size <= len(leaves):
        raise ChainError(f"old size {old_size} is outside 0..{len(leaves)}")
    if old_size == 0:
        return []  # every tree extends the empty one; RFC 9162 leaves 0 undefined
    return _subproof(old_size, leaves, True)


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2, plus the trivial cases old_size = new_size and old_size = 0."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


# --- strict Ed25519 (§2) ----------------------------------------------------------------
# OpenSSL checks the cofactorless equation by comparing encodings, but it does not promise
# to refuse small-order or mixed-order public keys; the point checks below are ours.

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, -1, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), RFC 8032 §5.1.4
_IDENTITY: _Point = (0, 1, 1, 0)


def _point_add(a: _Point, b: _Point) -> _Point:
    """RFC 8032 §5.1.4 addition; the formula is complete, so it also doubles."""
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    p1 = (y1 - x1) * (y2 - x2) % _P
    p2 = (y1 + x1) * (y2 + x2) % _P
    c = 2 * t1 * t2 * _D % _P
    d = 2 * z1 * z2 % _P
    e, f, g, h = p2 - p1, d - c, d + c, p2 + p1
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _scalar_mult(k: int, point: _Point) -> _Point:
    result = _IDENTITY
    while k:
        if k & 1:
            result = _point_add(result, point)
        point = _point_add(point, point)
        k >>= 1
    return result


def _is_identity(point: _Point) -> bool:
    x, y, z, _ = point
    return x % _P == 0 and (y - z) % _P == 0


def _decode_point(encoded: bytes) -> _Point | None:
    """RFC 8032 §5.1.3, refusing y ≥ p and x = 0 with the sign bit set (non-canonical)."""
    if len(encoded) != 32:
        return None
    value = int.from_bytes(encoded, "little")
    y, sign = value & ((1 << 255) - 1), value >> 255
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, -1, _P) % _P
    if x2 == 0:
        return None if sign else (0, y, 1, 0)
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    if x & 1 != sign:
        x = _P - x
    return (x, y, 1, x * y % _P)


@lru_cache(maxsize=64)
def ed25519_public_key_ok(public_key: bytes) -> bool:
    """A canonical encoding of a point of prime order L (cached: one key checks many notes)."""
    point = _decode_point(public_key)
    return point is not None and not _is_identity(point) and _is_identity(_scalar_mult(_L, point))


def _r_canonical(r: bytes) -> bool:
    # x = 0 exactly when y² = 1, i.e. y = 1 or y = p − 1; then the sign bit must be clear.
    value = int.from_bytes(r, "little")
    y, sign = value & ((1 << 255) - 1), value >> 255
    return y < _P and not (sign and y in (1, _P - 1))


def _strict_encodings(public_key: bytes, signature: bytes) -> bool:
    """Every strictness check of §2 except the equation itself."""
    return (len(public_key) == 32 and len(signature) == 64 and ed25519_public_key_ok(public_key)
            and _r_canonical(signature[:32]) and int.from_bytes(signature[32:], "little") < _L)


@lru_cache(maxsize=64)
def _loaded_key(public_key: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(public_key)


def ed25519_verify_strict(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """chain.md §2 "Strict Ed25519": cofactorless RFC 8032 with canonical A, R and S."""
    if not _strict_encodings(public_key, signature):
        return False
    try:
        _loaded_key(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


# --- checkpoints as C2SP signed notes (§5) ----------------------------------------------

def key_id(name: str, public_key: bytes, key_type: int) -> bytes:
    """SHA-256(name ‖ "\\n" ‖ type ‖ public key)[0:4]; type 0x01 note signature, 0x04 cosignature."""
    return _sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + public_key)[:4]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    """Strict RFC 4648 §4 base64: padded, no stray characters, canonical trailing bits."""
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        raise ChainError("bad base64") from None
    if _b64(data) != text:
        raise ChainError("non-canonical base64")
    return data


def checkpoint_text(origin: str, size: int, root: bytes, link: bytes) -> str:
    """The four lines: origin, size, base64 root, base64 link (the extension line)."""
    if size < 0:
        raise ChainError("size must not be negative")
    return f"{origin}\n{size}\n{_b64(_hash32(root, 'root'))}\n{_b64(_hash32(link, 'link'))}\n"


_KEY_NAME = re.compile(r"[^\s+]+")  # C2SP: non-empty, no Unicode space, no "+"


def _signature_line(name: str, blob: bytes) -> str:
    if not _KEY_NAME.fullmatch(name):
        raise ChainError(f"bad key name {name!r}")
    return f"{_EM_DASH} {name} {_b64(blob)}\n"


def _public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes_raw()


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text:
        raise ChainError("note text must end in a newline and hold no empty line")
    if any(ch < " " and ch != "\n" for ch in text):
        raise ChainError("note text holds a control character")


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """The signed note: text, an empty line, and the platform's signature line (type 0x01)."""
    _check_text(text)
    return text + "\n" + _note_signature_line(text, name, private_key)


def _note_signature_line(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    kid = key_id(name, _public_bytes(private_key), NOTE_SIGNATURE)
    return _signature_line(name, kid + private_key.sign(text.encode("utf-8")))


def add_signature(note: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Another note signature line (type 0x01): a key rotation's checkpoint carries both."""
    text, _ = split_note(note)
    return note + _note_signature_line(text, name, private_key)


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode("utf-8")


def cosign(note: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """Append a c2sp.org/tlog-cosignature line: key ID ‖ u64be(t) ‖ Ed25519 signature."""
    if not 0 <= timestamp < _MAX_TIMESTAMP:
        raise ChainError("timestamp out of range")
    text, _ = split_note(note)
    kid = key_id(name, _public_bytes(private_key), COSIGNATURE)
    signature = private_key.sign(_cosigned_message(text, timestamp))
    return note + _signature_line(name, kid + timestamp.to_bytes(8, "big") + signature)


def _parse_signature_line(line: str) -> tuple[str, bytes]:
    dash, _, rest = line.partition(" ")
    parts = rest.split(" ")
    if dash != _EM_DASH or len(parts) != 2 or not _KEY_NAME.fullmatch(parts[0]):
        raise ChainError(f"bad signature line {line!r}")
    blob = _unb64(parts[1])
    if len(blob) < 5:
        raise ChainError("signature shorter than a key ID and one byte")
    return parts[0], blob


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """Split a signed note into its text and its (name, key ID ‖ signature) lines."""
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise ChainError("not a signed note")
    text, block = note[:cut + 1], note[cut + 2:]
    _check_text(text)
    lines = block[:-1].split("\n") if block else []
    if not lines:
        raise ChainError("note has no signature line")
    return text, [_parse_signature_line(line) for line in lines]


_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")


def parse_checkpoint(text: str) -> tuple[str, int, bytes, bytes]:
    """(origin, size, root, link) of exactly the four lines of §5."""
    lines = text.split("\n")
    if len(lines) != 5 or lines[4] or not lines[0] or not _DECIMAL.fullmatch(lines[1]):
        raise ChainError("a checkpoint is four lines: origin, size, root, link")
    root, link = _unb64(lines[2]), _unb64(lines[3])
    if len(root) != 32 or len(link) != 32:
        raise ChainError("root and link are 32 bytes each")
    return lines[0], int(lines[1]), root, link


@dataclass(frozen=True)
class Note:
    text: str
    origin: str
    size: int
    root: bytes
    link: bytes
    signatures: list[tuple[str, bytes]]  # (key name, base64-decoded key ID ‖ signature)


def parse_note(note: str) -> Note:
    """A checkpoint note; raises ChainError on anything malformed (signatures unchecked)."""
    text, signatures = split_note(note)
    origin, size, root, link = parse_checkpoint(text)
    return Note(text, origin, size, root, link, signatures)


def signed_by(text: str, signatures: Sequence[tuple[str, bytes]], name: str, public_key: bytes) -> bool:
    """Some line of that name carries a valid note signature (type 0x01) of that key."""
    kid = key_id(name, public_key, NOTE_SIGNATURE)
    message = text.encode("utf-8")
    return any(line_name == name and len(blob) == 68 and blob[:4] == kid
               and ed25519_verify_strict(public_key, blob[4:], message)
               for line_name, blob in signatures)


def verify_note(note: Note, name: str, public_key: bytes) -> bool:
    return signed_by(note.text, note.signatures, name, public_key)


def _cosignature_time(text: str, blob: bytes, public_key: bytes) -> int | None:
    if len(blob) != 76:
        return None
    timestamp = int.from_bytes(blob[4:12], "big")
    if timestamp >= _MAX_TIMESTAMP:
        return None
    valid = ed25519_verify_strict(public_key, blob[12:], _cosigned_message(text, timestamp))
    return timestamp if valid else None


def cosigner_times(text: str, signatures: Sequence[tuple[str, bytes]], public_key: bytes) -> list[int | None]:
    """For each line of this cosigner, found as C2SP says by recomputing the key ID from the
    line's name and the trusted key: its time t if it verifies, None if it does not."""
    return [_cosignature_time(text, blob, public_key) for name, blob in signatures
            if blob[:4] == key_id(name, public_key, COSIGNATURE)]


def verify_cosignature(note: Note, name: str, public_key: bytes) -> int | None:
    """The time t of a valid cosignature line of that name and key, else None."""
    kid = key_id(name, public_key, COSIGNATURE)
    for line_name, blob in note.signatures:
        if line_name == name and blob[:4] == kid:
            timestamp = _cosignature_time(note.text, blob, public_key)
            if timestamp is not None:
                return timestamp
    return None
