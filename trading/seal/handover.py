"""Secrets in transit at the opening (seal.md §7): K_b and shares go only to the opening
worker's one-time key (role `opening`), d only to inspectors (role `archive`), each stanza
bound by its aad to what it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import canonical_json

from . import p256
from .errors import SealError
from .labels import Kind
from .stanza import Stanza, make_stanza, unwrap_stanza


def _share_aad(*, custodian: str, kind: Kind, listing: str, x: int) -> bytes:
    return canonical_json.dumps({"custodian": custodian, "kind": kind, "listing": listing,
                                 "x": x})


def _archive_aad(*, inspector: str, kind: Kind, listing: str) -> bytes:
    return canonical_json.dumps({"inspector": inspector, "kind": kind, "listing": listing})


def kb_to_opening(*, k_b: bytes, submission: Mapping[str, Any], opening_pk: bytes,
                  ephemeral_sk: bytes | None = None) -> Stanza:
    """K_b for the opening worker, aad = CJ(S)."""
    return make_stanza(k_b, opening_pk, role="opening", aad=canonical_json.dumps(submission),
                       ephemeral_sk=ephemeral_sk)


def kb_from_opening(*, stanza: Stanza | Mapping[str, Any], submission: Mapping[str, Any],
                    opening_sk: bytes) -> bytes:
    """The worker's side: a stanza not made for this S is refused (KB_SIGNATURE)."""
    return unwrap_stanza(stanza, opening_sk, role="opening", aad=canonical_json.dumps(submission),
                         code="KB_SIGNATURE")


def share_to_opening(*, y: bytes, x: int, custodian: str, kind: Kind, listing: str,
                     opening_pk: bytes) -> Stanza:
    """Custodian x's y for the opening worker, aad = CJ({custodian, kind, listing, x})."""
    return make_stanza(y, opening_pk, role="opening",
                       aad=_share_aad(custodian=custodian, kind=kind, listing=listing, x=x))


def share_from_opening(*, stanza: Stanza | Mapping[str, Any], x: int, custodian: str,
                       kind: Kind, listing: str, opening_sk: bytes) -> bytes:
    """The worker's side; a stanza for another share is refused like a bad share
    (SHARE_COMMIT). Check y against c_x next (`ShareCollector.add`).
    """
    return unwrap_stanza(stanza, opening_sk, role="opening",
                         aad=_share_aad(custodian=custodian, kind=kind, listing=listing, x=x),
                         code="SHARE_COMMIT")


def key_to_archive(*, listing_sk: bytes, inspector: str, inspector_pk: bytes, kind: Kind,
                   listing: str) -> Stanza:
    """d for an inspector's archive after the result (§7 step 5)."""
    return make_stanza(listing_sk, inspector_pk, role="archive",
                       aad=_archive_aad(inspector=inspector, kind=kind, listing=listing))


def key_from_archive(*, stanza: Stanza | Mapping[str, Any], inspector: str, kind: Kind,
                     listing: str, inspector_sk: bytes, listing_pk: bytes) -> bytes:
    """The inspector's side: d, checked against the listing key (else LISTING_KEY)."""
    d = unwrap_stanza(stanza, inspector_sk, role="archive",
                      aad=_archive_aad(inspector=inspector, kind=kind, listing=listing),
                      code="LISTING_KEY")
    if p256.public_of(d) != listing_pk:
        raise SealError("LISTING_KEY", "d·G is not the listing key")
    return d
