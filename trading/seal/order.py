"""The opening's event order (seal.md §7): the steps after the last `opening.lock`, in order."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import SealError

# Each step's rank; within a step, events repeat (one per K_b, share, rebuilt kind).
_RANK = {"opening.lock": 0, "seal.key": 1, "opening.keys_closed": 2, "opening.share": 3,
         "opening.share_rejected": 3, "opening.key_rebuilt": 4, "opening.result": 5,
         "opening.record": 6}
_ONCE = frozenset({"opening.keys_closed", "opening.result", "opening.record"})


def check_opening_order(kinds: Sequence[str]) -> None:
    """`kinds`: the listing's event kinds in chain order. Raises OPENING_ORDER when, after the
    last `opening.lock`, a step comes before an earlier one, or a one-off step repeats.
    Kinds that are no opening step are ignored.
    """
    steps = [kind for kind in kinds if kind in _RANK]
    if "opening.lock" not in steps:
        return
    last_lock = len(steps) - 1 - steps[::-1].index("opening.lock")
    rank, seen = 0, set()
    for kind in steps[last_lock + 1:]:
        if _RANK[kind] < rank or (kind in _ONCE and kind in seen):
            raise SealError("OPENING_ORDER", f"{kind} out of order")
        # A step beyond keys_closed needs it: shares come only after the K_b window (§7 step 3).
        if _RANK[kind] > 2 and "opening.keys_closed" not in seen:
            raise SealError("OPENING_ORDER", f"{kind} before opening.keys_closed")
        rank = _RANK[kind]
        seen.add(kind)
    if "opening.record" in seen and "opening.result" not in seen:
        raise SealError("OPENING_ORDER", "opening.record without opening.result")
