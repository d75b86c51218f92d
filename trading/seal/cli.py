"""`python -m trading.seal` (seal.md §11): seal, unwrap, open, verify-receipt.

Exit 0 on success; on a failed check exit 1 with the one line `ERROR <CODE>` (plus
` chunk=<i>`) on stdout and the detail on stderr. Usage and file-system errors are no
check's outcome: argparse's exit 2.
"""

from __future__ import annotations

import argparse
import getpass
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import canonical_json

from .bidder import unwrap_for_opening
from .digest import fingerprint
from .envelope_open import open_envelope
from .envelope_seal import seal_envelope
from .errors import Code, SealError
from .form import pad_form
from .header import parse_header, read_header_line
from .keyfile import read_key_file
from .receipts import verify_receipt


def _hex(value: str, size: int | None, code: Code, what: str) -> bytes:
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise SealError(code, f"{what} is not hex") from None
    if size is not None and len(data) != size:
        raise SealError(code, f"{what} is not {size} bytes")
    return data


def _json_file(path: str) -> bytes:
    """A JSON file's bytes, without the one 0x0A an editor or shell may have added."""
    data = Path(path).read_bytes()
    return data[:-1] if data.endswith(b"\n") else data


def _bidder_sk(args: argparse.Namespace) -> bytes:
    if args.bidder_sk is not None:
        return _hex(args.bidder_sk, 32, "KEY_FILE", "--bidder-sk")
    passphrase = os.environ.get("SUNBID_PASSPHRASE")
    if passphrase is None:
        passphrase = getpass.getpass("Passphrase for the bidder key file: ")
    return read_key_file(_json_file(args.bidder_key_file), passphrase, role="bidder").private_key


@contextmanager
def _replacing(path: str) -> Iterator[BinaryIO]:
    """A scratch file that becomes `path` only if the block succeeds: nothing half-written."""
    target = Path(path)
    descriptor, scratch = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(descriptor, "w+b") as handle:
            yield handle
        os.replace(scratch, target)
    except BaseException:
        os.unlink(scratch)
        raise


def _form_body(path: str, form_size: int) -> bytes:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({key for key, _ in pairs}) != len(pairs):
            raise ValueError("duplicate key")
        return dict(pairs)

    def no_float(token: str) -> Any:
        raise ValueError(f"{token}: amounts are integer fen")

    try:
        form = json.loads(Path(path).read_bytes().decode("utf-8"),
                          object_pairs_hook=no_duplicates, parse_float=no_float)
        return pad_form(form, form_size)
    except ValueError as e:  # UnicodeDecodeError and JSONDecodeError included
        raise SealError("FORM_INVALID", str(e)) from None


def cmd_seal(args: argparse.Namespace) -> None:
    listing_pk = _hex(args.listing_pk, 65, "WRONG_RECIPIENT", "--listing-pk")
    listing_fp = fingerprint(listing_pk)
    print(listing_fp, flush=True)  # shown, so the bidder compares it with the notice
    if args.listing_pk_sha256 is not None and args.listing_pk_sha256.lower() != listing_fp:
        raise SealError("WRONG_RECIPIENT", "the listing key is not the notice's")
    bidder_sk = _bidder_sk(args)
    body: BinaryIO = open(args.IN, "rb") if args.kind == "docs" \
        else io.BytesIO(_form_body(args.IN, args.form_size))  # noqa: SIM115 - closed below
    with body, _replacing(args.OUT) as out:
        sealed = seal_envelope(body, out, listing=args.listing, bidder=args.bidder,
                               bid_id=args.bid_id, kind=args.kind, listing_pk=listing_pk,
                               bidder_sk=bidder_sk)
    if args.sig_out is not None:
        Path(args.sig_out).write_text(sealed.header_sig.hex(), encoding="ascii")


def cmd_unwrap(args: argparse.Namespace) -> None:
    with open(args.HEADER, "rb") as source:
        header = parse_header(read_header_line(source, bare=True))
    result = unwrap_for_opening(
        header=header, receipts=[_json_file(path) for path in args.RECEIPT],
        listing=args.listing, key_name=args.key_name, bidder_sk=_bidder_sk(args),
        platform_pk=_hex(args.platform_pk, 32, "RECEIPT_INVALID", "--platform-pk"),
        opening_pk=None if args.opening_pk is None
        else _hex(args.opening_pk, 65, "WRONG_RECIPIENT", "--opening-pk"))
    Path(args.OUT).write_bytes(canonical_json.dumps(result))


