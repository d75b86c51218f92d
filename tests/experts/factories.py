"""Experts, lots with a supervisor, and the supervisor's cosigner key made as a browser would."""

from __future__ import annotations

import itertools
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accounts.keys import key_register
from accounts.models import User
from audit import chain, clock
from audit.cosign import checkpoint_cosign, cosigner_name
from audit.models import Checkpoint
from experts.models import Expert, Specialty
from tests.accounts.factories import UserFactory
from tests.trading.factories import published
from trading.models import Lot

_codes = itertools.count(1)


def specialty(code: str = "A0801", name: str = "房屋建筑工程") -> Specialty:
    return Specialty.objects.get_or_create(code=code, defaults={"name": name})[0]


def expert(*, specialties=("A0801",), user=None, employer="", region="", **fields) -> Expert:
    now = clock.now()
    row = Expert.objects.create(code=fields.pop("code", f"EXP-{next(_codes):06d}"), name=fields.pop("name", "专家"),
                                user=user, employer=employer, region=region, created_at=now, updated_at=now, **fields)
    row.specialties.set([specialty(code) for code in specialties])
    return row


def experts(n: int, **fields) -> list[Expert]:
    return [expert(**fields) for _ in range(n)]


class Supervisor:
    """A supervisor with a registered cosigner key, able to cosign like the browser page does."""

    def __init__(self) -> None:
        self.user = UserFactory(role=User.Role.SUPERVISOR)
        self.key = Ed25519PrivateKey.generate()
        pk = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        key_register(by=self.user, purpose="cosigner", public_key_hex=pk.hex())
        self.public_key = pk

    def line(self, size: int, *, at: int | None = None) -> str:
        note = Checkpoint.objects.get(size=size).note
        t = at if at is not None else int(clock.now().timestamp())
        return chain.cosign(note, cosigner_name(self.user), self.key, t)[len(note):]

    def cosign(self, size: int):
        return checkpoint_cosign(by=self.user, size=size, line=self.line(size))


def lot_with_supervisor(*, kind="construction", method="open_tender", supervisor: Supervisor | None = None,
                        **kwargs) -> tuple[Lot, Supervisor]:
    supervisor = supervisor or Supervisor()
    staff = UserFactory(role=User.Role.STAFF)
    listing = published(staff=staff, kind=kind, method=method, **kwargs)
    listing.lots.update(supervisor=supervisor.user)
    return listing.lots.get(), supervisor


def fixed_price_lot(**kwargs):
    return lot_with_supervisor(kind="fixed_price", method="fixed_price_draw", budget_fen=150_000_000, days=10, **kwargs)


def later(minutes: int):
    return clock.now() + timedelta(minutes=minutes)
