from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.demo import DEMO_LOGINS, DEMO_PASSWORD, ROLE_HINTS
from accounts.demo_keys import DEMO_KEY_PASSPHRASE, demo_keys_dir
from accounts.models import User


class Command(BaseCommand):
    help = "Print the demo's address and one login per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--address", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, address: str, **options: Any) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Sunbid demo is running at {address}"))
        self.stdout.write(f"Every demo login uses the password: {DEMO_PASSWORD}")
        for login in DEMO_LOGINS:
            label = User.Role(login.role).label
            self.stdout.write(f"  {login.role:<11} {login.username:<11} {login.name}  ({label}: {ROLE_HINTS[login.role]})")
        self.stdout.write(f"Their key files (to bid, hold shares, cosign): {demo_keys_dir()}/, "
                          f"passphrase: {DEMO_KEY_PASSPHRASE}")
        self.stdout.write("")
