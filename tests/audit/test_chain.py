"""audit.chain against chain-vectors.md (C1–C4), strict Ed25519, and proof properties."""

from __future__ import annotations

import itertools
import base64
import hashlib
import json
import unicodedata
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

import canonical_json
from audit import chain
from audit.export_format import checkpoint_file_name

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs"


def _vectors(spec: str) -> dict[str, list[str]]:
    """The lines of each `# Vector X…` section of a spec's vector block, by X."""
    text = (SPECS / spec).read_text(encoding="utf-8")
    block = text.split("<!-- vectors -->", 1)[1].split("<!-- /vectors -->", 1)[0]
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in block.splitlines():
        if line.startswith("# Vector "):
            current = sections.setdefault(line.split()[2].rstrip(":"), [])
        elif not line.startswith("```"):
            current.append(line)
    return sections


def _fields(lines: list[str]) -> dict[str, str]:
    """`name = value` lines, the value without a trailing `   (comment)`."""
    fields = {}
    for line in lines:
        name, sep, value = line.partition(" = ")
        if sep:
            fields[name.strip()] = value.split("   (")[0].strip()
    return fields


def _note(lines: list[str], label: str) -> str:
    """A multi-line note: the lines after `<label> =` up to the next field or the end."""
    start = lines.index(f"{label} =") + 1
    end = next((i for i in range(start, len(lines)) if " = " in lines[i]), len(lines))
    body = lines[start:end]
    while body and not body[-1]:
        body.pop()
    return "\n".join(body) + "\n"


CHAIN = _vectors("chain-vectors.md")
C1, C2, C3, C4 = (_fields(CHAIN[k]) for k in ("C1", "C2", "C3", "C4"))
S3 = _fields(_vectors("seal-vectors.md")["S3"])
ORIGIN = S3["key name"]
PLATFORM = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(S3["platform Ed25519 seed"]))
SUPERVISOR = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(C3["supervisor Ed25519 seed"]))


