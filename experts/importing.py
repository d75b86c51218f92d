"""Import the expert pool from CSV (UTF-8) or XLSX with a row-by-row report.

A file with any bad row imports nothing, unless staff choose "valid rows only"; either way
the whole import is one transaction. Columns (English or Chinese headers):

code 编号 · name 姓名 · specialties 专业 (codes, ";") · employer 工作单位代码 · employer_name 工作单位 ·
region 地区 · status 状态 · channel 联系渠道 (inbox, sms, email) · contact 联系方式 ·
former_employers 原工作单位 ("CODE@YYYY-MM-DD" left on, ";") · relatives_orgs 亲属单位 ("CODE" or
"CODE:relation", ";") · penalties 处罚 ("REF@YYYY-MM-DD" or "REF@FROM..UNTIL", ";") · username 账号
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit import clock
from audit.services import actor_of, event_append
from config.errors import NotPermitted
from experts.errors import ImportRejected, ImportUnreadable
from experts.models import Expert, FormerEmployer, Penalty, RelativeOrganisation, Specialty

if TYPE_CHECKING:
    from collections.abc import Iterable

COLUMNS = {
    "code": "编号", "name": "姓名", "specialties": "专业", "employer": "工作单位代码", "employer_name": "工作单位",
    "region": "地区", "status": "状态", "channel": "联系渠道", "contact": "联系方式",
    "former_employers": "原工作单位", "relatives_orgs": "亲属单位", "penalties": "处罚", "username": "账号",
}
_ALIASES = {zh: en for en, zh in COLUMNS.items()} | {en: en for en in COLUMNS}
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")
_ORG = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_PHONE = re.compile(r"\+?[0-9][0-9-]{5,19}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_ROWS = 200_000


@dataclass
class Row:
    number: int  # the line in the file, header = 1
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class Report:
    rows: list[Row]
    sha256: str
    created: int = 0
    updated: int = 0
    imported: bool = False

    @property
    def bad(self) -> list[Row]:
        return [r for r in self.rows if r.errors]

    @property
    def good(self) -> list[Row]:
        return [r for r in self.rows if not r.errors]


def _table(name: str, data: bytes) -> list[list[str]]:
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
            raise ImportUnreadable(why=type(e).__name__) from None
        return [["" if v is None else (v.isoformat() if isinstance(v, date) else str(v)).strip() for v in row]
                for row in sheet.iter_rows(values_only=True)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportUnreadable(why=_("not UTF-8 text")) from None
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("；", ";").split(";") if part.strip()]


def _date(text: str, row: Row, what: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        row.errors.append(_("%(what)s: “%(value)s” is not a date like 2024-03-31") % {"what": what, "value": text})
        return None


def _org(code: str, row: Row, what: str) -> str:
    if not _ORG.fullmatch(code):
        row.errors.append(_("%(what)s: “%(value)s” is not an organisation code (letters, digits, “-”)")
                          % {"what": what, "value": code})
    return code


def _check(row: Row, raw: dict[str, str], specialties: set[str], seen: set[str], users: dict[str, User]) -> None:
    v = row.values
    for key, value in raw.items():
        if _CONTROL.search(value):
            row.errors.append(_("%(column)s holds a control character") % {"column": key})
    v["code"] = code = raw.get("code", "")
    if not _CODE.fullmatch(code):
        row.errors.append(_("code: “%(value)s” must be 1–32 letters, digits or “-”") % {"value": code})
    elif code in seen:
        row.errors.append(_("code %(value)s appears twice in the file") % {"value": code})
    seen.add(code)
    v["name"] = raw.get("name", "")
    if not v["name"] or len(v["name"]) > 64:
        row.errors.append(_("name is required (at most 64 characters)"))
    v["specialties"] = _split(raw.get("specialties", ""))
    unknown = [s for s in v["specialties"] if s not in specialties]
    if not v["specialties"]:
        row.errors.append(_("at least one specialty code is required"))
    if unknown:
        row.errors.append(_("unknown specialty code(s): %(codes)s") % {"codes": ", ".join(unknown)})
    v["employer"] = _org(raw["employer"], row, _("employer")) if raw.get("employer") else ""
    v["employer_name"] = raw.get("employer_name", "")[:100]
    v["region"] = raw.get("region", "")[:64]
    v["status"] = raw.get("status") or Expert.ExpertStatus.ACTIVE
    if v["status"] not in Expert.ExpertStatus.values:
        row.errors.append(_("status must be one of %(values)s") % {"values": ", ".join(Expert.ExpertStatus.values)})
    v["channel"] = raw.get("channel") or Expert.Channel.INBOX
    v["contact"] = raw.get("contact", "")
    if v["channel"] not in Expert.Channel.values:
        row.errors.append(_("channel must be one of %(values)s") % {"values": ", ".join(Expert.Channel.values)})
    elif v["channel"] == Expert.Channel.SMS and not _PHONE.fullmatch(v["contact"]):
        row.errors.append(_("an SMS channel needs a phone number in contact"))
    elif v["channel"] == Expert.Channel.EMAIL and not _EMAIL.fullmatch(v["contact"]):
        row.errors.append(_("an e-mail channel needs an e-mail address in contact"))
    v["former_employers"] = []
    for part in _split(raw.get("former_employers", "")):
        org, _sep, left = part.partition("@")
        when = _date(left, row, _("former employer")) if left else None
        if not left:
            row.errors.append(_("former employer %(value)s needs the date left, as CODE@YYYY-MM-DD") % {"value": part})
        v["former_employers"].append((_org(org, row, _("former employer")), when))
    v["relatives_orgs"] = []
    for part in _split(raw.get("relatives_orgs", "")):
        org, _sep, relation = part.partition(":")
        v["relatives_orgs"].append((_org(org.strip(), row, _("relative's organisation")), relation.strip()[:32]))
    v["penalties"] = []
    for part in _split(raw.get("penalties", "")):
        ref, _sep, span = part.partition("@")
        start_text, _sep2, end_text = span.partition("..")
        start = _date(start_text, row, _("penalty")) if start_text else None
        end = _date(end_text, row, _("penalty")) if end_text else None
        if not ref or not start_text:
            row.errors.append(_("penalty %(value)s must be REF@YYYY-MM-DD or REF@FROM..UNTIL") % {"value": part})
        elif start and end and end < start:
            row.errors.append(_("penalty %(value)s ends before it starts") % {"value": part})
        v["penalties"].append((ref[:64], start, end))
    username = raw.get("username", "")
    v["user"] = None
    if username:
        user = users.get(username)
        if user is None or user.role != User.Role.EXPERT:
            row.errors.append(_("no expert account named %(value)s") % {"value": username})
        v["user"] = user


def check_file(name: str, data: bytes) -> Report:
    """Parse and validate every row; nothing is written."""
    table = [r for r in _table(name, data) if any(r)]
    if not table:
        raise ImportUnreadable(why=_("the file is empty"))
    header = [_ALIASES.get(h.strip().lower() if h.isascii() else h.strip(), "") for h in table[0]]
    missing = [c for c in ("code", "name", "specialties") if c not in header]
    if missing:
        raise ImportUnreadable(why=_("missing column(s): %(columns)s") % {"columns": ", ".join(missing)})
    if len(table) - 1 > MAX_ROWS:
        raise ImportUnreadable(why=_("more than %(n)s rows") % {"n": MAX_ROWS})
    specialties = set(Specialty.objects.values_list("code", flat=True))
    usernames = {cell for r in table[1:] for h, cell in zip(header, r, strict=False) if h == "username" and cell}
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    seen: set[str] = set()
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        raw = {h: cell for h, cell in zip(header, cells, strict=False) if h}
        row = Row(number)
        _check(row, raw, specialties, seen, users)
        rows.append(row)
    return Report(rows, hashlib.sha256(data).hexdigest())


def _save(rows: Iterable[Row], report: Report) -> None:
    now = clock.now()
    specialties = dict(Specialty.objects.values_list("code", "pk"))
    existing = {e.code: e for e in Expert.objects.filter(code__in=[r.values["code"] for r in rows])}
    for row in rows:
        v = row.values
        fields = {k: v[k] for k in ("name", "employer", "employer_name", "region", "status", "channel", "contact")}
        expert = existing.get(v["code"])
        if expert is None:
            expert = Expert.objects.create(code=v["code"], user=v["user"], created_at=now, updated_at=now, **fields)
            report.created += 1
        else:
            for key, value in fields.items():
                setattr(expert, key, value)
            expert.user, expert.updated_at = v["user"] or expert.user, now
            expert.save()
            report.updated += 1
            FormerEmployer.objects.filter(expert=expert).delete()
            RelativeOrganisation.objects.filter(expert=expert).delete()
            Penalty.objects.filter(expert=expert).delete()
        expert.specialties.set([specialties[s] for s in v["specialties"]])
        FormerEmployer.objects.bulk_create([FormerEmployer(expert=expert, organisation=o, left_on=d)
                                            for o, d in dict.fromkeys(v["former_employers"])])
        RelativeOrganisation.objects.bulk_create([RelativeOrganisation(expert=expert, organisation=o, relation=r)
                                                  for o, r in dict(v["relatives_orgs"]).items()])
        Penalty.objects.bulk_create([Penalty(expert=expert, reference=ref, starts_on=s, ends_on=e)
                                     for ref, (s, e) in {ref: (s, e) for ref, s, e in v["penalties"]}.items()])


@transaction.atomic
def experts_import(*, by: User, name: str, data: bytes, valid_rows_only: bool = False) -> Report:
    """Import the file, all or nothing (or its valid rows only, if staff chose so).

    Raises ImportRejected, carrying the report, when rows are bad and staff did not choose
    the valid rows only; ImportUnreadable when the file is not a table with the columns.
    """
    if not by.has_perm("experts.manage_pool"):
        raise NotPermitted()
    report = check_file(name, data)
    if report.bad and not valid_rows_only:
        error = ImportRejected(bad=len(report.bad))
        error.report = report  # type: ignore[attr-defined]
        raise error
    _save(report.good, report)
    report.imported = True
    event_append(kind="experts.imported", actor=actor_of(by), object="",
                 payload={"sha256": report.sha256, "rows": len(report.rows), "created": report.created,
                          "updated": report.updated, "skipped": len(report.bad)})
    return report
