from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.integrity import verify_database

# What each code means for the person reading the report (chain.md §7).
MEANINGS = {
    "ROW_INVALID": "a row is not canonical JSON with exactly the fields of an event",
    "SEQ_GAP": "a row was deleted or moved",
    "LEAF_MISMATCH": "the event's content was edited",
    "LINK_MISMATCH": "the chain was rebuilt from here (rows renumbered, inserted or removed)",
    "TIME_ORDER": "an event is timed earlier than the one before it",
    "CHECKPOINT_SIGNATURE": "a checkpoint does not carry a valid platform signature",
    "CHECKPOINT_FORMAT": "a checkpoint is malformed",
    "CHECKPOINT_BEYOND": "the record is shorter than a signed checkpoint: it was cut short",
    "CHECKPOINT_ROOT": "history before this checkpoint was rewritten",
    "CHECKPOINT_LINK": "history before this checkpoint was rewritten",
    "COSIGNATURE": "a cosignature does not verify",
    "DEADLINE_CHECKPOINT": "a bid deadline lacks its cosigned checkpoint",
}


class Command(BaseCommand):
    help = "Walk the full-process record and its checkpoints; name the first broken sequence number and why."

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = verify_database()
        if outcome.ok:
            self.stdout.write(f"OK size={outcome.size}")
            return
        meaning = MEANINGS.get(outcome.code, "")
        raise CommandError(f"ERROR {outcome.code} seq={outcome.seq}: {meaning}")