def _pk(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _c1_events() -> list[dict]:
    return [json.loads(C1[f"event {n}"]) for n in (1, 2, 3)]


def _c1_leaves() -> list[bytes]:
    return [bytes.fromhex(C1[f"leaf {n}"]) for n in (1, 2, 3)]


def _c2_note() -> str:
    return _note(CHAIN["C2"], "note")


# --- C1: leaves, links, roots, proofs -------------------------------------------------------

def test_c1_leaves() -> None:
    assert [chain.event_leaf(e).hex() for e in _c1_events()] == [C1[f"leaf {n}"] for n in (1, 2, 3)]


def test_c1_leaf_hashes_the_composed_title() -> None:
    event = _c1_events()[0]
    event["payload"]["title"] = unicodedata.normalize("NFD", event["payload"]["title"])
    assert chain.event_leaf(event).hex() == C1["leaf 1"]


def test_c1_leaf_from_cj_matches_event_leaf() -> None:
    event = _c1_events()[1]
    assert chain.leaf_from_cj(canonical_json.dumps(event)) == chain.event_leaf(event)


def test_c1_links() -> None:
    link = chain.ZERO
    for n, leaf in enumerate(_c1_leaves(), 1):
        link = chain.audit_link(link, leaf)
        assert link.hex() == C1[f"link {n}"]


@pytest.mark.parametrize("size", [0, 1, 2, 3])
def test_c1_roots(size: int) -> None:
    assert chain.merkle_root(_c1_leaves()[:size]).hex() == C1[f"root(size {size})"]


def test_c1_roots_in_one_pass() -> None:
    roots = chain.merkle_roots(_c1_leaves(), [3, 0, 2, 1])
    assert {size: root.hex() for size, root in roots.items()} == {
        size: C1[f"root(size {size})"] for size in (0, 1, 2, 3)}


def test_c1_inclusion_proof() -> None:
    proof = chain.inclusion_proof(_c1_leaves(), 2)
    assert f"[{', '.join(p.hex() for p in proof)}]" == C1["inclusion proof, seq 3 in size 3"]
    root = bytes.fromhex(C1["root(size 3)"])
    assert chain.verify_inclusion(_c1_leaves()[2], 2, 3, proof, root)
    assert not chain.verify_inclusion(_c1_leaves()[1], 2, 3, proof, root)


def test_c1_consistency_proof() -> None:
    proof = chain.consistency_proof(_c1_leaves(), 2)
    assert f"[{', '.join(p.hex() for p in proof)}]" == C1["consistency proof, size 2 -> 3"]
    old, new = bytes.fromhex(C1["root(size 2)"]), bytes.fromhex(C1["root(size 3)"])
    assert chain.verify_consistency(2, 3, old, new, proof)
    assert not chain.verify_consistency(2, 3, new, new, proof)


# --- C2, C3: the checkpoint and its cosignature ---------------------------------------------

def _c2_text() -> str:
    link = bytes.fromhex(C1["link 3"])
    return chain.checkpoint_text(ORIGIN, 3, bytes.fromhex(C1["root(size 3)"]), link)


def test_s3_platform_key_matches_its_seed() -> None:
    assert _pk(PLATFORM).hex() == S3["platform public key"]


def test_c2_key_id() -> None:
    assert chain.key_id(ORIGIN, _pk(PLATFORM), chain.NOTE_SIGNATURE).hex() == C2["key ID"]


def test_c2_note_is_exact() -> None:
    assert chain.sign_note(_c2_text(), ORIGIN, PLATFORM) == _c2_note()


def test_c2_note_parses_and_verifies() -> None:
    note = chain.parse_note(_c2_note())
    assert (note.origin, note.size, note.root.hex(), note.link.hex()) == (
        ORIGIN, 3, C1["root(size 3)"], C1["link 3"])
    assert note.text == _c2_text()
    assert chain.verify_note(note, ORIGIN, _pk(PLATFORM))
    assert not chain.verify_note(note, ORIGIN, _pk(SUPERVISOR))


def test_c2_note_with_an_edited_line_fails() -> None:
    edited = _c2_note().replace("\n3\n", "\n4\n", 1)
    assert not chain.verify_note(chain.parse_note(edited), ORIGIN, _pk(PLATFORM))


def test_c3_supervisor_key_and_id() -> None:
    assert _pk(SUPERVISOR).hex() == C3["supervisor public key"]
    name = C3["cosigner name"]
    assert chain.key_id(name, _pk(SUPERVISOR), chain.COSIGNATURE).hex() == C3["cosigner key ID"]


def test_c3_cosigned_note_is_exact() -> None:
    cosigned = chain.cosign(_c2_note(), C3["cosigner name"], SUPERVISOR, int(C3["timestamp"]))
    assert cosigned == _note(CHAIN["C3"], "cosigned note")


def test_c3_signed_message_and_signature() -> None:
    timestamp = int(C3["timestamp"])
    message = f"cosignature/v1\ntime {timestamp}\n".encode() + _c2_text().encode()
    assert hashlib.sha256(message).hexdigest() == C3["SHA-256(signed message)"]
    line = _note(CHAIN["C3"], "cosigned note").splitlines()[-1]
    blob = base64.b64decode(line.split(" ")[2])
    assert blob[4:12] == timestamp.to_bytes(8, "big")
    assert blob[12:].hex() == C3["signature"]


def test_c3_cosignature_verifies_to_its_timestamp() -> None:
    note = chain.parse_note(_note(CHAIN["C3"], "cosigned note"))
    assert chain.verify_cosignature(note, C3["cosigner name"], _pk(SUPERVISOR)) == int(C3["timestamp"])
    assert chain.verify_cosignature(note, C3["cosigner name"], _pk(PLATFORM)) is None
    assert chain.cosigner_times(note.text, note.signatures, _pk(SUPERVISOR)) == [int(C3["timestamp"])]


def test_c3_file_name() -> None:
    root = bytes.fromhex(C1["root(size 3)"])
    assert f"checkpoints/{checkpoint_file_name(3, root)}" == C3["file name"]


def test_cosignature_over_another_text_fails() -> None:
    cosigned = chain.parse_note(_note(CHAIN["C3"], "cosigned note"))
    other = chain.parse_note(_c2_note().replace("\n3\n", "\n4\n", 1) + _note(CHAIN["C3"], "cosigned note").splitlines(True)[-1])
    assert chain.verify_cosignature(cosigned, C3["cosigner name"], _pk(SUPERVISOR)) is not None
    assert chain.cosigner_times(other.text, other.signatures, _pk(SUPERVISOR)) == [None]


def test_rotation_note_carries_both_keys() -> None:
    new_key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"new platform key").digest())
    note = chain.parse_note(chain.add_signature(_c2_note(), ORIGIN, new_key))
    assert chain.verify_note(note, ORIGIN, _pk(PLATFORM))
    assert chain.verify_note(note, ORIGIN, _pk(new_key))


