"""Envelopes (seal.md §4–§7 step 4): round trips at chunk boundaries, and every tamper case
failing with its code."""

from __future__ import annotations

import io
import os
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import canonical_json
from trading.seal import (
    SealError,
    SealSecrets,
    fingerprint,
    new_key_pair,
    open_envelope,
    p256,
    pad_form,
    parse_header,
    seal_envelope,
    unpad_form,
)
from trading.seal.header import bind_aad, core_object, key_commitment, payload_key
from trading.seal.labels import CHUNK, TAG_SIZE
from trading.seal.payload import Sealer, chunk_count, open_chunks, payload_length, plaintext_chunks
from trading.seal.stanza import make_stanza

IDS: dict[str, Any] = {"listing": "ZB-2025-0001", "bidder": "ORG-000123",
                       "bid_id": "BID-0001"}
LISTING_SK, LISTING_PK = new_key_pair()
BIDDER_SK, BIDDER_PK = new_key_pair()
FORM = {"bid_id": "BID-0001", "listing": "ZB-2025-0001", "price_fen": 128800000}


def seal(body: bytes, kind: Any = "docs", **options: Any) -> bytes:
    out = io.BytesIO()
    arguments: dict[str, Any] = {**IDS, "listing_pk": LISTING_PK, "bidder_sk": BIDDER_SK}
    seal_envelope(io.BytesIO(body), out, kind=kind, **{**arguments, **options})
    return out.getvalue()


def open_(envelope: bytes, **keys: Any) -> tuple[bytes, dict[str, Any] | None]:
    out = io.BytesIO()
    keys = keys or {"listing_sk": LISTING_SK, "bidder_sk": BIDDER_SK}
    opened = open_envelope(io.BytesIO(envelope), out, **keys)
    return out.getvalue(), opened.form


def failure(envelope: bytes, **keys: Any) -> SealError:
    with pytest.raises(SealError) as caught:
        open_(envelope, **keys)
    return caught.value


def split(envelope: bytes) -> tuple[dict[str, Any], bytes]:
    header, payload = envelope.split(b"\n", 1)
    return canonical_json.loads(header), payload


def rejoin(header: dict[str, Any], payload: bytes) -> bytes:
    return canonical_json.dumps(header) + b"\n" + payload


def forge(body: bytes, kind: str = "form") -> bytes:
    """An envelope sealed without the self-check, to show what the opening does with it."""
    k_l, k_b, r = os.urandom(32), os.urandom(32), os.urandom(32)
    bind = bind_aad(kind=kind, **IDS)  # type: ignore[arg-type]
    core = core_object(kind=kind, size=len(body),  # type: ignore[arg-type]
                       listing_stanza=make_stanza(k_l, LISTING_PK, role="listing", aad=bind),
                       bidder_stanza=make_stanza(k_b, BIDDER_PK, role="bidder", aad=bind), **IDS)
    key = payload_key(core, k_l, k_b)
    sealer = Sealer(key, len(body))
    payload = b"".join(sealer.encrypt(p) for p in plaintext_chunks(r, io.BytesIO(body), len(body)))
    return rejoin({**core, "kc": key_commitment(key).hex(), "pc": sealer.pc.digest().hex()},
                  payload)


BOUNDARIES = [0, 1, CHUNK - 33, CHUNK - 32, CHUNK - 31, CHUNK, 2 * CHUNK - 32, 2 * CHUNK - 31,
              2 * CHUNK + 7]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.sampled_from(BOUNDARIES) | st.integers(0, 5000), rng=st.randoms())
def test_docs_round_trip_at_chunk_boundaries(size: int, rng: random.Random) -> None:
    body = rng.randbytes(size)
    envelope = seal(body)
    header, payload = split(envelope)
    assert header["size"] == size and len(payload) == payload_length(size)
    assert len(payload) == size + 32 + 16 * -(-(size + 32) // CHUNK)
    assert open_(envelope) == (body, None)


def test_chunk_count_follows_the_spec() -> None:
    assert [chunk_count(s) for s in (0, CHUNK - 32, CHUNK - 31, 2 * CHUNK - 32, 2 * CHUNK - 31)] \
        == [1, 1, 2, 2, 3]


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cn")), max_size=40)
_value = st.one_of(st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1), _text)
_forms = st.dictionaries(st.text("abcdefghij_", min_size=1, max_size=12),
                         st.one_of(_value, st.lists(_value, max_size=5)), max_size=30)


