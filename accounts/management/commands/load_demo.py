"""Fill the demo by running the same services as the pages, under a clock that moves from
four weeks ago to now, so the history and the full-process record are real."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts import services
from accounts.credit_code import check_character
from accounts.demo import DEMO_LOGINS, DEMO_PASSWORD
from accounts.demo_keys import make_demo_keys
from accounts.models import Organisation, User
from audit import clock
from audit.services import checkpoint_issue
from bidroom.demo import make_cameras
from experts import demo as experts_demo
from trading import demo as trading_demo
from trading.models import Listing


def demo_credit_code(first17: str) -> str:
    return first17 + check_character(first17)


BIDDERS = [
    # (organisation, first 17 characters of its code, contact, username, decision)
    ("阳光建设工程有限公司", "91330100MA2B00001", "张伟", "bidder", "verify"),
    ("江南路桥集团有限公司", "91330100MA2B00002", "周杰", "bidder2", "verify"),
    ("华东智能科技股份有限公司", "91330100MA2B00003", "吴芳", "bidder3", "verify"),
    ("新城园林绿化有限公司", "91330100MA2B00004", "郑丽", "bidder4", "reject"),
    ("钱塘设备供应有限公司", "91330100MA2B00005", "孙浩", "bidder5", "pending"),
]


TENDERERS = [("杭州市教育发展中心", "12330100MB0000001"), ("杭州市城市建设投资集团有限公司", "91330100MA2C00001")]


class Command(BaseCommand):
    help = "Load the demo center (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(username="staff").exists():
            self.stdout.write("Demo data already loaded; nothing to do.")
            return
        # The demo's people have made-up addresses: their notices stay in the in-app inbox.
        settings.NOTIFICATION_BACKENDS = []
        names = {login.role: login.name for login in DEMO_LOGINS}
        real_now = clock.now()
        with clock.replay(real_now - timedelta(days=40)) as time:
            staff = services.account_create(by=None, role=User.Role.STAFF, username="staff", email="staff@demo.sunbid.cn",
                                            first_name=names[User.Role.STAFF], password=DEMO_PASSWORD)
            time.advance(timedelta(hours=2))
            agency = services.organisation_create(by=staff, name="浙江正信招标代理有限公司",
                                                  credit_code=demo_credit_code("91330100MA2A00001"),
                                                  address="杭州市西湖区文三路 100 号")
            for role, username in [(User.Role.AGENT, "agent"), (User.Role.SUPERVISOR, "supervisor"),
                                   (User.Role.INSPECTOR, "inspector"), (User.Role.EXPERT, "expert")]:
                time.advance(timedelta(minutes=20))
                services.account_create(by=staff, role=role, username=username, email=f"{username}@demo.sunbid.cn",
                                        first_name=names[role], password=DEMO_PASSWORD,
                                        organisation=agency if role == User.Role.AGENT else None)
            for index, (org_name, code17, contact, username, decision) in enumerate(BIDDERS):
                time.advance(timedelta(hours=5 + index))
                bidder = services.registration_submit(
                    organisation_name=org_name, credit_code=demo_credit_code(code17), username=username,
                    email=f"{username}@demo.sunbid.cn", first_name=contact, phone=f"1380000000{index}",
                    address="浙江省杭州市", password=DEMO_PASSWORD)
                time.advance(timedelta(hours=5))
                organisation: Organisation = bidder.organisation  # type: ignore[assignment]
                if decision == "verify":
                    services.registration_verify(organisation=organisation, by=staff)
                elif decision == "reject":
                    services.registration_reject(organisation=organisation, by=staff,
                                                 reason="营业执照副本模糊，请重新上传清晰的扫描件。")
            time.advance(timedelta(hours=6))
            trading_demo.enter_provisional_years(staff)
            tenderers = [
                services.organisation_create(by=staff, name=name, credit_code=demo_credit_code(code17))
                for name, code17 in TENDERERS]
            bidders = list(User.objects.filter(role=User.Role.BIDDER, organisation__status="verified"))
            make_demo_keys([staff, *User.objects.filter(username__in=["agent", "supervisor", "inspector"]), *bidders])
            trading_demo.build(staff=staff, agent=User.objects.get(username="agent"),
                               supervisor=User.objects.get(username="supervisor"), bidders=bidders,
                               tenderers=tenderers, time=time, until=real_now - timedelta(minutes=5))
            make_cameras(staff=staff)
            experts_demo.build(staff=staff, supervisor=User.objects.get(username="supervisor"), time=time)
            checkpoint_issue()
        checkpoint = checkpoint_issue()
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {User.objects.count()} users, {Listing.objects.count()} "
                                             f"listings, {checkpoint.size} audit events, checkpoint signed."))