@pytest.mark.parametrize("broken", [
    "sunbid:test/audit\n3\nAAAA\n",                       # no signature block
    "sunbid:test/audit\n3\n\n— sunbid:test/audit AAAAAAA=\n",  # three lines, bad base64 length
    "{text}\n— sunbid:test/audit !!!!\n",                  # base64 with stray characters
    "{text}\n- sunbid:test/audit {sig}\n",                 # hyphen instead of U+2014
    "{text}\n— sunbid:test/audit {sig} extra\n",           # three fields
    "{text}\n— sunbid:test/audit {sig}",                   # no final newline
    "x\n{text}\n— sunbid:test/audit {sig}\n",              # five lines
    "{text_no_size}\n— sunbid:test/audit {sig}\n",          # size with a leading zero
])
def test_parse_note_rejects(broken: str) -> None:
    text = _c2_text()
    sig = _c2_note().rsplit(" ", 1)[1].strip()
    note = broken.format(text=text, sig=sig, text_no_size=text.replace("\n3\n", "\n03\n"))
    with pytest.raises(chain.ChainError):
        chain.parse_note(note)


# --- C4: recording chain -----------------------------------------------------------------

def test_c4_recording_links() -> None:
    link = chain.ZERO
    for n in (1, 2, 3):
        link = chain.recording_link(link, json.loads(C4[f"row {n}"]))
        assert link.hex() == C4[f"link {n}"]


def test_c4_segment_hashes() -> None:
    for n in (1, 3):
        row = json.loads(C4[f"row {n}"])
        assert hashlib.sha256(f"sunbid test segment {n}".encode()).hexdigest() == row["sha256"]


# --- strict Ed25519 ------------------------------------------------------------------------
# Crafted signatures satisfy the cofactorless equation, so only the strictness checks can
# refuse them; each test also shows the canonical twin passes where one exists.

_P, _L = 2**255 - 19, 2**252 + 27742317777372353535851937790883648493
_B = chain._decode_point(bytes.fromhex("58" + "66" * 31))
_ORDER8 = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")


def _encode(point: tuple[int, int, int, int]) -> bytes:
    x, y, z, _ = point
    zi = pow(z, -1, _P)
    x, y = x * zi % _P, y * zi % _P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def _k(r: bytes, a: bytes, message: bytes) -> int:
    return int.from_bytes(hashlib.sha512(r + a + message).digest(), "little") % _L


def _sign(a: int, a_enc: bytes, r: int, message: bytes) -> bytes:
    r_enc = _encode(chain._scalar_mult(r, _B))
    return r_enc + ((r + _k(r_enc, a_enc, message) * a) % _L).to_bytes(32, "little")


def _identity_r_signature(a: int, a_enc: bytes, r_enc: bytes, message: bytes) -> bytes:
    """R = the identity, written as r_enc: then S·B = k·A holds with S = k·a."""
    return r_enc + (_k(r_enc, a_enc, message) * a % _L).to_bytes(32, "little")


