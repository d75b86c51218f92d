"""The bid-opening record PDF: same record, same bytes (they are signed); Chinese text
embedded and extractable; many rows flow onto pages that repeat the heading row."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from trading import opening_pdf
from trading.opening_pdf import OpeningFontMissing, render_opening_record

REPO = Path(__file__).resolve().parents[2]
OUTCOMES = ("开标", "撤销（投标人原因）", "撤回（平台原因）")
# A real checkpoint's base64 lines are long and have no spaces: this one is 344 characters.
CHECKPOINT = "\n".join([
    "sunbid checkpoint \u2014 audit chain \u2014 seq 123",
    "head " + hashlib.sha256(b"head").hexdigest(),
    "sig " + "QUJD" * 86,
])


def _hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _row(index: int) -> dict[str, Any]:
    opened = index % 3 == 0
    return {
        "no": index + 1,
        "bidder": f"阳光建设有限公司{index + 1:02d}",
        "credit_code": f"91350100M0001{index:02d}Y3T",
        "bid_id": f"BID-{index:04d}",
        "price": f"{1_234_567.89 + index * 1000:,.2f} 元" if opened else "",
        "duration": "180 天" if opened else "",
        "remarks": "质保期两年，含安装调试",
        "form_code": "opened" if opened else "KEY_COMMIT",
        "docs_code": "docs_ok" if opened else "",
        "outcome": OUTCOMES[index % 3],
        "envelope_sha256": _hex(f"envelope {index}"),
        "receipt_sha256": _hex(f"receipt {index}"),
    }


def _record(rows: int, **changes: Any) -> dict[str, Any]:
    return {
        "generated_at": "2026-11-23T08:00:00.000000Z",
        "center": "某市公共资源交易中心",
        "title": "开标记录表",
        "listing": {"code": "ZB-2026-0007", "title": "市第一中学教学楼改造工程施工",
                    "lot_code": "ZB-2026-0007-1", "lot_title": "土建及安装",
                    "tenderer": "某市第一中学", "agent": "某某招标代理有限公司",
                    "deadline": "2026-11-23 10:00:00", "opened_at": "2026-11-23 10:42:13",
                    "budget": "1,288,000.00 元"},
        "checkpoint": CHECKPOINT,
        "lock": {"seq": 123, "opening_pk_fingerprint": _hex("opening pk")},
        "rows": [_row(index) for index in range(rows)],
        "custodians": ["张三（代理机构）", "李四（中心工作人员）"],
        "supervisors": ["王五"],
        **changes,
    }


def _compact(text: str) -> str:
    # pypdf reads fpdf2's embedded CID encoding as one-byte codes: its text has a NUL and a
    # space between glyphs (poppler and viewers read it right). Compare without them.
    return "".join(text.replace("\x00", "").split())


def _page_texts(pdf: bytes) -> list[str]:
    return [_compact(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def three_rows() -> bytes:
    return render_opening_record(_record(3))


@pytest.fixture(scope="module")
def forty_rows() -> bytes:
    return render_opening_record(_record(40))


def test_same_record_renders_identical_bytes(three_rows: bytes) -> None:
    assert render_opening_record(_record(3)) == three_rows


def test_bytes_do_not_depend_on_the_process(forty_rows: bytes) -> None:
    # Another interpreter with another hash seed: set order must not leak into the file.
    script = ("import hashlib, json, sys; from trading.opening_pdf import render_opening_record; "
              "print(hashlib.sha256(render_opening_record(json.load(sys.stdin))).hexdigest())")
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps(_record(40)), cwd=REPO,
                          env={**os.environ, "PYTHONHASHSEED": "12345"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == hashlib.sha256(forty_rows).hexdigest()


def test_a_later_generated_at_changes_the_bytes(three_rows: bytes) -> None:
    later = render_opening_record(_record(3, generated_at="2026-11-23T08:00:01.000000Z"))
    assert later != three_rows


def test_record_parses_and_shows_its_chinese_text(three_rows: bytes) -> None:
    assert three_rows.startswith(b"%PDF-")
    text = "".join(_page_texts(three_rows))
    record = _record(3)
    expected = [record["center"], record["title"], record["listing"]["lot_code"],
                record["listing"]["opened_at"], CHECKPOINT.splitlines()[0], *record["custodians"]]
    for row in record["rows"]:
        expected += [row["bidder"], row["credit_code"], row["outcome"], row["envelope_sha256"],
                     row["receipt_sha256"]] + ([row["price"]] if row["price"] else [])
    for needle in expected:
        assert _compact(needle) in text, needle


def test_long_checkpoint_lines_wrap_without_losing_a_character(three_rows: bytes) -> None:
    fragments: list[str] = []  # one per text-showing operation, i.e. per printed line
    for page in PdfReader(io.BytesIO(three_rows)).pages:
        page.extract_text(visitor_text=lambda text, *_: fragments.append(_compact(text)))
    long_line = _compact(CHECKPOINT.splitlines()[-1])
    assert long_line in "".join(fragments)  # every character is there, in order
    assert not any(long_line in fragment for fragment in fragments)  # but not on one line


def test_forty_rows_flow_onto_pages_that_repeat_the_heading_row(forty_rows: bytes) -> None:
    pages = _page_texts(forty_rows)
    assert len(pages) > 1
    text = "".join(pages)
    for row in _record(40)["rows"]:
        assert _compact(row["bidder"]) in text
    assert all("Bidprice" in page for page in pages[:2])
    assert "第2页/共" + str(len(pages)) + "页" in pages[1]


def test_labels_replace_the_default_headings() -> None:
    text = "".join(_page_texts(render_opening_record(_record(1, labels={"price": "Offer"}))))
    assert "Offer" in text
    assert "Bidprice" not in text


def test_font_is_embedded_as_a_small_subset(forty_rows: bytes) -> None:
    assert len(forty_rows) < 1_000_000
    fonts = PdfReader(io.BytesIO(forty_rows)).pages[0]["/Resources"]["/Font"]
    for font in fonts.values():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        assert "+" in descendant["/BaseFont"]  # a subset's name carries a tag
        assert "/FontFile3" in descendant["/FontDescriptor"]  # the CFF outlines travel with it


def test_missing_font_file_names_the_debian_package() -> None:
    with pytest.raises(OpeningFontMissing, match="fonts-noto-cjk"):
        render_opening_record(_record(1), font_path="/nonexistent/NotoSansCJK-Regular.ttc")


def test_no_known_font_path_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opening_pdf, "FONT_PATHS", ("/nonexistent/a.ttc", "/nonexistent/b.otf"))
    with pytest.raises(OpeningFontMissing, match="fonts-noto-cjk"):
        render_opening_record(_record(1))


def test_generated_at_without_offset_is_refused() -> None:
    # A naive time would be read in the server's zone: two servers, two different files.
    with pytest.raises(ValueError, match="UTC offset"):
        render_opening_record(_record(1, generated_at="2026-11-23T08:00:00"))


def test_import_pulls_in_no_django() -> None:
    done = subprocess.run([sys.executable, "-c",
                           "import sys, trading.opening_pdf; assert 'django' not in sys.modules"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
