"""What each seal.md code means, in words a clerk and a bidder understand (zh-hans and en)."""

from django.utils.translation import gettext_lazy as _

REASONS = {
    "HEADER_INVALID": _("its header is malformed, names another lot, bid or envelope kind, or its signature does "
                        "not verify with your registered bidder key."),
    "WRONG_RECIPIENT": _("it is not sealed to this lot's published listing key and your registered bidder key."),
    "LENGTH": _("its length does not match what its header declares."),
    "NOTHING_TO_WITHDRAW": _("there is no envelope of record to withdraw."),
    "WITHDRAWAL_INVALID": _("the request is not signed by your registered bidder key."),
    "WITHDRAWAL_STALE": _("it does not name exactly your envelopes of record; reload the page and try again."),
    "DEADLINE": _("it arrived after the deadline."),
}


def refusal_reason(code: str) -> str:
    return str(REASONS.get(code, code))