def _grind(a_enc: bytes, r_enc: bytes) -> bytes:
    """A message whose k is a multiple of 8, so k·T vanishes for a torsion point T."""
    return next(m for m in (b"msg %d" % i for i in range(1000)) if _k(r_enc, a_enc, m) % 8 == 0)


A_SECRET = 0x1234567890ABCDEF
A_ENC = _encode(chain._scalar_mult(A_SECRET, _B))


def test_real_signatures_verify() -> None:
    signature = PLATFORM.sign(b"hello")
    assert chain.ed25519_verify_strict(_pk(PLATFORM), signature, b"hello")
    assert not chain.ed25519_verify_strict(_pk(PLATFORM), signature, b"hellO")
    assert chain.ed25519_verify_strict(A_ENC, _sign(A_SECRET, A_ENC, 77, b"m"), b"m")


def test_rejects_s_not_below_l() -> None:
    signature = PLATFORM.sign(b"hello")
    s = int.from_bytes(signature[32:], "little")
    high = signature[:32] + (s + _L).to_bytes(32, "little")
    assert not chain._strict_encodings(_pk(PLATFORM), high)
    assert not chain.ed25519_verify_strict(_pk(PLATFORM), high, b"hello")


@pytest.mark.parametrize("r_enc", [
    (_P + 1).to_bytes(32, "little"),                      # y = p + 1 ≥ p, i.e. the identity
    (1 | 1 << 255).to_bytes(32, "little"),                # x = 0 with the sign bit set
    (_P - 1 | 1 << 255).to_bytes(32, "little"),           # (0, −1), sign bit set
])
def test_rejects_non_canonical_r(r_enc: bytes) -> None:
    canonical = (1).to_bytes(32, "little")
    twin = _identity_r_signature(A_SECRET, A_ENC, canonical, b"m")
    assert chain.ed25519_verify_strict(A_ENC, twin, b"m")
    forged = _identity_r_signature(A_SECRET, A_ENC, r_enc, b"m")
    assert not chain._r_canonical(r_enc)
    assert not chain.ed25519_verify_strict(A_ENC, forged, b"m")


def test_rejects_non_canonical_public_key() -> None:
    # y ≥ p: the encoding of y = 3 plus p; the decoder must refuse it, not reduce it.
    assert chain._decode_point((3).to_bytes(32, "little")) is not None
    assert chain._decode_point((_P + 3).to_bytes(32, "little")) is None
    assert not chain.ed25519_public_key_ok((_P + 3).to_bytes(32, "little"))
    # x = 0 with the sign bit set
    assert chain._decode_point((1 | 1 << 255).to_bytes(32, "little")) is None


def test_rejects_identity_public_key() -> None:
    identity = (1).to_bytes(32, "little")
    signature = _encode(chain._scalar_mult(5, _B)) + (5).to_bytes(32, "little")  # S·B = R + k·O
    assert not chain.ed25519_public_key_ok(identity)
    assert not chain.ed25519_verify_strict(identity, signature, b"any message")


def test_rejects_small_order_public_key() -> None:
    r_enc = _encode(chain._scalar_mult(9, _B))
    message = _grind(_ORDER8, r_enc)
    signature = r_enc + (9).to_bytes(32, "little")  # S·B = R + k·T with k·T = O
    assert not chain.ed25519_public_key_ok(_ORDER8)
    assert not chain.ed25519_verify_strict(_ORDER8, signature, message)


def test_rejects_mixed_order_public_key() -> None:
    mixed = _encode(chain._point_add(chain._scalar_mult(A_SECRET, _B), chain._decode_point(_ORDER8)))
    r = 31337
    message = _grind(mixed, _encode(chain._scalar_mult(r, _B)))
    signature = _sign(A_SECRET, mixed, r, message)  # S·B = R + k·(A + T), k·T = O
    assert chain.ed25519_public_key_ok(A_ENC)
    assert not chain.ed25519_public_key_ok(mixed)
    assert not chain.ed25519_verify_strict(mixed, signature, message)


