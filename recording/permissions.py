"""Who may review, hold and export recordings (STYLE.md §4): discipline inspectors."""

import rules

from accounts.permissions import is_inspector

rules.add_perm("recording.review", is_inspector)
rules.add_perm("recording.hold", is_inspector)
rules.add_perm("recording.export", is_inspector)
