"""Listing-key custody (seal.md §9, §7 step 3): Shamir over GF(2^8), share files, the
opening's share checks, and the stanzas that carry secrets at the opening."""

from __future__ import annotations

import itertools
import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import canonical_json
from trading.seal import (
    SealError,
    ShareCollector,
    kb_from_opening,
    kb_to_opening,
    key_from_archive,
    key_to_archive,
    new_key_pair,
    read_share_file,
    rebuild_listing_key,
    shamir,
    share_commit,
    share_from_opening,
    share_to_opening,
    split_listing_key,
)

LISTING_SK, LISTING_PK = new_key_pair()
CUSTODIANS = [new_key_pair() for _ in range(3)]
NAMES = ["agent:ZB-AGENT-07", "staff:31", "supervisor:JD-02"]


def code_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(SealError) as caught:
        call(*args, **kwargs)
    return caught.value.code


@pytest.fixture(scope="module")
def split() -> Any:
    custodians = [(name, pk) for name, (_, pk) in zip(NAMES, CUSTODIANS, strict=True)]
    return split_listing_key(listing="ZB-2025-0001", kind="form", listing_sk=LISTING_SK,
                             custodians=custodians)


def ys(split: Any) -> dict[int, bytes]:
    return {x: read_share_file(f, custodian_sk=CUSTODIANS[x - 1][0]).y
            for x, f in enumerate(split.share_files, 1)}


def test_gf256_is_a_field() -> None:
    for a in range(1, 256):
        assert shamir.gf_mul(a, shamir.gf_inv(a)) == 1
        assert shamir.gf_mul(a, 1) == a and shamir.gf_mul(a, 0) == 0
    with pytest.raises(ZeroDivisionError):
        shamir.gf_inv(0)


@settings(max_examples=60, deadline=None)
@given(secret=st.binary(min_size=32, max_size=32), k=st.integers(1, 5),
       extra=st.integers(0, 3), data=st.data())
def test_any_k_of_n_rebuild_and_fewer_do_not(secret: bytes, k: int, extra: int,
                                             data: st.DataObject) -> None:
    n = k + extra
    shares = shamir.split(secret, k, n)
    subset = data.draw(st.permutations(range(1, n + 1)))[:k]
    assert shamir.combine([(x, shares[x - 1]) for x in subset]) == secret
    if k > 1:
        fewer = [(x, shares[x - 1]) for x in subset[:-1]]
        assert shamir.combine(fewer) != secret


def test_every_pair_of_the_listing_key_rebuilds_it(split: Any) -> None:
    y = ys(split)
    for pair in itertools.combinations(y.items(), 2):
        assert rebuild_listing_key(pk=LISTING_PK, k=2, shares=list(pair)) == LISTING_SK
    assert rebuild_listing_key(pk=LISTING_PK, k=2, shares=list(y.items())) == LISTING_SK


def test_rebuild_refuses_too_few_duplicate_or_wrong_shares(split: Any) -> None:
    y = ys(split)
    assert code_of(rebuild_listing_key, pk=LISTING_PK, k=2, shares=[(1, y[1])]) == "LISTING_KEY"
    assert code_of(rebuild_listing_key, pk=LISTING_PK, k=2,
                   shares=[(1, y[1]), (1, y[1])]) == "SHARE_DUPLICATE"
    assert code_of(rebuild_listing_key, pk=new_key_pair()[1], k=2,
                   shares=[(1, y[1]), (2, y[2])]) == "LISTING_KEY"
    bad = bytes([y[2][0] ^ 1]) + y[2][1:]
    assert code_of(rebuild_listing_key, pk=LISTING_PK, k=2,
                   shares=[(1, y[1]), (2, bad)]) == "LISTING_KEY"


def test_rebuild_refuses_d_out_of_range() -> None:
    """Shares of d = 0 combine, but 0 is no key (0 < d < n)."""
    shares = shamir.split(bytes(32), 2, 2)
    assert code_of(rebuild_listing_key, pk=LISTING_PK, k=2,
                   shares=list(enumerate(shares, 1))) == "LISTING_KEY"


def test_event_commits_to_each_share(split: Any) -> None:
    y = ys(split)
    event = split.event
    assert (event["k"], event["n"], event["pk"]) == (2, 3, LISTING_PK.hex())
    assert [(s["x"], s["custodian"]) for s in event["shares"]] == list(enumerate(NAMES, 1))
    for entry in event["shares"]:
        assert entry["commit"] == share_commit(LISTING_PK, entry["x"], y[entry["x"]])
    assert all(len(v) == 32 for v in y.values())


