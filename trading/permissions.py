"""Who may act on a listing. Predicates answer who; services' guards answer when."""

import rules

from accounts.permissions import is_agent, is_bidder, is_center_staff, is_inspector, is_supervisor


@rules.predicate
def is_listing_agent(user, listing) -> bool:
    return bool(listing is not None and user.organisation_id is not None
                and user.organisation_id == listing.agent_id)


@rules.predicate
def is_verified_bidder(user) -> bool:
    organisation = getattr(user, "organisation", None)
    return organisation is not None and organisation.status == "verified"


rules.add_perm("trading.draft_listing", is_agent)
rules.add_perm("trading.edit_listing", is_agent & is_listing_agent)
rules.add_perm("trading.publish_listing", is_center_staff)
rules.add_perm("trading.manage_listing", is_center_staff)
rules.add_perm("trading.clarify_listing", is_agent & is_listing_agent)
rules.add_perm("trading.answer_question", is_agent & is_listing_agent)
rules.add_perm("trading.ask_question", is_bidder)
rules.add_perm("trading.sign_up", is_bidder & is_verified_bidder)
# Who signed up, and how many, is secret (TL Art. 22): staff and supervisors only.
rules.add_perm("trading.view_registrations", is_center_staff | is_supervisor)
rules.add_perm("trading.confirm_deposit", is_center_staff)
rules.add_perm("trading.record_result", is_center_staff)
rules.add_perm("trading.raise_objection", is_bidder)
rules.add_perm("trading.reply_objection", is_center_staff | (is_agent & is_listing_agent))
rules.add_perm("trading.view_history", is_center_staff | is_supervisor | is_inspector | (is_agent & is_listing_agent))
rules.add_perm("trading.view_due", is_center_staff | is_supervisor)
rules.add_perm("trading.edit_calendar", is_center_staff)
rules.add_perm("trading.edit_rules", is_center_staff)
