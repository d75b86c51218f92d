"""draw.md §2 and §4: properties of the draw, and the inputs it refuses."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from experts.draw import DrawError, Stream, candidates_hash, draw, rejection_threshold, uniform

REPO = Path(__file__).resolve().parents[2]
ANCHOR = "ab" * 32

ids_st = st.lists(st.text(alphabet="ABCXYZ0123456789-é", min_size=1, max_size=12),
                  min_size=1, max_size=40, unique=True)
secret_st = st.binary(min_size=32, max_size=32)
witness_st = st.from_regex(r"[0-9]{6,12}", fullmatch=True)


def _draw(ids: list[str], secret: bytes, k: int, m: int, witness: str = "123456") -> tuple[str, ...]:
    outcome = draw(secret=secret, draw_id="DRAW-P", candidates=ids, anchor=ANCHOR,
                   witness=witness, k=k, m=m)
    return outcome.picks


@settings(max_examples=60, deadline=None)
@given(ids=ids_st, secret=secret_st, data=st.data())
def test_picks_are_a_prefix_of_a_permutation_without_repeats(ids: list[str], secret: bytes,
                                                            data: st.DataObject) -> None:
    k = data.draw(st.integers(1, len(ids)))
    m = data.draw(st.integers(0, 50))
    picks = _draw(ids, secret, k, m)
    assert len(picks) == min(k + m, len(ids))
    assert len(set(picks)) == len(picks)
    assert set(picks) <= set(ids)


@settings(max_examples=40, deadline=None)
@given(ids=ids_st, secret=secret_st, witness=witness_st, rnd=st.randoms(use_true_random=False))
def test_same_inputs_same_result_whatever_the_input_order(ids: list[str], secret: bytes,
                                                          witness: str, rnd: Random) -> None:
    shuffled = list(ids)
    rnd.shuffle(shuffled)
    args = {"secret": secret, "draw_id": "DRAW-P", "anchor": ANCHOR, "witness": witness,
            "k": max(1, len(ids) // 2), "m": 3}
    assert draw(candidates=ids, **args) == draw(candidates=shuffled, **args)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(ids=ids_st, secret=secret_st, m=st.integers(0, 10), more=st.integers(1, 10))
def test_more_backups_never_change_earlier_picks(ids: list[str], secret: bytes, m: int, more: int) -> None:
    shorter = _draw(ids, secret, 1, m)
    longer = _draw(ids, secret, 1, m + more)
    assert longer[:len(shorter)] == shorter


@settings(max_examples=40, deadline=None)
@given(ids=ids_st, secret=secret_st, m=st.integers(1, 10))
def test_drawn_and_backups_split_the_same_pick_order(ids: list[str], secret: bytes, m: int) -> None:
    # Moving a seat from backups to drawn keeps the order: picks depend on k + m only.
    k = min(2, len(ids))
    assert _draw(ids, secret, k, m) == _draw(ids, secret, 1, m + k - 1)


@given(n=st.integers(1, 2**64), words=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=4))
def test_uniform_is_below_n_and_never_returns_a_rejected_value(n: int, words: list[int]) -> None:
    limit = 2**64 - 1 - rejection_threshold(n)
    stream = iter([*words, 0])
    x = uniform(n, stream.__next__)
    assert 0 <= x < n
    kept = next(w for w in [*words, 0] if w <= limit)
    assert x == kept % n


@given(seed=st.binary(min_size=32, max_size=32), n=st.integers(1, 2**64))
def test_uniform_from_the_stream_is_below_n(seed: bytes, n: int) -> None:
    assert 0 <= uniform(n, Stream(seed).next_u64) < n


def test_different_witness_changes_the_result() -> None:
    ids = [f"EXP-{i:03d}" for i in range(30)]
    secret = bytes(32)
    assert _draw(ids, secret, 3, 0, "123456") != _draw(ids, secret, 3, 0, "123457")


def test_candidates_are_hashed_in_utf8_byte_order() -> None:
    # UTF-16 order (JavaScript's default sort) would put U+1F600 before U+FF01.
    lines = "\uff01\n\U0001f600\n".encode()
    expected = hashlib.sha256(b"sunbid/draw/candidates/v1\n" + lines).hexdigest()
    assert candidates_hash(["\U0001f600", "\uff01"]) == expected


def test_ids_are_nfc_normalised_before_sorting_and_hashing() -> None:
    composed, decomposed = ["Caf\u00e9-1", "B-2"], ["Cafe\u0301-1", "B-2"]
    assert _draw(composed, bytes(32), 1, 1) == _draw(decomposed, bytes(32), 1, 1)


@pytest.mark.parametrize("ids", [
    ["A", ""],                      # empty
    ["A", "x" * 65],                # 65 code points
    ["A", "B\n"],                   # control character
    ["A", "B\x7f"],                 # DEL
    ["Caf\u00e9", "Cafe\u0301"],    # equal after NFC
    ["A", 7],                       # not a string
])
def test_bad_candidate_ids_are_input_invalid(ids: list[object]) -> None:
    with pytest.raises(DrawError) as e:
        draw(secret=bytes(32), draw_id="D", candidates=ids, anchor=ANCHOR, witness="123456", k=1, m=0)  # type: ignore[arg-type]
    assert e.value.code == "INPUT_INVALID"


def test_64_code_points_is_the_longest_id() -> None:
    long_id = "\u9633" * 64  # 192 UTF-8 bytes, 64 code points
    assert _draw([long_id, "B"], bytes(32), 2, 0)


@pytest.mark.parametrize("change", [
    {"witness": "12345"}, {"witness": "1234567a"}, {"witness": "\u0661\u0662\u0663\u0664\u0665\u0666"},
    {"witness": "1" * 65}, {"draw_id": ""}, {"draw_id": "D\t1"}, {"anchor": "AB" * 32},
    {"anchor": "ab" * 31}, {"secret": bytes(31)}, {"k": 0}, {"k": True}, {"m": -1},
])
def test_bad_draw_inputs_are_input_invalid(change: dict[str, object]) -> None:
    args: dict[str, object] = {"secret": bytes(32), "draw_id": "D", "candidates": ["A", "B"],
                               "anchor": ANCHOR, "witness": "123456", "k": 1, "m": 0}
    with pytest.raises(DrawError) as e:
        draw(**{**args, **change})  # type: ignore[arg-type]
    assert e.value.code == "INPUT_INVALID"


def test_fewer_candidates_than_k_is_insufficient() -> None:
    with pytest.raises(DrawError) as e:
        draw(secret=bytes(32), draw_id="D", candidates=["A", "B"], anchor=ANCHOR, witness="123456", k=3, m=0)
    assert e.value.code == "INSUFFICIENT_CANDIDATES"


def test_importing_the_engine_imports_no_django() -> None:
    code = "import sys, experts.draw; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