@settings(max_examples=40, deadline=None)
@given(form=_forms, form_size=st.sampled_from([4096, 8192]))
def test_form_round_trip(form: dict[str, Any], form_size: int) -> None:
    encoded = canonical_json.dumps(form)
    if len(encoded) > form_size:
        with pytest.raises(SealError) as caught:
            pad_form(form, form_size)
        assert caught.value.code == "FORM_INVALID"
        return
    envelope = seal(pad_form(form, form_size), "form")
    assert split(envelope)[0]["size"] == form_size
    assert open_(envelope) == (encoded, canonical_json.normalize(form))


def test_oversized_form_is_not_sealed() -> None:
    with pytest.raises(SealError) as caught:
        pad_form({"notes": "x" * 4096}, 4096)
    assert caught.value.code == "FORM_INVALID"


def test_open_with_k_l_and_k_b_directly() -> None:
    secrets = SealSecrets.fresh()
    envelope = seal(b"documents", secrets=secrets)
    assert open_(envelope, k_l=secrets.k_l, k_b=secrets.k_b)[0] == b"documents"


def test_listing_only_envelope_parses_and_opens_without_k_b() -> None:
    envelope = seal(b"documents", bidder_lock=False)
    assert "bidder" not in split(envelope)[0]["recipients"]
    assert open_(envelope, listing_sk=LISTING_SK)[0] == b"documents"
    assert failure(envelope, listing_sk=LISTING_SK, bidder_sk=BIDDER_SK).code == "UNWRAP_BIDDER"
    assert failure(envelope, listing_sk=LISTING_SK, k_b=os.urandom(32)).code == "KEY_COMMIT"


class _Watched(io.BytesIO):
    """Records the largest single read or write, to show nothing is loaded whole."""

    largest = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        _Watched.largest = max(_Watched.largest, len(data))
        return data

    def write(self, data: Any) -> int:
        _Watched.largest = max(_Watched.largest, len(data))
        return super().write(data)


def test_sealing_and_opening_stream_one_chunk_at_a_time() -> None:
    body = os.urandom(3 * CHUNK + 5)
    _Watched.largest = 0
    out = _Watched()
    seal_envelope(_Watched(body), out, kind="docs", listing_pk=LISTING_PK, bidder_sk=BIDDER_SK,
                  **IDS)
    sink = _Watched()
    open_envelope(_Watched(out.getvalue()), sink, listing_sk=LISTING_SK, bidder_sk=BIDDER_SK)
    assert sink.getvalue() == body
    assert 0 < _Watched.largest <= CHUNK + TAG_SIZE


# --- tampering: each case fails with its code -------------------------------------------

@pytest.fixture(scope="module")
def docs() -> bytes:
    """Three chunks, the last one short."""
    return seal(os.urandom(2 * CHUNK + 1000))


@pytest.fixture(scope="module")
def form_envelope() -> bytes:
    return seal(pad_form(FORM), "form")


def test_altered_core_field_fails_key_commitment(docs: bytes) -> None:
    header, payload = split(docs)
    assert failure(rejoin({**header, "size": header["size"] - 1}, payload)).code == "KEY_COMMIT"


def test_altered_kc_fails_key_commitment(docs: bytes) -> None:
    header, payload = split(docs)
    assert failure(rejoin({**header, "kc": "00" * 32}, payload)).code == "KEY_COMMIT"


def test_altered_pc_fails_plaintext_commitment(docs: bytes) -> None:
    header, payload = split(docs)
    assert failure(rejoin({**header, "pc": "00" * 32}, payload)).code == "PLAINTEXT_COMMIT"


def test_envelope_moved_to_another_bid_fails_both_stanzas(docs: bytes) -> None:
    header, payload = split(docs)
    moved = rejoin({**header, "bid_id": "BID-0002"}, payload)
    assert failure(moved).code == "UNWRAP_LISTING"
    assert failure(moved, k_l=os.urandom(32), bidder_sk=BIDDER_SK).code == "UNWRAP_BIDDER"


