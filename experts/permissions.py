"""Who may act on the pool and on draws. Predicates answer who; services' guards answer when."""

import rules

from accounts.permissions import is_bidder, is_center_staff, is_expert, is_inspector, is_supervisor


@rules.predicate
def is_lot_supervisor(user, draw) -> bool:
    return draw is not None and draw.lot.supervisor_id is not None and draw.lot.supervisor_id == user.pk


rules.add_perm("experts.manage_pool", is_center_staff)
rules.add_perm("experts.run_draw", is_center_staff)
rules.add_perm("experts.witness_draw", is_supervisor & is_lot_supervisor)
rules.add_perm("experts.view_room", is_center_staff | (is_supervisor & is_lot_supervisor) | is_inspector)
# The snapshot, the manifest and the names before the award: inspectors only (draw.md §5).
rules.add_perm("experts.view_names", is_inspector)
rules.add_perm("experts.export_draw", is_inspector)
rules.add_perm("experts.reply_call", is_expert | is_bidder)

# Django admin: the pool is reference data staff keep; draws are read-only and nameless there.
for model in ("expert", "specialty", "penalty", "formeremployer", "relativeorganisation", "avoidancesettings"):
    for action in ("view", "add", "change"):
        rules.add_perm(f"experts.{action}_{model}", is_center_staff)
rules.add_perm("experts.view_draw", is_center_staff | is_inspector)
