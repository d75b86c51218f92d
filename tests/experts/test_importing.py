"""Pool import from CSV and XLSX: a row-by-row report, all or nothing unless "valid rows only"."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from accounts.models import User
from audit.models import Event
from config.errors import NotPermitted
from experts.errors import ImportRejected, ImportUnreadable
from experts.importing import experts_import
from experts.models import Expert, FormerEmployer, Penalty, RelativeOrganisation
from tests.accounts.factories import UserFactory
from tests.experts.factories import specialty

pytestmark = pytest.mark.django_db

HEADER = "code,name,specialties,employer,employer_name,region,status,channel,contact,former_employers,relatives_orgs,penalties"
GOOD = [
    "EXP-100001,李明,A0801;B0203,ORG-1,阳光建设,郑州,active,sms,13800000000,ORG-2@2024-05-01,ORG-3:配偶,",
    "EXP-100002,张华,A0801,,,,active,inbox,,,,2026-QX-1@2026-01-01..2026-12-31",
]
BAD = [
    "EXP-100003,,A0801,,,,active,inbox,,,,",             # no name
    "EXP-100004,赵强,Z9999,,,,active,inbox,,,,",         # unknown specialty
    "EXP-100005,钱进,A0801,,,,sleeping,email,not-mail,ORG-9@yesterday,,",  # status, contact, date
    "EXP-100001,重复,A0801,,,,active,inbox,,,,",          # the same number twice
]


@pytest.fixture(autouse=True)
def specialties():
    specialty("A0801")
    specialty("B0203", "市政工程")


@pytest.fixture
def staff_user():
    return UserFactory(role=User.Role.STAFF)


def csv_bytes(rows):
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def test_good_file_imports_every_field(staff_user):
    report = experts_import(by=staff_user, name="pool.csv", data=csv_bytes(GOOD))
    assert report.imported and report.created == 2 and not report.bad
    li = Expert.objects.get(code="EXP-100001")
    assert li.name == "李明" and li.channel == "sms" and li.region == "郑州" and li.employer == "ORG-1"
    assert sorted(li.specialties.values_list("code", flat=True)) == ["A0801", "B0203"]
    assert FormerEmployer.objects.get(expert=li).organisation == "ORG-2"
    assert RelativeOrganisation.objects.get(expert=li).relation == "配偶"
    assert Penalty.objects.get(expert__code="EXP-100002").ends_on.isoformat() == "2026-12-31"
    assert Event.objects.filter(kind="experts.imported").count() == 1


@translation.override("en")
def test_file_with_errors_imports_nothing_and_reports_each_row(staff_user):
    with pytest.raises(ImportRejected) as caught:
        experts_import(by=staff_user, name="pool.csv", data=csv_bytes(GOOD + BAD))
    report = caught.value.report
    assert [r.number for r in report.bad] == [4, 5, 6, 7]
    errors = {r.number: " ".join(r.errors) for r in report.bad}
    assert "name is required" in errors[4] and "Z9999" in errors[5]
    assert "status" in errors[6] and "e-mail" in errors[6] and "yesterday" in errors[6]
    assert "twice" in errors[7]
    assert not Expert.objects.exists() and not Event.objects.filter(kind="experts.imported").exists()


def test_valid_rows_only_imports_the_good_ones(staff_user):
    report = experts_import(by=staff_user, name="pool.csv", data=csv_bytes(GOOD + BAD), valid_rows_only=True)
    assert report.created == 2 and len(report.bad) == 4
    assert set(Expert.objects.values_list("code", flat=True)) == {"EXP-100001", "EXP-100002"}


def test_reimport_updates_by_registry_number(staff_user):
    experts_import(by=staff_user, name="pool.csv", data=csv_bytes(GOOD))
    changed = GOOD[0].replace("active,sms", "suspended,sms").replace("ORG-3:配偶", "")
    report = experts_import(by=staff_user, name="pool.csv", data=csv_bytes([changed]))
    assert report.updated == 1 and report.created == 0
    li = Expert.objects.get(code="EXP-100001")
    assert li.status == "suspended" and not RelativeOrganisation.objects.filter(expert=li).exists()


def test_xlsx_with_chinese_headers(staff_user):
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "姓名", "专业", "地区"])
    sheet.append(["EXP-200001", "孙丽", "A0801", "开封"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = experts_import(by=staff_user, name="专家.xlsx", data=buffer.getvalue())
    assert report.created == 1 and Expert.objects.get(code="EXP-200001").region == "开封"


@pytest.mark.parametrize("data,name", [(b"\xff\xfe\x00bad", "pool.csv"), (b"not a zip", "pool.xlsx"),
                                       (b"code,name\nEXP-1,x\n", "pool.csv")])
def test_unreadable_files_are_refused_clearly(staff_user, data, name):
    with pytest.raises(ImportUnreadable):
        experts_import(by=staff_user, name=name, data=data)


@pytest.mark.parametrize("role", ["bidder", "agent", "supervisor", "inspector", "expert"])
def test_only_staff_import(role):
    with pytest.raises(NotPermitted):
        experts_import(by=UserFactory(role=role), name="pool.csv", data=csv_bytes(GOOD))


def test_import_page_shows_the_report_and_keeps_nothing(client, staff_user):
    client.force_login(staff_user)
    upload = io.BytesIO(csv_bytes(GOOD + BAD))
    upload.name = "pool.csv"
    response = client.post(reverse("experts:pool_import"), {"file": upload}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = response.content.decode()
    assert "未导入任何数据" in body and "Z9999" in body  # the clerk's language
    assert not Expert.objects.exists()
