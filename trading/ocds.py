"""Open data: an OCDS 1.1 release at each state change of a published listing, and release
packages (per listing at a stable URL; every listing from `manage.py export_ocds`).

Nothing the rules keep secret goes out: no sign-ups or their count, no reserve price, no
bidder before the result is public.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from audit import clock
from trading.models import Candidate, Kind, Listing, Lot, Method, Release, Status

EVENT_TAGS = {
    "listing.published": ["tender"],
    "listing.clarified": ["tenderAmendment"],
    "listing.advanced": ["tenderUpdate"],
    "listing.suspended": ["tenderUpdate"],
    "listing.resumed": ["tenderUpdate"],
    "listing.failed": ["tenderUpdate"],
    "listing.cancelled": ["tenderCancellation"],
    "listing.candidates_recorded": ["award"],
    "listing.awarded": ["awardUpdate"],
    "listing.contract_signed": ["contract"],
}
# OCDS procurementMethod codelist: open, selective, limited, direct.
METHODS = {Method.OPEN_TENDER: "open", Method.INVITATIONAL_TENDER: "selective",
           Method.COMPETITIVE_NEGOTIATION: "limited", Method.COMPETITIVE_CONSULTATION: "limited",
           Method.INQUIRY: "selective", Method.SINGLE_SOURCE: "direct", Method.FIXED_PRICE_DRAW: "open",
           Method.LAND_TENDER: "open", Method.LAND_AUCTION: "open", Method.LAND_LISTING: "open",
           Method.ASSET_LISTING: "open", Method.ASSET_AUCTION: "open"}
METHOD_DETAILS = {Method.OPEN_TENDER: "公开招标", Method.INVITATIONAL_TENDER: "邀请招标",
                  Method.COMPETITIVE_NEGOTIATION: "竞争性谈判", Method.COMPETITIVE_CONSULTATION: "竞争性磋商",
                  Method.INQUIRY: "询价", Method.SINGLE_SOURCE: "单一来源采购", Method.FIXED_PRICE_DRAW: "固定价比选",
                  Method.LAND_TENDER: "国有建设用地使用权招标出让", Method.LAND_AUCTION: "国有建设用地使用权拍卖出让",
                  Method.LAND_LISTING: "国有建设用地使用权挂牌出让", Method.ASSET_LISTING: "国有产权挂牌转让",
                  Method.ASSET_AUCTION: "国有产权拍卖转让"}
# OCDS mainProcurementCategory: goods, works, services (sales of land and assets have none).
CATEGORIES = {Kind.CONSTRUCTION: "works", Kind.FIXED_PRICE: "works", Kind.PROCUREMENT: "goods"}
TENDER_STATUS = {Status.FAILED: "unsuccessful", Status.CANCELLED: "cancelled", Status.AWARDED: "complete",
                 Status.CONTRACT_SIGNED: "complete", Status.ARCHIVED: "complete"}
SCHEME = "CN-USCC"  # org-id.guide: China, unified social credit code


def ocid(listing: Listing) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{listing.code}"


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def _value(fen: int) -> dict[str, Any]:
    return {"amount": fen / 100, "currency": "CNY"}


def _party(organisation: Any, roles: list[str]) -> dict[str, Any]:
    return {"id": f"{SCHEME}-{organisation.credit_code}", "name": organisation.name,
            "identifier": {"scheme": SCHEME, "id": organisation.credit_code, "legalName": organisation.name},
            "roles": roles}


def _ref(organisation: Any) -> dict[str, str]:
    return {"id": f"{SCHEME}-{organisation.credit_code}", "name": organisation.name}


def _lot_status(lot: Lot) -> str:
    return "unsuccessful" if lot.status == Lot.LotStatus.FAILED else "active"


def build_release(listing: Listing, *, tags: list[str], release_id: str, date: Any) -> dict[str, Any]:
    lots = list(listing.lots.all())
    parties = {listing.tenderer_id: _party(listing.tenderer, ["buyer", "procuringEntity"])}
    if listing.agent is not None:
        parties.setdefault(listing.agent_id, _party(listing.agent, []))["roles"].append("procuringEntity")
    tender: dict[str, Any] = {
        "id": listing.code, "title": listing.title, "description": listing.description,
        "status": TENDER_STATUS.get(Status(listing.status), "active"),
        "statusDetails": listing.get_status_display(),
        "procuringEntity": _ref(listing.agent or listing.tenderer),
        "value": _value(listing.budget_fen),
        "procurementMethod": METHODS[Method(listing.method)],
        "procurementMethodDetails": METHOD_DETAILS[Method(listing.method)],
        "tenderPeriod": {"startDate": _iso(listing.published_at), "endDate": _iso(listing.deadline)},
        "lots": [{"id": lot.code, "title": lot.title, "value": _value(lot.budget_fen), "status": _lot_status(lot)}
                 for lot in lots],
        "documents": [{"id": str(d.pk), "documentType": "tenderNotice" if i == 0 else "biddingDocuments",
                       "title": d.title, "datePublished": _iso(d.uploaded_at), "format": "application/pdf"}
                      for i, d in enumerate(listing.documents.all())],
        "amendments": [{"id": str(c.pk), "date": _iso(c.published_at), "rationale": c.text}
                       for c in listing.clarifications.all()],
    }
    if listing.kind in CATEGORIES:
        tender["mainProcurementCategory"] = CATEGORIES[Kind(listing.kind)]
    if listing.signup_closes_at:
        tender["enquiryPeriod"] = {"startDate": _iso(listing.published_at), "endDate": _iso(listing.signup_closes_at)}
    release: dict[str, Any] = {
        "ocid": ocid(listing), "id": release_id, "date": _iso(date), "tag": tags, "initiationType": "tender",
        "language": "zh", "buyer": _ref(listing.tenderer), "tender": tender,
    }
    awards, contracts = [], []
    # Candidates are public from their publicity (TR Art. 54); never before.
    winners = Candidate.objects.filter(lot__listing=listing, rank=1).select_related("organisation", "lot__report")
    for candidate in winners:
        parties.setdefault(candidate.organisation_id, _party(candidate.organisation, []))["roles"].append("supplier")
        report = getattr(candidate.lot, "report", None)
        awarded = report is not None and report.awarded_at is not None
        award_id = f"{candidate.lot.code}-award"
        awards.append({"id": award_id, "status": "active" if awarded else "pending",
                       "date": _iso(report.awarded_at if awarded else candidate.recorded_at),
                       "value": _value(candidate.price_fen), "suppliers": [_ref(candidate.organisation)],
                       "relatedLots": [candidate.lot.code]})
        if awarded and report.contract_signed_at:
            contracts.append({"id": f"{candidate.lot.code}-contract", "awardID": award_id, "status": "active",
                              "dateSigned": _iso(report.contract_signed_at)})
    if awards:
        release["awards"] = awards
    if contracts:
        release["contracts"] = contracts
    release["parties"] = list(parties.values())
    return release


def release_record(listing: Listing, *, event_kind: str, seq: int) -> Release | None:
    """Keep the release of this state change (published listings only)."""
    tags = EVENT_TAGS.get(event_kind)
    if tags is None or listing.published_at is None:
        return None
    release_id = f"{listing.code}-{seq}"
    now = clock.now()
    data = build_release(listing, tags=tags, release_id=release_id, date=now)
    return Release.objects.create(listing=listing, release_id=release_id, date=now, data=data)


def package(releases: list[dict[str, Any]], *, uri: str) -> dict[str, Any]:
    return {"uri": uri, "version": "1.1", "publishedDate": _iso(clock.now()),
            "publisher": {"name": settings.OCDS_PUBLISHER_NAME, "scheme": SCHEME},
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "publicationPolicy": settings.OCDS_PUBLICATION_POLICY_URL,
            "releases": releases}


def listing_package(listing: Listing, *, uri: str) -> dict[str, Any]:
    return package([r.data for r in listing.releases.all()], uri=uri)
