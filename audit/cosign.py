"""Supervisors cosign checkpoints (chain.md §5): the draw freeze, the bid deadline, any other.

The cosigner's own system is the browser page `audit:cosign`: it checks the platform's
signature and a consistency proof from the last note this supervisor cosigned (kept in the
browser, never trusted from the server), raises a fork alarm, and signs with the key file's
Ed25519 key. The platform only checks the line it receives against the supervisor's
registered cosigner key and keeps it with the note.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.keys import key_current
from accounts.models import PublicKey
from audit import chain, clock
from audit.models import Checkpoint, Cosignature
from audit.services import actor_of, event_append
from config.errors import DomainError, NotFound, NotPermitted
from config.realtime import broadcast_on_commit

if TYPE_CHECKING:
    from accounts.models import User

# The cosignature's time t must be the platform's time within this many seconds.
MAX_SKEW_SECONDS = 600


class NoCosignerKey(DomainError):
    code = "no_cosigner_key"
    message = _("You have no registered cosigner key. Make one on the key page first; nothing was cosigned.")


class CosignatureInvalid(DomainError):
    code = "cosignature_invalid"
    message = _("The cosignature does not verify under your registered cosigner key (%(why)s). Use the key file "
                "of your current cosigner key; nothing was cosigned.")


def cosigner_name(user: User) -> str:
    """The C2SP key name of a supervisor's cosignature lines: no spaces, no "+"."""
    return f"sunbid:{settings.SUNBID_CENTER_ID}/cosigner/{user.pk}"


def cosigned_by(checkpoint: Checkpoint, user: User) -> Cosignature | None:
    return Cosignature.objects.filter(checkpoint=checkpoint, cosigner=user).first()


@transaction.atomic
def checkpoint_cosign(*, by: User, size: int, line: str) -> Cosignature:
    """Keep a supervisor's cosignature line of checkpoint `size`; idempotent per key.

    Locks the checkpoint row (cosignatures of one note are appended one at a time), then
    appends `checkpoint.cosigned` last.
    """
    if not by.has_perm("audit.cosign_checkpoint"):
        raise NotPermitted()
    checkpoint = Checkpoint.objects.select_for_update().filter(size=size).first()
    if checkpoint is None:
        raise NotFound()
    key = key_current(owner=by, purpose=PublicKey.Purpose.COSIGNER)
    if key is None:
        raise NoCosignerKey()
    name = cosigner_name(by)
    line = line.strip("\n")
    if "\n" in line:
        raise CosignatureInvalid(why="one line expected")
    try:
        note = chain.parse_note(checkpoint.note + line + "\n")
    except chain.ChainError as e:
        raise CosignatureInvalid(why=str(e)) from None
    line_name, blob = note.signatures[-1]
    pk = bytes.fromhex(key.public_key)
    if line_name != name:
        raise CosignatureInvalid(why=f"the line must be named {name}")
    t = chain.verify_cosignature(chain.Note(note.text, note.origin, note.size, note.root, note.link,
                                            [(line_name, blob)]), name, pk)
    if t is None:
        raise CosignatureInvalid(why="bad signature")
    if abs(t - int(clock.now().timestamp())) > MAX_SKEW_SECONDS:
        raise CosignatureInvalid(why="its time is more than 10 minutes from the platform's")
    existing = Cosignature.objects.filter(checkpoint=checkpoint, key=key).first()
    if existing is not None:
        return existing
    checkpoint.note = checkpoint.note + line + "\n"
    checkpoint.save(update_fields=["note"])
    row = Cosignature.objects.create(checkpoint=checkpoint, cosigner=by, key=key, name=name, timestamp=t,
                                     line=line, received_at=clock.now())
    event_append(kind="checkpoint.cosigned", actor=actor_of(by), object=f"checkpoint:{size}",
                 payload={"size": size, "root": checkpoint.root, "cosigner": name,
                          "kid": blob[:4].hex(), "t": t})
    broadcast_on_commit("checkpoints", {"type": "checkpoint.cosigned", "size": size})
    return row


def cosigner_key_entries() -> list[tuple[str, bytes]]:
    """(name, public key) of every key that cosigned a checkpoint, for keys.json's cosigners."""
    seen: dict[tuple[str, str], None] = {}
    for name, pk in Cosignature.objects.order_by("pk").values_list("name", "key__public_key"):
        seen[(name, pk)] = None
    return [(name, bytes.fromhex(pk)) for name, pk in seen]
