"""The one failure type of the seal package, carrying a code of seal.md §7."""

from __future__ import annotations

from typing import Literal, get_args

# seal.md §7's table, plus OPENING_ORDER; the CLI prints only these.
Code = Literal[
    "RECEIPT_INVALID", "NOT_OF_RECORD", "RECEIPT_MISMATCH", "HEADER_INVALID", "WRONG_RECIPIENT",
    "KB_SIGNATURE", "KEY_FILE", "NO_BIDDER_KEY", "UNWRAP_BIDDER", "SHARE_COMMIT",
    "SHARE_DUPLICATE", "LISTING_KEY", "UNWRAP_LISTING", "KEY_COMMIT", "LENGTH", "CHUNK",
    "PLAINTEXT_COMMIT", "FORM_INVALID", "OPENING_ORDER",
    # Refusals the spec requires but gives no §7 code: the platform's checks of a withdrawal
    # request (§6) and a creator's passphrase policy (§9). The CLI never prints them.
    "WITHDRAWAL_INVALID", "PASSPHRASE_WEAK",
]
CODES: frozenset[str] = frozenset(get_args(Code))


class SealError(Exception):
    """A check failed; `code` says which (§7), `chunk` is the failing chunk index for CHUNK."""

    def __init__(self, code: Code, detail: str = "", chunk: int | None = None) -> None:
        assert code in CODES, code
        assert (chunk is not None) == (code == "CHUNK"), "a chunk index goes with CHUNK only"
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code: Code = code
        self.detail = detail
        self.chunk = chunk

    def line(self) -> str:
        """The CLI's one-line report (§11)."""
        return f"ERROR {self.code}" + (f" chunk={self.chunk}" if self.chunk is not None else "")
