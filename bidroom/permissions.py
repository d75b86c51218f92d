import rules

from accounts.permissions import is_center_staff, is_inspector, is_supervisor

rules.add_perm("bidroom.book_room", is_center_staff)
rules.add_perm("bidroom.view_calendar", is_center_staff | is_supervisor | is_inspector)
rules.add_perm("bidroom.view_room", is_center_staff)
rules.add_perm("bidroom.change_room", is_center_staff)
rules.add_perm("bidroom.add_room", is_center_staff)