def cmd_open(args: argparse.Namespace) -> None:
    keys: dict[str, bytes] = {}
    if args.listing_sk is not None:
        keys["listing_sk"] = _hex(args.listing_sk, 32, "UNWRAP_LISTING", "--listing-sk")
    else:
        keys["k_l"] = _hex(args.k_l, 32, "UNWRAP_LISTING", "--k-l")
    if args.k_b is not None:
        keys["k_b"] = _hex(args.k_b, 32, "UNWRAP_BIDDER", "--k-b")
    elif args.bidder_sk is not None or args.bidder_key_file is not None:
        keys["bidder_sk"] = _bidder_sk(args)
    with open(args.IN, "rb") as envelope, _replacing(args.OUT) as out:
        open_envelope(envelope, out, **keys)


def cmd_verify_receipt(args: argparse.Namespace) -> None:
    platform_pk = _hex(args.platform_pk, 32, "RECEIPT_INVALID", "--platform-pk")
    receipt = _json_file(args.RECEIPT)
    if args.ENVELOPE is None:
        verify_receipt(receipt, platform_pk=platform_pk, key_name=args.key_name)
        return
    with open(args.ENVELOPE, "rb") as envelope:
        verify_receipt(receipt, platform_pk=platform_pk, key_name=args.key_name,
                       envelope=envelope)


def _bidder_key_options(parser: argparse.ArgumentParser, *, required: bool,
                        k_b: bool = False) -> None:
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument("--bidder-key-file", metavar="FILE")
    group.add_argument("--bidder-sk", metavar="HEX")
    if k_b:
        group.add_argument("--k-b", metavar="HEX")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m trading.seal",
                                     description="sunbid-seal/1 envelopes (seal.md §11)")
    commands = parser.add_subparsers(dest="command", required=True)

    seal = commands.add_parser("seal", help="seal a bid form (JSON) or documents")
    seal.add_argument("--listing-pk", metavar="HEX", required=True)
    seal.add_argument("--listing-pk-sha256", metavar="HEX")
    _bidder_key_options(seal, required=True)
    seal.add_argument("--listing", metavar="CODE", required=True)
    seal.add_argument("--bidder", metavar="ID", required=True)
    seal.add_argument("--bid-id", metavar="ID", required=True)
    seal.add_argument("--kind", choices=("form", "docs"), required=True)
    seal.add_argument("--form-size", metavar="N", type=int, default=4096)
    seal.add_argument("--sig-out", metavar="FILE")
    seal.add_argument("IN")
    seal.add_argument("OUT")
    seal.set_defaults(run=cmd_seal)

    unwrap = commands.add_parser("unwrap", help="unwrap K_b for the opening (§7 step 2)")
    _bidder_key_options(unwrap, required=True)
    unwrap.add_argument("--platform-pk", metavar="HEX", required=True)
    unwrap.add_argument("--key-name", metavar="NAME", required=True)
    unwrap.add_argument("--listing", metavar="CODE", required=True)
    unwrap.add_argument("--opening-pk", metavar="HEX")
    unwrap.add_argument("HEADER")
    unwrap.add_argument("RECEIPT", nargs="+")
    unwrap.add_argument("OUT")
    unwrap.set_defaults(run=cmd_unwrap)

    open_ = commands.add_parser("open", help="open an envelope")
    listing_key = open_.add_mutually_exclusive_group(required=True)
    listing_key.add_argument("--listing-sk", metavar="HEX")
    listing_key.add_argument("--k-l", metavar="HEX")
    _bidder_key_options(open_, required=False, k_b=True)
    open_.add_argument("IN")
    open_.add_argument("OUT")
    open_.set_defaults(run=cmd_open)

    verify = commands.add_parser("verify-receipt", help="verify a receipt, and its envelope")
    verify.add_argument("--platform-pk", metavar="HEX", required=True)
    verify.add_argument("--key-name", metavar="NAME", required=True)
    verify.add_argument("RECEIPT")
    verify.add_argument("ENVELOPE", nargs="?")
    verify.set_defaults(run=cmd_verify_receipt)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], None] = args.run
    try:
        run(args)
    except SealError as e:
        print(e.line(), flush=True)
        print(str(e), file=sys.stderr)
        return 1
    except OSError as e:
        parser.exit(2, f"{parser.prog}: {e}\n")
    return 0
