"""Refusals a clerk understands; statutory ones cite their article (RULES.md, rule 4)."""

from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class WrongStatus(DomainError):
    code = "wrong_status"
    message = _("This cannot be done while the listing is “%(current)s”. Nothing was changed.")


class RuleBroken(DomainError):
    """A statutory or center rule refuses the change; `rule` names it in the reader's language."""

    code = "rule_broken"
    message = _("%(what)s: %(rule)s requires %(requirement)s. Nothing was changed.")


class UnknownProcedure(DomainError):
    code = "unknown_procedure"
    message = _("%(kind)s cannot be run as %(method)s. Choose a method this kind of listing allows.")


class DateInPast(DomainError):
    code = "date_in_past"
    message = _("%(what)s (%(when)s) is already past. Choose a later time.")


class NonWorkingDay(DomainError):
    code = "non_working_day"
    message = _("%(what)s falls on %(day)s, which is not a working day. The center requires working days.")


class YearNotEntered(DomainError):
    code = "year_not_entered"
    message = _("The working-day calendar for %(year)s has not been entered yet, so the date cannot be "
                "computed. Center staff can enter that year's holidays and make-up working days.")


class NotVerified(DomainError):
    code = "not_verified"
    message = _("Your organisation has not been verified by the center yet, so it cannot sign up.")


class AlreadySignedUp(DomainError):
    code = "already_signed_up"
    message = _("Your organisation has already signed up for this lot.")


class SignUpClosed(DomainError):
    code = "sign_up_closed"
    message = _("Sign-up for this lot is closed. Nothing was changed.")


class ReasonRequired(DomainError):
    code = "reason_required"
    message = _("Please give the reason; it is published with the decision.")


class TooManyCandidates(DomainError):
    code = "too_many_candidates"
    message = _("At most %(limit)s ranked candidates may be recorded (%(rule)s); you gave %(count)s.")


class PublicityNotOver(DomainError):
    code = "publicity_not_over"
    message = _("The publicity period runs until %(until)s (%(rule)s); the award can follow only after it.")


class ObjectionPending(DomainError):
    code = "objection_pending"
    message = _("An objection to the candidates has not been answered yet; the award waits for the reply.")


class DocumentRefused(DomainError):
    code = "document_refused"
    message = _("The file %(name)s was refused: %(reason)s.")


class CandidateNotRegistered(DomainError):
    code = "candidate_not_registered"
    message = _("Each candidate must be a different organisation that signed up for this lot. Nothing was recorded.")


class UnknownRule(DomainError):
    code = "unknown_rule"
    message = _("There is no rule named %(name)s.")


class RuleLoosened(DomainError):
    code = "rule_loosened"
    message = _("%(rule)s requires %(requirement)s. A center may make this statutory rule stricter, never "
                "looser, so %(value)s was refused. Nothing was changed.")


class RuleValueNotPositive(DomainError):
    code = "rule_value_not_positive"
    message = _("The value of %(rule)s must be a whole number above zero. Nothing was changed.")


class NoticeRequired(DomainError):
    code = "notice_required"
    message = _("Please give the State Council notice the entry comes from; it is kept with the entry.")


class YearAlreadyEntered(DomainError):
    code = "year_already_entered"
    message = _("%(year)s is already marked as entered. Add or correct single days instead.")


class YearInPackage(DomainError):
    code = "year_in_package"
    message = _("The holiday package already has the State Council schedule for %(year)s. Marking the year as "
                "entered would replace it with ordinary weeks; correct single days instead. Nothing was changed.")


# Sealed bids -------------------------------------------------------------------------------

class SupervisorRequired(DomainError):
    code = "supervisor_required"
    message = _("A sealed-bid listing needs a supervisor: they are one of the three opening-key custodians. "
                "Choose one and publish again. Nothing was changed.")


class CustodianKeyMissing(DomainError):
    code = "custodian_key_missing"
    message = _("The listing keys cannot be made: %(names)s have not registered a custodian key yet. Each makes "
                "one on their “My keys” page, then publish again. Nothing was changed.")


class BidderKeyMissing(DomainError):
    code = "bidder_key_missing"
    message = _("Register your bidder key on the “My keys” page before sealing a bid.")


class NotSignedUp(DomainError):
    code = "not_signed_up"
    message = _("Only a bidder signed up for this lot can submit or withdraw a bid for it.")


class BiddingClosed(DomainError):
    code = "bidding_closed"
    message = _("Bids for this lot closed at %(deadline)s (platform time). Nothing was received.")


class ListingKeysMissing(DomainError):
    code = "listing_keys_missing"
    message = _("This lot takes no sealed bids: it has no listing keys.")


class EnvelopeRefused(DomainError):
    """seal.md §6: the platform's refusals, by the spec's code."""

    code = "envelope_refused"
    message = _("The envelope was refused (%(code)s): %(reason)s Nothing was kept; please seal it again.")


class UploadOffsetMismatch(DomainError):
    code = "upload_offset"
    message = _("The upload continues at byte %(expected)s, not %(offset)s. Nothing was written.")


class UploadTooLarge(DomainError):
    code = "upload_too_large"
    message = _("An envelope may be at most %(limit)s MB. Nothing was received.")


class UploadIncomplete(DomainError):
    code = "upload_incomplete"
    message = _("Only %(received)s of %(size)s bytes have arrived; send the rest first.")


class UploadClosed(DomainError):
    code = "upload_closed"
    message = _("This upload is already finished or was refused; start a new one.")


class WithdrawalRefused(DomainError):
    code = "withdrawal_refused"
    message = _("The withdrawal was refused: %(reason)s Your bid stays as it was.")


class BadRequest(DomainError):
    code = "bad_request"
    message = _("The request could not be read. Reload the page and try again.")
    http_status = 400
