"""The listing key's custody (seal.md §9, §7 step 3): split d into share files, check the
shares custodians send back, and rebuild d only from k good ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import canonical_json

from . import p256, shamir
from .errors import SealError
from .fields import exact_keys, failing_as, integer, load_object, text, unhex
from .labels import KINDS, SHARE, SHARE_VERSION, Kind
from .stanza import make_stanza, parse_stanza, unwrap_stanza

_FILE = frozenset({"v", "listing", "kind", "pk", "k", "n", "x", "custodian", "stanza"})
_EVENT = frozenset({"listing", "kind", "pk", "k", "n", "shares"})
_EVENT_SHARE = frozenset({"x", "custodian", "commit"})


@dataclass(frozen=True)
class ListingKeySplit:
    event: dict[str, Any]  # the `listing.key` payload, commitments included
    share_files: list[dict[str, Any]]  # one per custodian, x = 1 … n in order


@dataclass(frozen=True)
class Share:
    listing: str
    kind: Kind
    pk: bytes
    k: int
    n: int
    x: int
    custodian: str
    y: bytes


def share_commit(pk: bytes, x: int, y: bytes) -> str:
    """c_x = hex SHA-256("sunbid-seal/1 share" ‖ pk ‖ u8(x) ‖ y_x)."""
    return hashlib.sha256(SHARE + pk + bytes([x]) + y).hexdigest()


def make_share_file(*, listing: str, kind: Kind, pk: bytes, k: int, n: int, x: int,
                    custodian: str, custodian_pk: bytes, y: bytes,
                    ephemeral_sk: bytes | None = None) -> dict[str, Any]:
    """Custodian x's file: y_x wrapped to its registered key, aad = CJ(file without stanza)."""
    unwrapped = canonical_json.normalize({"v": SHARE_VERSION, "listing": listing, "kind": kind,
                                          "pk": pk.hex(), "k": k, "n": n, "x": x,
                                          "custodian": custodian})
    stanza = make_stanza(y, custodian_pk, role="share", aad=canonical_json.dumps(unwrapped),
                         ephemeral_sk=ephemeral_sk)
    return {**unwrapped, "stanza": stanza.as_json()}


def split_listing_key(*, listing: str, kind: Kind, listing_sk: bytes,
                      custodians: Sequence[tuple[str, bytes]], k: int = 2,
                      coefficients: Sequence[bytes] | None = None) -> ListingKeySplit:
    """Split d k-of-n among `custodians` ((id, registered pk), x = 1 … n in order)."""
    pk = p256.point_bytes(p256.private_key(listing_sk))
    n = len(custodians)
    ys = shamir.split(listing_sk, k, n, coefficients)
    files, entries = [], []
    for x, ((custodian, custodian_pk), y) in enumerate(zip(custodians, ys, strict=True), 1):
        files.append(make_share_file(listing=listing, kind=kind, pk=pk, k=k, n=n, x=x,
                                     custodian=custodian, custodian_pk=custodian_pk, y=y))
        entries.append({"x": x, "custodian": custodian, "commit": share_commit(pk, x, y)})
    event = {"listing": listing, "kind": kind, "pk": pk.hex(), "k": k, "n": n,
             "shares": entries}
    return ListingKeySplit(canonical_json.normalize(event), files)


def _threshold(k: object, n: object) -> tuple[int, int]:
    k, n = integer(k, 1, "k"), integer(n, 1, "n")
    if not k <= n <= 255:
        raise ValueError("shares need 1 ≤ k ≤ n ≤ 255")
    return k, n


def read_share_file(share_file: bytes | Mapping[str, Any], *, custodian_sk: bytes,
                    commit: str | None = None) -> Share:
    """Unwrap a custodian's share and, given `listing.key`'s c_x, check it (else SHARE_COMMIT)."""
    with failing_as("SHARE_COMMIT"):
        raw = load_object(share_file, "share file") if isinstance(share_file, bytes) \
            else share_file
        value = exact_keys(raw, _FILE, "share file")
        if value["v"] != SHARE_VERSION or value["kind"] not in KINDS:
            raise ValueError("not a sunbid-share/1 file of a form or docs key")
        k, n = _threshold(value["k"], value["n"])
        x = integer(value["x"], 1, "x")
        if x > n:
            raise ValueError("x is above n")
        pk = unhex(value["pk"], 65, "pk")
        p256.public_key(pk)
        stanza = parse_stanza(value["stanza"])
        unwrapped = {name: item for name, item in value.items() if name != "stanza"}
        aad = canonical_json.dumps(unwrapped)
        listing = text(value["listing"], "listing")
        custodian = text(value["custodian"], "custodian")
    y = unwrap_stanza(stanza, custodian_sk, role="share", aad=aad, code="SHARE_COMMIT")
    if commit is not None and share_commit(pk, x, y) != commit:
        raise SealError("SHARE_COMMIT", f"share {x} does not match its commitment")
    return Share(listing, cast(Kind, value["kind"]), pk, k, n, x, custodian, y)


def rebuild_listing_key(*, pk: bytes, k: int, shares: Sequence[tuple[int, bytes]]) -> bytes:
    """d from at least k accepted shares (x, y); 0 < d < order and d·G = pk, else LISTING_KEY."""
    xs = [x for x, _ in shares]
    if len(set(xs)) != len(xs):
        raise SealError("SHARE_DUPLICATE", "two shares have one x")
    if len(shares) < k:
        raise SealError("LISTING_KEY", f"{len(shares)} shares, {k} needed")
    try:
        d = shamir.combine(shares)
    except ValueError as e:
        raise SealError("LISTING_KEY", str(e)) from None
    if p256.public_of(d) != pk:
        raise SealError("LISTING_KEY", "d is out of range, or d·G is not the listing key")
    return d


class ShareCollector:
    """The opening's step 3 for one listing key: take shares as they come, rebuild at k."""

    def __init__(self, listing_key_event: Mapping[str, Any]) -> None:
        with failing_as("LISTING_KEY"):
            event = exact_keys(listing_key_event, _EVENT, "listing.key")
            self.k, n = _threshold(event["k"], event["n"])
            self.pk = unhex(event["pk"], 65, "pk")
            if not isinstance(event["shares"], list):
                raise ValueError("shares is not a list")
            entries = [exact_keys(entry, _EVENT_SHARE, "shares[]") for entry in event["shares"]]
            self.commits = {integer(e["x"], 1, "x"): e["commit"] for e in entries}
            if sorted(self.commits) != list(range(1, n + 1)):
                raise ValueError("shares are not x = 1 … n")
        self.accepted: dict[int, bytes] = {}

    def add(self, *, x: int, y: bytes) -> None:
        """Accept share x, or refuse it: SHARE_COMMIT if y fails c_x, SHARE_DUPLICATE if x was
        already given.
        """
        commit = self.commits.get(x)
        if commit is None or share_commit(self.pk, x, y) != commit:
            raise SealError("SHARE_COMMIT", f"share {x} does not match its commitment")
        if x in self.accepted:
            raise SealError("SHARE_DUPLICATE", f"share {x} was already given")
        self.accepted[x] = y

    def rebuild(self) -> bytes:
        return rebuild_listing_key(pk=self.pk, k=self.k, shares=sorted(self.accepted.items()))