def test_stanza_moved_from_another_bid_fails(docs: bytes) -> None:
    other, _ = split(seal(b"x", **{**IDS, "bid_id": "BID-0002"}))
    header, payload = split(docs)
    for role, code in (("listing", "UNWRAP_LISTING"), ("bidder", "UNWRAP_BIDDER")):
        recipients = {**header["recipients"], role: other["recipients"][role]}
        assert failure(rejoin({**header, "recipients": recipients}, payload)).code == code


def _chunks(payload: bytes) -> list[bytes]:
    step = CHUNK + TAG_SIZE
    return [payload[i:i + step] for i in range(0, len(payload), step)]


def test_altered_chunk_fails_with_its_index(docs: bytes) -> None:
    header, payload = split(docs)
    for index in range(3):
        chunks = _chunks(payload)
        chunks[index] = bytes([chunks[index][0] ^ 1]) + chunks[index][1:]
        error = failure(rejoin(header, b"".join(chunks)))
        assert (error.code, error.chunk) == ("CHUNK", index)
        assert error.line() == f"ERROR CHUNK chunk={index}"


def test_reordered_chunks_fail_at_the_first_moved_one(docs: bytes) -> None:
    header, payload = split(docs)
    c0, c1, c2 = _chunks(payload)
    error = failure(rejoin(header, c1 + c0 + c2))
    assert (error.code, error.chunk) == ("CHUNK", 0)


def test_last_flag_stops_a_full_chunk_posing_as_the_last() -> None:
    """Chunk 0 of a two-chunk payload does not open as the only chunk under the same K."""
    secrets = SealSecrets.fresh()
    envelope = seal(os.urandom(CHUNK - 31), secrets=secrets)
    header = parse_header(envelope.split(b"\n", 1)[0])
    key = payload_key(header.core(), secrets.k_l, secrets.k_b)
    first = _chunks(split(envelope)[1])[0]
    chunks, _ = open_chunks(key, CHUNK - 32, io.BytesIO(first))  # a size with n = 1
    with pytest.raises(SealError) as caught:
        list(chunks)
    assert (caught.value.code, caught.value.chunk) == ("CHUNK", 0)
    chunks, _ = open_chunks(key, CHUNK - 31, io.BytesIO(split(envelope)[1]))
    assert len(list(chunks)) == 2


@pytest.mark.parametrize("change", [
    lambda p: p[:-1],                                   # one byte cut
    lambda p: p + b"\x00",                              # one byte added
    lambda p: p[: 2 * (CHUNK + TAG_SIZE)],              # the last chunk cut
    lambda p: b"",                                      # no payload
])
def test_cut_or_extended_payload_fails_length(docs: bytes,
                                               change: Callable[[bytes], bytes]) -> None:
    header, payload = split(docs)
    assert failure(rejoin(header, change(payload))).code == "LENGTH"


def test_wrong_keys(docs: bytes) -> None:
    other_sk, _ = new_key_pair()
    assert failure(docs, listing_sk=other_sk, bidder_sk=BIDDER_SK).code == "UNWRAP_LISTING"
    assert failure(docs, listing_sk=LISTING_SK, bidder_sk=other_sk).code == "UNWRAP_BIDDER"
    assert failure(docs, listing_sk=LISTING_SK).code == "NO_BIDDER_KEY"
    assert failure(docs, listing_sk=LISTING_SK, k_b=os.urandom(32)).code == "KEY_COMMIT"


def test_form_with_nonzero_padding_fails() -> None:
    body = bytearray(pad_form(FORM))
    body[-1] = 1
    assert failure(forge(bytes(body))).code == "FORM_INVALID"


@pytest.mark.parametrize("json_part", [
    b'{"a": 1}',            # not canonical
    b"[1,2]",               # not an object
    b"",                    # nothing
    b'{"a":1',              # cut
    b'{"b":1,"a":2}',       # key order
])
def test_form_that_is_not_a_cj_object_fails(json_part: bytes) -> None:
    body = json_part + bytes(4096 - len(json_part))
    assert failure(forge(body)).code == "FORM_INVALID"
    with pytest.raises(SealError) as caught:
        unpad_form(body)
    assert caught.value.code == "FORM_INVALID"


