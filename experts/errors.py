"""Refusals of the pool, the import and the draws, in words a clerk understands (STYLE §8)."""

from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class DrawWrongState(DomainError):
    code = "draw_wrong_state"
    message = _("This cannot be done while the draw is “%(current)s”. Nothing was changed.")


class DrawNotForLot(DomainError):
    code = "draw_not_for_lot"
    message = _("%(what)s. Nothing was created.")


class WitnessInvalid(DomainError):
    code = "witness_invalid"
    message = _("The witness must be 6 to 64 digits (0–9) read from the dice, with no spaces or other "
                "characters. Nothing was recorded; type the digits again.")


class CheckpointNotCosigned(DomainError):
    code = "checkpoint_not_cosigned"
    message = _("The witness field opens only after the supervisor has cosigned a checkpoint covering the "
                "freeze (draw record, step 3). Cosign the freeze checkpoint first; nothing was recorded.")


class RevealTooEarly(DomainError):
    code = "reveal_too_early"
    message = _("The secret of an expert draw is revealed only after the award is published, so that the "
                "names stay secret until then (Tendering Law Art. 37). Nothing was revealed.")


class CallRefused(DomainError):
    code = "call_refused"
    message = _("This step is not allowed now: %(why)s. Nothing was recorded.")


class ImportRejected(DomainError):
    code = "import_rejected"
    message = _("The file has %(bad)s row(s) with errors, so nothing was imported. Correct them, or choose "
                "“import the valid rows only”.")


class ImportUnreadable(DomainError):
    code = "import_unreadable"
    message = _("The file could not be read as CSV (UTF-8) or XLSX: %(why)s. Nothing was imported.")
