"""The audit export folder of chain.md §6: audit.jsonl, checkpoints/, keys.json.

Pure (stdlib and the chain module): `manage.py export_audit` writes with it and the offline
verifier reads with it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import canonical_json
from audit import chain

AUDIT_FILE = "audit.jsonl"
CHECKPOINT_DIR = "checkpoints"
KEYS_FILE = "keys.json"
_HEX = re.compile(r"[0-9a-f]+")


class ExportError(ValueError):
    """The folder is not an audit export: a missing file, or keys.json out of shape."""


@dataclass(frozen=True)
class KeyEntry:
    name: str
    kid: bytes
    pk: bytes


@dataclass(frozen=True)
class KeysFile:
    keys: list[KeyEntry]  # platform keys, the first one first
    cosigners: list[KeyEntry]


def checkpoint_file_name(size: int, root: bytes) -> str:
    """`<size>-<first 8 hex digits of the root>.note`."""
    return f"{size}-{root.hex()[:8]}.note"


def key_entry(name: str, public_key: bytes, key_type: int) -> dict[str, str]:
    """A keys.json entry; key_type is chain.NOTE_SIGNATURE or chain.COSIGNATURE."""
    return {"name": name, "kid": chain.key_id(name, public_key, key_type).hex(), "pk": public_key.hex()}


@contextmanager
def _atomic(path: Path) -> Iterator[BinaryIO]:
    # A reader must never see half an export file: write aside, then rename.
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as f:
        yield f
    os.replace(partial, path)


def write_export(directory: Path, rows: Iterable[dict[str, Any]], notes: Iterable[str],
                 keys: list[dict[str, str]], cosigners: list[dict[str, str]]) -> int:
    """Write the layout of §6 and return the number of rows.

    `rows` are stored rows (event fields plus hex `leaf` and `link`), streamed in seq order;
    `notes` are signed checkpoint notes; `keys` and `cosigners` are `key_entry` dicts,
    platform keys first.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CHECKPOINT_DIR).mkdir(exist_ok=True)
    for note in notes:
        parsed = chain.parse_note(note)
        path = directory / CHECKPOINT_DIR / checkpoint_file_name(parsed.size, parsed.root)
        with _atomic(path) as f:
            f.write(note.encode("utf-8"))
    keys_json = {"keys": keys, "cosigners": cosigners}
    _parse_keys(keys_json)  # refuse to hand an inspector a keys.json its verifier rejects
    with _atomic(directory / KEYS_FILE) as f:
        f.write(canonical_json.dumps(keys_json) + b"\n")
    count = 0
    with _atomic(directory / AUDIT_FILE) as f:
        for row in rows:
            f.write(canonical_json.dumps(row) + b"\n")
            count += 1
    return count


def read_audit(directory: Path) -> bytes:
    """The raw bytes of audit.jsonl; the verifier splits and checks them itself."""
    path = directory / AUDIT_FILE
    if not path.is_file():
        raise ExportError(f"{path} is missing")
    return path.read_bytes()


def read_checkpoints(directory: Path) -> list[tuple[str, bytes]]:
    """(file name, raw bytes) of every `*.note` file, sorted by name."""
    folder = directory / CHECKPOINT_DIR
    if not folder.is_dir():
        return []
    return [(path.name, path.read_bytes()) for path in sorted(folder.glob("*.note")) if path.is_file()]


def _entry(item: Any, key_type: int) -> KeyEntry:
    if not isinstance(item, dict) or set(item) != {"name", "kid", "pk"}:
        raise ExportError("a keys.json entry is {name, kid, pk}")
    name, kid, pk = item["name"], item["kid"], item["pk"]
    if not (isinstance(name, str) and isinstance(kid, str) and isinstance(pk, str)
            and len(kid) == 8 and len(pk) == 64 and _HEX.fullmatch(kid) and _HEX.fullmatch(pk)):
        raise ExportError("a keys.json entry has a name, an 8-hex kid and a 64-hex pk")
    if chain.key_id(name, bytes.fromhex(pk), key_type).hex() != kid:
        raise ExportError(f"keys.json: kid {kid} is not the key ID of {name}")
    return KeyEntry(name, bytes.fromhex(kid), bytes.fromhex(pk))


def _parse_keys(value: Any) -> KeysFile:
    if not isinstance(value, dict) or set(value) != {"keys", "cosigners"} or not all(
            isinstance(value[k], list) for k in value):
        raise ExportError('keys.json is {"keys": [...], "cosigners": [...]}')
    return KeysFile([_entry(item, chain.NOTE_SIGNATURE) for item in value["keys"]],
                    [_entry(item, chain.COSIGNATURE) for item in value["cosigners"]])


def read_keys(directory: Path) -> KeysFile:
    """keys.json; it says which keys were used, not which to trust (§6)."""
    path = directory / KEYS_FILE
    try:
        value = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise ExportError(f"{path} is missing") from None
    except ValueError as e:
        raise ExportError(f"{path} is not JSON: {e}") from None
    return _parse_keys(value)
