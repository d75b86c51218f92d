"""The demo's people: one login per role, printed by `./run demo`."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import User

# Demo only: these passwords are printed on the terminal for anyone trying the platform.
DEMO_PASSWORD = "Sunbid-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    name: str


DEMO_LOGINS = [
    DemoLogin(User.Role.STAFF, "staff", "王敏"),
    DemoLogin(User.Role.AGENT, "agent", "李静"),
    DemoLogin(User.Role.BIDDER, "bidder", "张伟"),
    DemoLogin(User.Role.SUPERVISOR, "supervisor", "陈刚"),
    DemoLogin(User.Role.INSPECTOR, "inspector", "刘洋"),
    DemoLogin(User.Role.EXPERT, "expert", "赵磊"),
]

ROLE_HINTS = {
    User.Role.STAFF: _("verify registrations, manage accounts, move demo time"),
    User.Role.AGENT: _("draft listings, hold an opening-key share"),
    User.Role.BIDDER: _("a verified bidder organisation"),
    User.Role.SUPERVISOR: _("watch bid rooms, cosign checkpoints"),
    User.Role.INSPECTOR: _("browse and verify the full-process record"),
    User.Role.EXPERT: _("answer draw calls"),
}
