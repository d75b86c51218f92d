"""seal.md §7's blame table: whose fault a failed envelope is, and what that means in law
(TR Art. 35: the bidder's own failure is 撤销, the deposit may be kept; anyone else's is 撤回)."""

from __future__ import annotations

from typing import NamedTuple

BIDDER = "bidder"
PLATFORM = "platform"
CUSTODIANS = "custodians"

OPENED, REVOKED, WITHDRAWN = "opened", "revoked", "withdrawn"

_FAULT = {
    "RECEIPT_INVALID": PLATFORM, "NOT_OF_RECORD": PLATFORM, "RECEIPT_MISMATCH": PLATFORM,
    "HEADER_INVALID": PLATFORM, "WRONG_RECIPIENT": PLATFORM, "KB_SIGNATURE": PLATFORM,
    "NO_BIDDER_KEY": BIDDER, "UNWRAP_BIDDER": BIDDER, "LISTING_KEY": CUSTODIANS,
    "UNWRAP_LISTING": BIDDER, "KEY_COMMIT": BIDDER, "LENGTH": BIDDER, "CHUNK": BIDDER,
    "PLAINTEXT_COMMIT": BIDDER, "FORM_INVALID": BIDDER, "OPENING_ORDER": PLATFORM,
}

# Failures found while decrypting with the rebuilt key and the bidder's own K_b: the bidder's
# sealer made them, so the bidder gets its K_l to re-check the verdict (§7 step 5).
STEP_4 = frozenset({"UNWRAP_LISTING", "KEY_COMMIT", "LENGTH", "CHUNK", "PLAINTEXT_COMMIT", "FORM_INVALID"})


class Verdict(NamedTuple):
    fault: str  # "" when opened
    outcome: str


def verdict(code: str, *, has_key_receipt: bool = False) -> Verdict:
    if not code:
        return Verdict("", OPENED)
    fault = _FAULT.get(code, PLATFORM)
    if code == "NO_BIDDER_KEY" and has_key_receipt:
        fault = PLATFORM  # the platform receipted a K_b and then lost it
    return Verdict(fault, REVOKED if fault == BIDDER else WITHDRAWN)


def bid_outcome(outcomes: list[str]) -> str:
    """A bid's outcome from its envelopes': anyone else's fault wins (the bidder keeps its
    deposit), then the bidder's own, else opened."""
    if WITHDRAWN in outcomes:
        return WITHDRAWN
    if REVOKED in outcomes:
        return REVOKED
    return OPENED
