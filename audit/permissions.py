import rules

from accounts.permissions import is_center_staff, is_inspector, is_supervisor

rules.add_perm("audit.browse", is_inspector)
rules.add_perm("audit.verify_chain", is_inspector)
rules.add_perm("audit.export", is_inspector)
rules.add_perm("audit.view_event", is_inspector | is_center_staff)
rules.add_perm("audit.advance_clock", is_center_staff)
rules.add_perm("audit.view_checkpoint", is_inspector | is_center_staff)
rules.add_perm("audit.cosign_checkpoint", is_supervisor)
