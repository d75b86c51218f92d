from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class DuplicateOrganisation(DomainError):
    code = "duplicate_organisation"
    message = _("An organisation with the unified social credit code %(code)s is already registered. "
                "If it is yours, ask its contact person to add you, or contact the center.")


class DuplicateUsername(DomainError):
    code = "duplicate_username"
    message = _("The user name %(username)s is taken. Please choose another.")


class AlreadyDecided(DomainError):
    code = "already_decided"
    message = _("This registration was already %(status)s; nothing was changed.")


class ReasonRequired(DomainError):
    code = "reason_required"
    message = _("Please give the reason for the rejection; the applicant will read it.")


class RoleNotAllowed(DomainError):
    code = "role_not_allowed"
    message = _("Staff create accounts for agents, staff, supervisors, inspectors and experts; "
                "bidders register themselves.")


class OrganisationRequired(DomainError):
    code = "organisation_required"
    message = _("An agent account needs the agent's organisation.")
