"""Who may do what: one `rules` predicate per action (STYLE.md §4). Services check them."""

import rules

from accounts.models import User


def _has_role(role: str) -> rules.Predicate:
    @rules.predicate(name=f"is_{role}")
    def predicate(user: User) -> bool:
        return bool(user.is_authenticated and user.is_active and user.role == role)

    return predicate


is_bidder = _has_role(User.Role.BIDDER)
is_agent = _has_role(User.Role.AGENT)
is_center_staff = _has_role(User.Role.STAFF)
is_supervisor = _has_role(User.Role.SUPERVISOR)
is_inspector = _has_role(User.Role.INSPECTOR)
is_expert = _has_role(User.Role.EXPERT)

rules.add_perm("accounts.verify_registration", is_center_staff)
rules.add_perm("accounts.manage_accounts", is_center_staff)

# Django admin, reference data only: staff see and edit organisations and users.
for action in ("view", "change"):
    rules.add_perm(f"accounts.{action}_organisation", is_center_staff)
    rules.add_perm(f"accounts.{action}_user", is_center_staff)