def test_wrong_lengths_are_refused() -> None:
    assert not chain.ed25519_verify_strict(_pk(PLATFORM)[:31], PLATFORM.sign(b"x"), b"x")
    assert not chain.ed25519_verify_strict(_pk(PLATFORM), PLATFORM.sign(b"x")[:63], b"x")


# --- proof properties ----------------------------------------------------------------------

def _leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(b"\x00" + i.to_bytes(4, "big")).digest() for i in range(n)]


def _reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 read literally (recursive), to check the one-pass stack."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _reference_root(leaves[:k]) + _reference_root(leaves[k:])).digest()


@given(st.integers(0, 70))
def test_stack_root_equals_recursive_root(n: int) -> None:
    assert chain.merkle_root(_leaves(n)) == _reference_root(_leaves(n))


@given(st.integers(0, 70), st.lists(st.integers(0, 70), max_size=4))
def test_compact_ranges_join_at_any_split(n: int, cuts: list[int]) -> None:
    leaves = _leaves(n)
    bounds = sorted({0, n, *(c for c in cuts if c <= n)})
    joined = chain.CompactRange()
    for begin, end in itertools.pairwise(bounds):
        part = chain.CompactRange(begin)
        for leaf in leaves[begin:end]:
            part.append(leaf)
        joined = joined.join(part)
    assert joined.root() == _reference_root(leaves)


def test_compact_ranges_join_only_side_by_side() -> None:
    left, right = chain.CompactRange(), chain.CompactRange(2)
    left.append(bytes(32))
    with pytest.raises(chain.ChainError):
        left.join(right)
    with pytest.raises(chain.ChainError):
        right.root()


@given(st.data())
def test_inclusion_proofs_verify(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, 70))
    index = data.draw(st.integers(0, size - 1))
    leaves = _leaves(size)
    root = chain.merkle_root(leaves)
    proof = chain.inclusion_proof(leaves, index)
    assert chain.verify_inclusion(leaves[index], index, size, proof, root)
    assert not chain.verify_inclusion(leaves[index], index, size, proof, bytes(32))
    assert not chain.verify_inclusion(leaves[index], size, size, proof, root)
    if size > 1:
        assert not chain.verify_inclusion(leaves[index - 1 if index else 1], index, size, proof, root)
        bad = list(proof)
        bad[data.draw(st.integers(0, len(bad) - 1))] = bytes(32)
        assert not chain.verify_inclusion(leaves[index], index, size, bad, root)


@given(st.data())
def test_consistency_proofs_verify(data: st.DataObject) -> None:
    new_size = data.draw(st.integers(1, 70))
    old_size = data.draw(st.integers(0, new_size))
    leaves = _leaves(new_size)
    old_root, new_root = chain.merkle_root(leaves[:old_size]), chain.merkle_root(leaves)
    proof = chain.consistency_proof(leaves, old_size)
    assert chain.verify_consistency(old_size, new_size, old_root, new_root, proof)
    assert not chain.verify_consistency(old_size, new_size, bytes(32), new_root, proof)
    if 0 < old_size:
        # The empty tree is a prefix of every tree; any other must match the new root.
        assert not chain.verify_consistency(old_size, new_size, old_root, bytes(32), proof)
    if 0 < old_size < new_size:
        bad = list(proof)
        bad[data.draw(st.integers(0, len(bad) - 1))] = bytes(32)
        assert not chain.verify_consistency(old_size, new_size, old_root, new_root, bad)


def test_proof_indexes_out_of_range_raise() -> None:
    with pytest.raises(chain.ChainError):
        chain.inclusion_proof(_leaves(3), 3)
    with pytest.raises(chain.ChainError):
        chain.consistency_proof(_leaves(3), 4)
