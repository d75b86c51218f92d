"""sunbid-draw/1, the verifiable random draw (../shared/specs/draw.md), and its verifier CLI.

    python -m experts.draw verify RECORD.json [--audit DIR --trusted-pk HEX --supervisor-pk HEX]

Pure: the stdlib, `cryptography`, canonical_json and the audit chain code, never Django, so
an inspector can run it outside the platform. The work lives in `experts/draw_*.py`; this
module is the one import path for services and the entry point for inspectors.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import canonical_json
from audit import chain
from experts.draw_algorithm import (DrawOutcome, Stream, candidates_hash, commit, draw,
                                    rejection_threshold, result_hash, seed, uniform)
from experts.draw_audit import OtherDraw, verify_with_audit
from experts.draw_calls import (CALL_KINDS, CallEvent, CallState, check_contact,
                                next_position_to_call, replay_calls)
from experts.draw_inputs import DrawError
from experts.draw_pool import (Freeze, candidates, check_criteria, check_rules, check_snapshot,
                               excluded_hash, freeze, manifest, match, meets_criteria,
                               pool_snapshot, pool_snapshot_hash, rules_hash)
from experts.draw_record import (DRAW_KINDS, VERSION, build_record, check_record, create_payload,
                                 freeze_payload, result_payload, reveal_payload, verify_record,
                                 witness_payload)

__all__ = ["CALL_KINDS", "DRAW_KINDS", "VERSION", "CallEvent", "CallState", "DrawError",
           "DrawOutcome", "Freeze", "OtherDraw", "Stream", "build_record", "candidates", "candidates_hash",
           "check_contact", "check_criteria", "check_record", "check_rules", "check_snapshot",
           "commit", "create_payload", "draw", "excluded_hash", "freeze", "freeze_payload",
           "main", "manifest", "match", "meets_criteria", "next_position_to_call",
           "pool_snapshot", "pool_snapshot_hash", "rejection_threshold", "replay_calls",
           "result_hash", "result_payload", "reveal_payload", "rules_hash", "seed", "uniform",
           "verify_record", "verify_with_audit", "witness_payload"]


def _read_record(path: Path) -> object:
    try:
        return canonical_json.loads(path.read_bytes())
    except (OSError, canonical_json.CanonicalJSONError) as e:
        raise DrawError("INPUT_INVALID", str(e)) from None


def _verify(args: argparse.Namespace) -> list[str]:
    """The lines to print on success; raises DrawError otherwise."""
    record = _read_record(args.record)
    if args.audit is None:
        verify_record(record)  # steps 4, 6 and 8: all a record alone can show
        others = []
    else:
        others = verify_with_audit(record, args.audit, trusted_pk=args.trusted_pk,
                                   supervisor_pk=args.supervisor_pk)
    assert isinstance(record, dict)  # check_record has made sure
    return ["OK " + " ".join(record["drawn"])] + [other.line() for other in others]


def _public_key(text: str) -> bytes:
    if not re.fullmatch("[0-9a-f]{64}", text) or not chain.ed25519_public_key_ok(bytes.fromhex(text)):
        raise argparse.ArgumentTypeError("not a strict Ed25519 public key in 64 lowercase hex digits")
    return bytes.fromhex(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m experts.draw", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="re-run a draw from its record (draw.md §7)")
    verify.add_argument("record", type=Path, metavar="RECORD.json")
    verify.add_argument("--audit", type=Path, metavar="DIR", help="the audit export (chain.md §6)")
    verify.add_argument("--trusted-pk", type=_public_key, metavar="HEX",
                        help="the platform key from the notice (else keys.json)")
    verify.add_argument("--supervisor-pk", type=_public_key, metavar="HEX",
                        help="the supervisor's cosigner key (else keys.json's cosigners)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.audit is None and (args.trusted_pk or args.supervisor_pk):
        parser.error("--trusted-pk and --supervisor-pk need --audit")
    try:
        lines = _verify(args)
    except DrawError as e:
        print(f"ERROR {e.code}")
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
