"""The bid-opening record (开标记录表) as a PDF.

Pure module (no Django): the caller formats every value and hands over one dict. The bytes
are signed (SHA-256 of the PDF), so the same dict must give the same bytes: the creation
date and the file /ID come from `record["generated_at"]`, never from the clock.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from fontTools.ttLib import TTCollection
from fpdf import FPDF
from fpdf.fonts import FontFace

# Debian's fonts-noto-cjk first; the others are where other distributions put the same file.
FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)
# Simplified-Chinese faces of the collection; the mono one keeps hex and base64 columns aligned.
SANS_FAMILY, MONO_FAMILY = "Noto Sans CJK SC", "Noto Sans Mono CJK SC"

DEFAULT_LABELS = {
    "no": "序号\nNo.",
    "bidder": "投标人\nBidder",
    "price": "投标报价\nBid price",
    "duration": "工期\nDuration",
    "remarks": "备注\nRemarks",
    "outcome": "解密结果\nOutcome",
    "envelope": "密封文件 SHA-256\nEnvelope SHA-256",
    "receipt": "回执 SHA-256\nReceipt SHA-256",
    "listing": "项目 Listing",
    "lot": "标段 Lot",
    "tenderer": "招标人 Tenderer",
    "agent": "代理机构 Agent",
    "budget": "预算 Budget",
    "deadline": "投标截止 Deadline",
    "opened_at": "开标时间 Opened at",
    "lock": "开标锁定 Opening lock",
    "hashes": "密封文件与回执摘要 Envelope and receipt digests",
    "custodians": "开标保管人 Custodians",
    "supervisors": "监督人 Supervisors",
    "checkpoint": "所依链检查点（原文） Chain checkpoint, verbatim",
}
MARGIN = 12  # mm on every side of A4 landscape
EMPTY = "—"  # a withdrawn bid has no price: show a dash, not a blank someone could fill in


class OpeningFontMissing(FileNotFoundError):
    """No Chinese font to embed: the record would print as empty boxes."""


def render_opening_record(record: dict[str, Any], *, font_path: str | None = None) -> bytes:
    """Render the record to PDF bytes; the same record always gives the same bytes."""
    labels = {**DEFAULT_LABELS, **record.get("labels", {})}
    pdf = _new_document(record, find_font(font_path))
    _write_heading(pdf, record, labels)
    _write_bid_table(pdf, record["rows"], labels)
    _write_digest_table(pdf, record["rows"], labels)
    _write_people(pdf, record, labels)
    _write_checkpoint(pdf, record["checkpoint"], labels)
    return bytes(pdf.output())


def find_font(font_path: str | None = None) -> str:
    """The given font file, or the first known Noto Sans CJK path that exists."""
    candidates = (font_path,) if font_path else FONT_PATHS
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise OpeningFontMissing(
        f"No Chinese font for the opening record (tried {', '.join(candidates)}). "
        "Install the Debian package fonts-noto-cjk or pass font_path."
    )


class _RecordPDF(FPDF):
    def footer(self) -> None:
        self.set_y(-MARGIN + 2)
        self.set_font("sans", size=8)
        # {nb} is fpdf2's alias for the page count, filled in when the document is output.
        self.cell(0, 4, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")


def _new_document(record: dict[str, Any], font_path: str) -> _RecordPDF:
    pdf = _RecordPDF(orientation="landscape", unit="mm", format="A4")
    sans_face, mono_face = _face_numbers(font_path)
    pdf.add_font("sans", fname=font_path, collection_font_number=sans_face)
    pdf.add_font("mono", fname=font_path, collection_font_number=mono_face)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN + 4)
    # fpdf2 derives the file /ID from the content and this date, so both are fixed by the record.
    pdf.set_creation_date(_generated_at(record["generated_at"]))
    pdf.set_title(f"{record['title']} {record['listing']['code']}")
    pdf.set_creator("Sunbid")
    pdf.set_lang("zh-CN")
    pdf.add_page()
    return pdf


def _generated_at(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        # fpdf2 would read a naive time in the machine's zone: the bytes would differ by server.
        raise ValueError(f"generated_at needs a UTC offset, got {text!r}")
    return moment


def _face_numbers(font_path: str) -> tuple[int, int]:
    """Which faces of a TTC are the SC sans and mono ones; a single-face file has only 0."""
    with open(font_path, "rb") as file:
        if file.read(4) != b"ttcf":
            return 0, 0
    with TTCollection(font_path, lazy=True) as collection:
        families = [face["name"].getDebugName(1) for face in collection]
    sans = families.index(SANS_FAMILY) if SANS_FAMILY in families else 0
    return sans, families.index(MONO_FAMILY) if MONO_FAMILY in families else sans


def _write_heading(pdf: FPDF, record: dict[str, Any], labels: dict[str, str]) -> None:
    listing, lock = record["listing"], record["lock"]
    pdf.set_font("sans", size=12)
    pdf.cell(0, 7, record["center"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("sans", size=18)
    pdf.cell(0, 10, record["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    fields = [
        ("listing", f"{listing['code']}  {listing['title']}"),
        ("lot", f"{listing['lot_code']}  {listing['lot_title']}"),
        ("tenderer", listing["tenderer"]),
        ("agent", listing["agent"]),
        ("budget", listing["budget"]),
        ("deadline", listing["deadline"]),
        ("opened_at", listing["opened_at"]),
        ("lock", f"seq {lock['seq']}  {lock['opening_pk_fingerprint']}"),
    ]
    pdf.set_font("sans", size=9)
    for key, value in fields:
        pdf.cell(48, 5, labels[key])
        pdf.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _write_bid_table(pdf: FPDF, rows: Sequence[dict[str, Any]], labels: dict[str, str]) -> None:
    keys = ("no", "bidder", "price", "duration", "remarks", "outcome")
    cells = [
        (
            str(row["no"]),
            f"{row['bidder']}\n{row['credit_code']}",
            row["price"] or EMPTY,
            row["duration"] or EMPTY,
            row["remarks"] or EMPTY,
            _outcome_text(row),
        )
        for row in rows
    ]
    _table(pdf, [labels[key] for key in keys], cells, widths=(10, 62, 40, 24, 80, 57),
           align=("CENTER", "LEFT", "RIGHT", "CENTER", "LEFT", "LEFT"))


def _outcome_text(row: dict[str, Any]) -> str:
    """The outcome in words, and under it the codes that explain it (form, then documents)."""
    return f"{row['outcome']}\n{' / '.join(filter(None, (row['form_code'], row['docs_code'])))}"


def _write_digest_table(pdf: FPDF, rows: Sequence[dict[str, Any]], labels: dict[str, str]) -> None:
    _section_title(pdf, labels["hashes"])
    cells = [
        (str(row["no"]), row["bidder"], row["envelope_sha256"], row["receipt_sha256"])
        for row in rows
    ]
    headings = [labels["no"], labels["bidder"], labels["envelope"], labels["receipt"]]
    _table(pdf, headings, cells, widths=(10, 65, 99, 99), mono_columns=(2, 3))


def _table(pdf: FPDF, headings: Sequence[str], cells: Iterable[Sequence[str]], *,
           widths: Sequence[int], align: Sequence[str] | str = "LEFT",
           mono_columns: Sequence[int] = ()) -> None:
    """A grid whose heading row repeats on every page it flows onto."""
    mono = FontFace(family="mono", size_pt=7.5)
    pdf.set_font("sans", size=8.5)
    with pdf.table(col_widths=widths, text_align=align, line_height=4.5,
                   headings_style=FontFace(family="sans", size_pt=8, fill_color=(230, 230, 230)),
                   repeat_headings=1) as table:
        table.row(headings)
        for row in cells:
            line = table.row()
            for column, text in enumerate(row):
                line.cell(text, style=mono if column in mono_columns else None)
    pdf.ln(4)


def _write_people(pdf: FPDF, record: dict[str, Any], labels: dict[str, str]) -> None:
    pdf.set_font("sans", size=9)
    for key in ("custodians", "supervisors"):
        pdf.cell(48, 6, labels[key])
        pdf.multi_cell(0, 6, "、".join(record[key]) or EMPTY, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _write_checkpoint(pdf: FPDF, checkpoint: str, labels: dict[str, str]) -> None:
    _section_title(pdf, labels["checkpoint"])
    # multi_cell breaks a base64 line that has no spaces at the margin, so nothing runs off.
    pdf.set_font("mono", size=6.5)
    pdf.multi_cell(0, 3.2, checkpoint, new_x="LMARGIN", new_y="NEXT")


def _section_title(pdf: FPDF, text: str) -> None:
    pdf.set_font("sans", size=10)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
