from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from experts import draw as engine
from experts.models import Draw
from experts.record import NoRecord, verify


class Command(BaseCommand):
    help = "Verify one draw against the full-process record, as an inspector would (draw.md §7)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("draw_id")

    def handle(self, *args: Any, draw_id: str, **options: Any) -> None:
        draw = Draw.objects.filter(draw_id=draw_id).first()
        if draw is None:
            self.stdout.write("ERROR INPUT_INVALID")
            raise SystemExit(1)
        if draw.state == Draw.State.ABANDONED:
            self.stdout.write(f"ERROR ABANDONED {draw.abandon_reason}")
            raise SystemExit(1)
        try:
            lines = verify(draw)
        except NoRecord:
            self.stdout.write(f"ERROR ORDER no result yet ({draw.state})")
            raise SystemExit(1) from None
        except engine.DrawError as e:
            self.stdout.write(f"ERROR {e.code}")
            raise SystemExit(1) from None
        self.stdout.write("\n".join(lines))