def test_form_filling_form_size_exactly_has_no_padding() -> None:
    encoded = canonical_json.dumps({"notes": "x" * (4096 - 12)})
    assert len(encoded) == 4096
    assert unpad_form(encoded)[0] == encoded
    assert open_(seal(pad_form(canonical_json.loads(encoded)), "form"))[0] == encoded


def test_sealer_refuses_a_bad_form_in_its_self_check() -> None:
    body = bytearray(pad_form(FORM))
    body[-1] = 7
    with pytest.raises(SealError) as caught:
        seal(bytes(body), "form")
    assert caught.value.code == "FORM_INVALID"
    with pytest.raises(SealError) as caught:
        seal(b"{}" + bytes(100), "form")  # not a multiple of 4096
    assert caught.value.code == "FORM_INVALID"


class _Corrupting(io.BytesIO):
    """Storage that flips a bit in the second chunk it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, data: Any) -> int:
        self.writes += 1
        if self.writes == 2:
            data = bytes([data[0] ^ 1]) + bytes(data[1:])
        return super().write(data)


def test_self_check_reads_back_what_was_written() -> None:
    with pytest.raises(SealError) as caught:
        seal_envelope(io.BytesIO(os.urandom(CHUNK + 10)), _Corrupting(), kind="docs",
                      listing_pk=LISTING_PK, bidder_sk=BIDDER_SK, **IDS)
    assert (caught.value.code, caught.value.chunk) == ("CHUNK", 1)


def test_sealer_refuses_a_key_not_on_the_notice() -> None:
    for options in ({"listing_fingerprint": fingerprint(BIDDER_PK)},
                    {"listing_pk": b"\x04" + bytes(64)}):
        with pytest.raises(SealError) as caught:
            seal(b"x", **options)
        assert caught.value.code == "WRONG_RECIPIENT"
    assert seal(b"x", listing_fingerprint=fingerprint(LISTING_PK))


def _edited(envelope: bytes, edit: Callable[[dict[str, Any]], None]) -> bytes:
    header, payload = split(envelope)
    edit(header)
    return rejoin(header, payload)


def _pop(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda h: h.pop(name)


def _set(name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda h: h.__setitem__(name, value)


def _set_stanza(name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda h: h["recipients"]["listing"].__setitem__(name, value)


@pytest.mark.parametrize("edit", [
    _pop("kc"), _set("extra", 1), _set("v", "sunbid-seal/2"), _set("suite", "X"),
    _set("chunk", 65536), _set("kind", "zip"), _set("size", -1), _set("size", 5000),
    _set("listing", ""), _set("bid_id", 7), _set("kc", "AB" * 32), _set("pc", "00" * 31),
    _set("recipients", {}), _set("recipients", {"bidder": {}}),
    lambda h: h["recipients"].__setitem__("other", h["recipients"]["listing"]),
    _set_stanza("extra", "00"), _set_stanza("wk", "00" * 47),
    _set_stanza("pk", "04" + "00" * 64),     # not on the curve
    _set_stanza("epk", "02" + "00" * 64),    # not uncompressed
])
def test_malformed_header_fails_header_invalid(form_envelope: bytes,
                                               edit: Callable[[dict[str, Any]], None]) -> None:
    assert failure(_edited(form_envelope, edit)).code == "HEADER_INVALID"


@pytest.mark.parametrize("envelope", [
    b'{"v": 1}\n' + bytes(100),                       # not CJ
    b"[]\n",                                          # not an object
    b"{" + b" " * 70000,                              # no 0x0A within 65,537 bytes
    b"\xff\n",                                        # not UTF-8
])
def test_unparsable_header_fails_header_invalid(envelope: bytes) -> None:
    assert failure(envelope).code == "HEADER_INVALID"


def test_header_has_a_size_limit() -> None:
    with pytest.raises(SealError) as caught:
        parse_header(canonical_json.dumps({"v": "x" * 65536}))
    assert caught.value.code == "HEADER_INVALID"


def test_header_round_trips_through_parse(form_envelope: bytes) -> None:
    raw = form_envelope.split(b"\n", 1)[0]
    header = parse_header(raw)
    assert canonical_json.dumps({**header.core(), "kc": header.kc.hex(),
                                 "pc": header.pc.hex()}) == raw
    assert header.bidder_stanza is not None and header.bidder_stanza.pk == BIDDER_PK
    assert p256.public_key(header.listing_stanza.pk)