def test_collector_accepts_good_shares_and_rebuilds(split: Any) -> None:
    y = ys(split)
    collector = ShareCollector(split.event)
    collector.add(x=3, y=y[3])
    assert code_of(collector.rebuild) == "LISTING_KEY"  # one of two
    collector.add(x=1, y=y[1])
    assert collector.rebuild() == LISTING_SK


def test_collector_refuses_bad_and_duplicate_shares(split: Any) -> None:
    y = ys(split)
    collector = ShareCollector(split.event)
    assert code_of(collector.add, x=2, y=bytes([y[2][0] ^ 1]) + y[2][1:]) == "SHARE_COMMIT"
    assert code_of(collector.add, x=2, y=y[1]) == "SHARE_COMMIT"     # another x's share
    assert code_of(collector.add, x=9, y=y[1]) == "SHARE_COMMIT"     # no such x
    collector.add(x=2, y=y[2])
    assert code_of(collector.add, x=2, y=y[2]) == "SHARE_DUPLICATE"
    assert collector.accepted == {2: y[2]}


def test_collector_refuses_a_malformed_event(split: Any) -> None:
    assert code_of(ShareCollector, {**split.event, "n": 4}) == "LISTING_KEY"
    assert code_of(ShareCollector, {**split.event, "extra": 1}) == "LISTING_KEY"


def test_share_file_checks(split: Any) -> None:
    first = split.share_files[0]
    commit = split.event["shares"][0]["commit"]
    assert read_share_file(canonical_json.dumps(first), custodian_sk=CUSTODIANS[0][0],
                           commit=commit).x == 1
    # another custodian's key, an edited file (aad), a wrong commitment, a broken file
    assert code_of(read_share_file, first, custodian_sk=CUSTODIANS[1][0]) == "SHARE_COMMIT"
    for edit in ({"x": 2}, {"custodian": "staff:31"}, {"k": 3}, {"listing": "ZB-2025-0002"}):
        assert code_of(read_share_file, {**first, **edit},
                       custodian_sk=CUSTODIANS[0][0]) == "SHARE_COMMIT"
    assert code_of(read_share_file, first, custodian_sk=CUSTODIANS[0][0],
                   commit=split.event["shares"][1]["commit"]) == "SHARE_COMMIT"
    assert code_of(read_share_file, {**first, "v": "sunbid-share/2"},
                   custodian_sk=CUSTODIANS[0][0]) == "SHARE_COMMIT"
    assert code_of(read_share_file, b'{"v": 1}', custodian_sk=CUSTODIANS[0][0]) == "SHARE_COMMIT"


def test_share_reaches_only_the_opening_worker(split: Any) -> None:
    y = ys(split)
    opening_sk, opening_pk = new_key_pair()
    ids: dict[str, Any] = {"x": 1, "custodian": NAMES[0], "kind": "form",
                           "listing": "ZB-2025-0001"}
    stanza = share_to_opening(y=y[1], opening_pk=opening_pk, **ids)
    assert share_from_opening(stanza=stanza, opening_sk=opening_sk, **ids) == y[1]
    assert code_of(share_from_opening, stanza=stanza, opening_sk=opening_sk,
                   **{**ids, "x": 2}) == "SHARE_COMMIT"
    assert code_of(share_from_opening, stanza=stanza, opening_sk=CUSTODIANS[0][0],
                   **ids) == "SHARE_COMMIT"


def test_k_b_reaches_only_the_opening_worker() -> None:
    opening_sk, opening_pk = new_key_pair()
    submission = {"bid_id": "BID-0001", "kb_sha256": "00" * 32}
    k_b = os.urandom(32)
    stanza = kb_to_opening(k_b=k_b, submission=submission, opening_pk=opening_pk)
    assert kb_from_opening(stanza=stanza.as_json(), submission=submission,
                           opening_sk=opening_sk) == k_b
    assert code_of(kb_from_opening, stanza=stanza, submission={**submission, "bid_id": "B"},
                   opening_sk=opening_sk) == "KB_SIGNATURE"


def test_listing_key_to_an_inspector_archive() -> None:
    inspector_sk, inspector_pk = new_key_pair()
    ids: dict[str, Any] = {"inspector": "inspector:7", "kind": "docs", "listing": "ZB-2025-0001"}
    stanza = key_to_archive(listing_sk=LISTING_SK, inspector_pk=inspector_pk, **ids)
    assert key_from_archive(stanza=stanza, inspector_sk=inspector_sk, listing_pk=LISTING_PK,
                            **ids) == LISTING_SK
    assert code_of(key_from_archive, stanza=stanza, inspector_sk=inspector_sk,
                   listing_pk=LISTING_PK, **{**ids, "inspector": "inspector:8"}) == "LISTING_KEY"
    assert code_of(key_from_archive, stanza=stanza, inspector_sk=inspector_sk,
                   listing_pk=new_key_pair()[1], **ids) == "LISTING_KEY"
