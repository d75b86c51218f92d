import rules

from accounts.permissions import is_center_staff, is_inspector, is_supervisor

rules.add_perm("bidroom.book_room", is_center_staff)
rules.add_perm("bidroom.view_calendar", is_center_staff | is_supervisor | is_inspector)
rules.add_perm("bidroom.view_room", is_center_staff)
rules.add_perm("bidroom.change_room", is_center_staff)
rules.add_perm("bidroom.add_room", is_center_staff)

# Live video: the same predicate for the pages and the socket (bidders, experts, the public never).
rules.add_perm("bidroom.watch_room", is_center_staff | is_supervisor | is_inspector)
rules.add_perm("bidroom.manage_cameras", is_center_staff)
rules.add_perm("bidroom.view_camera", is_center_staff)
rules.add_perm("bidroom.view_gap", is_center_staff)
