"""`python -m trading.seal` (seal.md §11) as a bidder and an inspector run it: subprocesses."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import canonical_json
from trading.seal import (
    ed25519,
    fingerprint,
    make_key_file,
    make_receipt,
    measure_envelope,
    new_key_pair,
    p256,
    parse_header,
    verify_submission,
)
from trading.seal.labels import CHUNK, HEADER_SIG, TAG_SIZE

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_SEED = hashlib.sha256(b"sunbid test platform key").digest()
PLATFORM_PK = ed25519.public_key(PLATFORM_SEED)
KEY_NAME = "sunbid:test/audit"
LISTING_SK, LISTING_PK = new_key_pair()
BIDDER_SK, BIDDER_PK = new_key_pair()
PASSPHRASE = "a bidder's long passphrase 2025"
FORM = {"bid_id": "BID-0001", "bidder_name": "阳光建设有限公司", "price_fen": 128800000}
IDS = ["--listing", "ZB-2025-0001", "--bidder", "ORG-000123", "--bid-id", "BID-0001"]


def run(*args: str, passphrase: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SUNBID_PASSPHRASE"}
    if passphrase is not None:
        env["SUNBID_PASSPHRASE"] = passphrase
    return subprocess.run([sys.executable, "-m", "trading.seal", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def fails(result: subprocess.CompletedProcess[str], line: str) -> bool:
    return result.returncode == 1 and result.stdout.splitlines() == [line]


def receipt_for(envelope: Path, sig: str, path: Path, seq: int = 2) -> Path:
    parsed = parse_header(envelope.read_bytes().split(b"\n", 1)[0])
    with envelope.open("rb") as stream:
        digests = measure_envelope(stream)
    payload = {"listing": parsed.listing, "bidder": parsed.bidder, "bid_id": parsed.bid_id,
               "kind": parsed.kind, "header_sha256": parsed.sha256, "header_sig": sig,
               "envelope_sha256": digests.sha256, "envelope_size": digests.size,
               "payload_hash": digests.payload_hash, "sealer": "11" * 32}
    receipt = make_receipt(type="seal", event_payload=payload,
                           received_at=datetime(2025, 3, 1, 2, tzinfo=UTC), audit_seq=seq,
                           platform_seed=PLATFORM_SEED, key_name=KEY_NAME)
    path.write_bytes(canonical_json.dumps(receipt) + b"\n")  # as an editor would save it
    return path


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("seal-cli")


@pytest.fixture(scope="module")
def form_run(work: Path) -> dict[str, Any]:
    """seal (with a key file) → receipt → the paths the later steps use."""
    key_file = work / "bidder.key.json"
    key_file.write_bytes(make_key_file(role="bidder", owner="ORG-000123", private_key=BIDDER_SK,
                                       passphrase=PASSPHRASE))
    (work / "form.json").write_text(json.dumps(FORM, ensure_ascii=False, indent=2), "utf-8")
    result = run("seal", "--listing-pk", LISTING_PK.hex(), "--listing-pk-sha256",
                 fingerprint(LISTING_PK), "--bidder-key-file", str(key_file), *IDS,
                 "--kind", "form", str(work / "form.json"), str(work / "form.env"),
                 "--sig-out", str(work / "form.sig"), passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stdout + result.stderr
    sig = (work / "form.sig").read_text()
    return {"result": result, "key_file": key_file, "envelope": work / "form.env", "sig": sig,
            "receipt": receipt_for(work / "form.env", sig, work / "form.receipt.json")}


def test_seal_prints_the_fingerprint_and_signs_the_header(form_run: dict[str, Any]) -> None:
    assert form_run["result"].stdout.splitlines() == [fingerprint(LISTING_PK)]
    header = form_run["envelope"].read_bytes().split(b"\n", 1)[0]
    assert parse_header(header).size == 4096
    assert p256.verify(BIDDER_PK, HEADER_SIG + header, bytes.fromhex(form_run["sig"]))


def test_verify_receipt(form_run: dict[str, Any], work: Path) -> None:
    common = ["verify-receipt", "--platform-pk", PLATFORM_PK.hex(), "--key-name", KEY_NAME]
    receipt, envelope = str(form_run["receipt"]), str(form_run["envelope"])
    assert run(*common, receipt).returncode == 0
    assert run(*common, receipt, envelope).returncode == 0
    altered = work / "altered.env"
    data = bytearray(form_run["envelope"].read_bytes())
    data[-1] ^= 1
    altered.write_bytes(bytes(data))
    assert fails(run(*common, receipt, str(altered)), "ERROR RECEIPT_MISMATCH")
    forged = work / "forged.receipt.json"
    value = json.loads(form_run["receipt"].read_text())
    forged.write_bytes(canonical_json.dumps({**value, "audit_seq": 3}))
    assert fails(run(*common, str(forged)), "ERROR RECEIPT_INVALID")
    assert fails(run("verify-receipt", "--platform-pk", PLATFORM_PK.hex(), "--key-name",
                     "sunbid:other/audit", receipt), "ERROR RECEIPT_INVALID")


def test_unwrap_then_open(form_run: dict[str, Any], work: Path) -> None:
    common = ["--platform-pk", PLATFORM_PK.hex(), "--key-name", KEY_NAME,
              "--listing", "ZB-2025-0001"]
    out = work / "unwrap.json"
    result = run("unwrap", "--bidder-sk", BIDDER_SK.hex(), *common, str(form_run["envelope"]),
                 str(form_run["receipt"]), str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    unwrapped = canonical_json.loads(out.read_bytes())
    k_b = bytes.fromhex(unwrapped["k_b"])
    verify_submission(unwrapped["submission"], bidder_pk=BIDDER_PK, k_b=k_b)
    body = work / "form.out.json"
    result = run("open", "--listing-sk", LISTING_SK.hex(), "--k-b", k_b.hex(),
                 str(form_run["envelope"]), str(body))
    assert result.returncode == 0, result.stdout + result.stderr
    assert body.read_bytes() == canonical_json.dumps(FORM)
    # with the key file instead of K_b; and the header alone as HEADER
    body.unlink()
    assert run("open", "--listing-sk", LISTING_SK.hex(), "--bidder-key-file",
               str(form_run["key_file"]), str(form_run["envelope"]), str(body),
               passphrase=PASSPHRASE).returncode == 0
    assert body.read_bytes() == canonical_json.dumps(FORM)
    header_only = work / "form.header"
    header_only.write_bytes(form_run["envelope"].read_bytes().split(b"\n", 1)[0])
    _, opening_pk = new_key_pair()
    result = run("unwrap", "--bidder-sk", BIDDER_SK.hex(), *common, "--opening-pk",
                 opening_pk.hex(), str(header_only), str(form_run["receipt"]), str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(canonical_json.loads(out.read_bytes())) == {"stanza", "submission"}


def test_unwrap_refuses_an_envelope_not_of_record(form_run: dict[str, Any], work: Path) -> None:
    result = run("unwrap", "--bidder-sk", BIDDER_SK.hex(), "--platform-pk", PLATFORM_PK.hex(),
                 "--key-name", KEY_NAME, "--listing", "ZB-2025-0002",
                 str(form_run["envelope"]), str(form_run["receipt"]), str(work / "no.json"))
    assert fails(result, "ERROR NOT_OF_RECORD")
    assert not (work / "no.json").exists()


def test_docs_round_trip_and_a_cut_chunk(work: Path) -> None:
    docs = work / "docs.zip"
    body = os.urandom(2 * CHUNK + 123)
    docs.write_bytes(body)
    result = run("seal", "--listing-pk", LISTING_PK.hex(), "--bidder-sk", BIDDER_SK.hex(),
                 *IDS, "--kind", "docs", str(docs), str(work / "docs.env"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert run("open", "--listing-sk", LISTING_SK.hex(), "--bidder-sk", BIDDER_SK.hex(),
               str(work / "docs.env"), str(work / "docs.out")).returncode == 0
    assert (work / "docs.out").read_bytes() == body
    data = bytearray((work / "docs.env").read_bytes())
    header_end = data.index(b"\n") + 1
    data[header_end + CHUNK + TAG_SIZE + 5] ^= 1  # a byte of chunk 1
    (work / "bad.env").write_bytes(bytes(data))
    result = run("open", "--listing-sk", LISTING_SK.hex(), "--bidder-sk", BIDDER_SK.hex(),
                 str(work / "bad.env"), str(work / "bad.out"))
    assert fails(result, "ERROR CHUNK chunk=1")
    assert not (work / "bad.out").exists()  # nothing half-written


def test_refusals(form_run: dict[str, Any], work: Path) -> None:
    seal = ["seal", "--listing-pk", LISTING_PK.hex(), *IDS, "--kind", "form",
            str(work / "form.json"), str(work / "refused.env")]
    result = run(*seal, "--listing-pk-sha256", "00" * 32, "--bidder-sk", BIDDER_SK.hex())
    # The fingerprint is printed first, for the bidder to compare with the notice.
    assert result.returncode == 1
    assert result.stdout.splitlines() == [fingerprint(LISTING_PK), "ERROR WRONG_RECIPIENT"]
    result = run(*seal, "--bidder-key-file", str(form_run["key_file"]),
                 passphrase="not the passphrase at all")
    assert result.stdout.splitlines()[-1] == "ERROR KEY_FILE" and result.returncode == 1
    result = run(*seal, "--bidder-sk", BIDDER_SK.hex(), "--form-size", "100")
    assert result.stdout.splitlines()[-1] == "ERROR FORM_INVALID" and result.returncode == 1
    assert not (work / "refused.env").exists()
    assert fails(run("open", "--listing-sk", BIDDER_SK.hex(), "--bidder-sk", BIDDER_SK.hex(),
                     str(form_run["envelope"]), str(work / "x")), "ERROR UNWRAP_LISTING")
    assert fails(run("open", "--listing-sk", LISTING_SK.hex(), str(form_run["envelope"]),
                     str(work / "x")), "ERROR NO_BIDDER_KEY")
    assert fails(run("open", "--k-l", "00" * 32, "--k-b", "00" * 32, str(form_run["envelope"]),
                     str(work / "x")), "ERROR KEY_COMMIT")
    assert not (work / "x").exists()


def test_usage_errors_are_not_check_failures(work: Path) -> None:
    assert run("open", str(work / "missing")).returncode == 2
    assert run("open", "--k-l", "00" * 32, str(work / "missing"), str(work / "x")).returncode == 2


_THIRD_PARTY = """
import sys, sysconfig
paths = tuple({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
def third_party():
    return {name.split(".")[0] for name, module in list(sys.modules.items())
            if (getattr(module, "__file__", None) or "").startswith(paths)}
before = third_party()
import trading.seal, trading.seal.cli
assert "django" not in sys.modules
print(" ".join(sorted(third_party() - before)))
"""


def test_imports_nothing_but_cryptography() -> None:
    """§11: runs with only `cryptography` installed; what Python itself preloads (a .pth
    hook) is not the package's."""
    result = subprocess.run([sys.executable, "-c", _THIRD_PARTY], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "cryptography" in result.stdout.split()
    assert set(result.stdout.split()) <= {"cryptography", "_cffi_backend", "cffi"}


def test_importing_the_package_does_not_import_django() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import sys, trading.seal; assert 'django' not in sys.modules"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
