"""Every message has a Chinese translation: no empty or fuzzy msgstr (STYLE.md §8)."""

from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries() -> list[str]:
    return PO.read_text(encoding="utf-8").strip().split("\n\n")[1:]


def test_no_fuzzy_entries():
    assert [e for e in entries() if "#, fuzzy" in e] == []


def test_no_empty_translations():
    empty = [e for e in entries() if e.rstrip().endswith('msgstr ""') and 'msgid ""' not in e.split("\n")[-2:]]
    assert empty == []
