"""The statutory numbers of the trading line, each with its unit, direction, source and label
(../shared/RULES.md). Enforced in trading.services; each tested at its boundary.

[verified] and [secondary] rules are hard: a center may make them stricter, never looser.
[recalled], [practice] and [default] values are center settings with these defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from trading.calendar import Unit


class Direction(StrEnum):
    MINIMUM = "minimum"
    MAXIMUM = "maximum"


PERCENT = "percent"  # the unit of caps such as the bid security (basis: budget or estimate)
COUNT = "count"
HARD_LABELS = frozenset({"verified", "secondary"})


@dataclass(frozen=True)
class Rule:
    name: str
    value: int
    unit: Unit | str
    direction: Direction
    source_zh: str
    source_en: str
    label: str

    @property
    def hard(self) -> bool:
        return self.label in HARD_LABELS

    def allows_override(self, value: int) -> bool:
        """A center may tighten a hard rule, never loosen it; settings may take any positive value."""
        if value <= 0:
            return False
        if not self.hard:
            return True
        return value >= self.value if self.direction == Direction.MINIMUM else value <= self.value


D, WD = Unit.CALENDAR_DAYS, Unit.WORKING_DAYS
MIN, MAX = Direction.MINIMUM, Direction.MAXIMUM

TENDER_BIDDING_PERIOD = Rule("TENDER_BIDDING_PERIOD", 20, D, MIN, "《招标投标法》第二十四条", "Tendering Law Art. 24", "verified")
TENDER_DOCUMENTS_SALE = Rule("TENDER_DOCUMENTS_SALE", 5, D, MIN, "《招标投标法实施条例》第十六条", "Tendering Regulation Art. 16", "verified")
TENDER_AMENDMENT_LEAD = Rule("TENDER_AMENDMENT_LEAD", 15, D, MIN, "《招标投标法》第二十三条", "Tendering Law Art. 23", "verified")
TENDER_MIN_BIDS = Rule("TENDER_MIN_BIDS", 3, COUNT, MIN, "《招标投标法实施条例》第四十四条", "Tendering Regulation Art. 44", "verified")
TENDER_DEPOSIT_CAP = Rule("TENDER_DEPOSIT_CAP", 2, PERCENT, MAX, "《招标投标法实施条例》第二十六条", "Tendering Regulation Art. 26", "verified")
TENDER_MAX_CANDIDATES = Rule("TENDER_MAX_CANDIDATES", 3, COUNT, MAX, "《招标投标法实施条例》第五十三条", "Tendering Regulation Art. 53", "verified")
TENDER_PUBLICITY = Rule("TENDER_PUBLICITY", 3, D, MIN, "《招标投标法实施条例》第五十四条", "Tendering Regulation Art. 54", "verified")
TENDER_CONTRACT = Rule("TENDER_CONTRACT", 30, D, MAX, "《招标投标法》第四十六条", "Tendering Law Art. 46", "verified")
TENDER_DEPOSIT_REFUND = Rule("TENDER_DEPOSIT_REFUND", 5, D, MAX, "《招标投标法实施条例》第三十五条、第五十七条", "Tendering Regulation Art. 35, 57", "verified")
TENDER_OBJECTION_REPLY = Rule("TENDER_OBJECTION_REPLY", 3, D, MAX, "《招标投标法实施条例》第五十四条", "Tendering Regulation Art. 54", "recalled")

PROCUREMENT_BIDDING_PERIOD = Rule("PROCUREMENT_BIDDING_PERIOD", 20, D, MIN, "《政府采购法》第三十五条", "Government Procurement Law Art. 35", "verified")
PROCUREMENT_DOCUMENTS_AVAILABLE = Rule("PROCUREMENT_DOCUMENTS_AVAILABLE", 5, WD, MIN, "《政府采购法实施条例》第三十一条", "Government Procurement Regulation Art. 31", "verified")
PROCUREMENT_CLARIFICATION_LEAD = Rule("PROCUREMENT_CLARIFICATION_LEAD", 15, D, MIN, "《政府采购法实施条例》第三十一条", "Government Procurement Regulation Art. 31", "recalled")
PROCUREMENT_MIN_BIDS = Rule("PROCUREMENT_MIN_BIDS", 3, COUNT, MIN, "《政府采购法》第三十六条", "Government Procurement Law Art. 36", "verified")
PROCUREMENT_DEPOSIT_CAP = Rule("PROCUREMENT_DEPOSIT_CAP", 2, PERCENT, MAX, "《政府采购法实施条例》第三十三条", "Government Procurement Regulation Art. 33", "verified")
PROCUREMENT_DEPOSIT_REFUND = Rule("PROCUREMENT_DEPOSIT_REFUND", 5, WD, MAX, "《政府采购法实施条例》第三十三条", "Government Procurement Regulation Art. 33", "verified")
PROCUREMENT_RESPONSE_TIME = Rule("PROCUREMENT_RESPONSE_TIME", 3, WD, MIN, "财政部令第74号", "MOF Order No. 74", "recalled")
PROCUREMENT_CONSULTATION_TIME = Rule("PROCUREMENT_CONSULTATION_TIME", 10, D, MIN, "财库〔2014〕214号", "Caiku [2014] No. 214", "recalled")
PROCUREMENT_SINGLE_SOURCE_PUBLICITY = Rule("PROCUREMENT_SINGLE_SOURCE_PUBLICITY", 5, WD, MIN, "《政府采购法实施条例》第三十八条", "Government Procurement Regulation Art. 38", "verified")
PROCUREMENT_CONTRACT = Rule("PROCUREMENT_CONTRACT", 30, D, MAX, "《政府采购法》第四十六条", "Government Procurement Law Art. 46", "verified")

FIXED_PRICE_SIGNUP_WINDOW = Rule("FIXED_PRICE_SIGNUP_WINDOW", 5, D, MIN, "固定价比选中心设置（参照《招标投标法实施条例》第十六条）", "center setting (mirrors Tendering Regulation Art. 16)", "default")
FIXED_PRICE_MIN_POOL = Rule("FIXED_PRICE_MIN_POOL", 3, COUNT, MIN, "固定价比选中心设置（参照《招标投标法实施条例》第四十四条）", "center setting (mirrors Tendering Regulation Art. 44)", "default")
FIXED_PRICE_CEILING_YUAN = Rule("FIXED_PRICE_CEILING_YUAN", 2_000_000, "yuan", MAX, "交易中心报告：200万元以下政府投资工程", "center report: government-invested works under 2 million yuan", "practice")
FIXED_PRICE_PUBLICITY = Rule("FIXED_PRICE_PUBLICITY", 3, D, MIN, "固定价比选中心设置（参照《招标投标法实施条例》第五十四条）", "center setting (mirrors Tendering Regulation Art. 54)", "default")

LAND_ANNOUNCEMENT = Rule("LAND_ANNOUNCEMENT", 20, D, MIN, "《招标拍卖挂牌出让国有建设用地使用权规定》第十一条", "MLR Order 39 Art. 11", "secondary")
LAND_LISTING_PERIOD = Rule("LAND_LISTING_PERIOD", 10, D, MIN, "《招标拍卖挂牌出让国有建设用地使用权规定》第十八条", "MLR Order 39 Art. 18", "recalled")
ASSET_DISCLOSURE = Rule("ASSET_DISCLOSURE", 20, WD, MIN, "《企业国有资产交易监督管理办法》（国资委 财政部令第32号）", "SASAC/MOF Order 32", "secondary")
AUCTION_MIN_BIDDERS = Rule("AUCTION_MIN_BIDDERS", 1, COUNT, MIN, "法释〔2016〕18号 第十一条", "SPC Interpretation [2016] No. 18 Art. 11", "verified")

ALL_RULES: dict[str, Rule] = {r.name: r for r in globals().copy().values() if isinstance(r, Rule)}


@dataclass(frozen=True)
class Procedure:
    """The rule matrix row of one kind and method (as Prozorro configures each procedure)."""

    bidding_period: Rule | None = None      # notice/documents issue → deadline or sale start
    signup_window: Rule | None = None       # documents sale / registration window
    amendment_lead: Rule | None = None      # an amendment later than this pushes the deadline
    min_bids: Rule | None = None            # fewer sign-ups or bids fail the lot
    deposit_cap: Rule | None = None         # percent of the budget
    max_candidates: Rule | None = None
    publicity: Rule | None = None           # candidates or result publicity
    contract: Rule | None = None            # award notice → contract signed
    objection_reply: Rule | None = None
    budget_ceiling: Rule | None = None
    deposit_refund: Rule = TENDER_DEPOSIT_REFUND
    extras: tuple[Rule, ...] = field(default_factory=tuple)


TENDER = Procedure(bidding_period=TENDER_BIDDING_PERIOD, signup_window=TENDER_DOCUMENTS_SALE,
                   amendment_lead=TENDER_AMENDMENT_LEAD, min_bids=TENDER_MIN_BIDS, deposit_cap=TENDER_DEPOSIT_CAP,
                   max_candidates=TENDER_MAX_CANDIDATES, publicity=TENDER_PUBLICITY, contract=TENDER_CONTRACT,
                   objection_reply=TENDER_OBJECTION_REPLY)
PROCUREMENT_TENDER = Procedure(deposit_refund=PROCUREMENT_DEPOSIT_REFUND, bidding_period=PROCUREMENT_BIDDING_PERIOD, signup_window=PROCUREMENT_DOCUMENTS_AVAILABLE,
                               amendment_lead=PROCUREMENT_CLARIFICATION_LEAD, min_bids=PROCUREMENT_MIN_BIDS,
                               deposit_cap=PROCUREMENT_DEPOSIT_CAP, max_candidates=TENDER_MAX_CANDIDATES,
                               publicity=TENDER_PUBLICITY, contract=PROCUREMENT_CONTRACT,
                               objection_reply=TENDER_OBJECTION_REPLY)
PROCUREMENT_NEGOTIATED = Procedure(deposit_refund=PROCUREMENT_DEPOSIT_REFUND, bidding_period=PROCUREMENT_RESPONSE_TIME, min_bids=PROCUREMENT_MIN_BIDS,
                                   deposit_cap=PROCUREMENT_DEPOSIT_CAP, max_candidates=TENDER_MAX_CANDIDATES,
                                   publicity=TENDER_PUBLICITY, contract=PROCUREMENT_CONTRACT)
PROCUREMENT_CONSULTATION = Procedure(deposit_refund=PROCUREMENT_DEPOSIT_REFUND, bidding_period=PROCUREMENT_CONSULTATION_TIME, min_bids=PROCUREMENT_MIN_BIDS,
                                     deposit_cap=PROCUREMENT_DEPOSIT_CAP, max_candidates=TENDER_MAX_CANDIDATES,
                                     publicity=TENDER_PUBLICITY, contract=PROCUREMENT_CONTRACT)
PROCUREMENT_SINGLE_SOURCE = Procedure(deposit_refund=PROCUREMENT_DEPOSIT_REFUND, bidding_period=PROCUREMENT_SINGLE_SOURCE_PUBLICITY, contract=PROCUREMENT_CONTRACT,
                                      max_candidates=TENDER_MAX_CANDIDATES, publicity=TENDER_PUBLICITY)
FIXED_PRICE = Procedure(signup_window=FIXED_PRICE_SIGNUP_WINDOW, min_bids=FIXED_PRICE_MIN_POOL,
                        max_candidates=TENDER_MAX_CANDIDATES,  # the winner and two backups, in draw order
                        publicity=FIXED_PRICE_PUBLICITY, contract=TENDER_CONTRACT, budget_ceiling=FIXED_PRICE_CEILING_YUAN)
LAND_SALE = Procedure(bidding_period=LAND_ANNOUNCEMENT, min_bids=AUCTION_MIN_BIDDERS, contract=TENDER_CONTRACT)
LAND_LISTING = Procedure(bidding_period=LAND_ANNOUNCEMENT, min_bids=AUCTION_MIN_BIDDERS, contract=TENDER_CONTRACT,
                         extras=(LAND_LISTING_PERIOD,))
ASSET_SALE = Procedure(bidding_period=ASSET_DISCLOSURE, min_bids=AUCTION_MIN_BIDDERS, contract=TENDER_CONTRACT)

# (kind, method) → procedure. An unknown pair is refused at the boundary.
MATRIX: dict[tuple[str, str], Procedure] = {
    ("construction", "open_tender"): TENDER,
    ("construction", "invitational_tender"): TENDER,
    ("procurement", "open_tender"): PROCUREMENT_TENDER,
    ("procurement", "invitational_tender"): PROCUREMENT_TENDER,
    ("procurement", "competitive_negotiation"): PROCUREMENT_NEGOTIATED,
    ("procurement", "inquiry"): PROCUREMENT_NEGOTIATED,
    ("procurement", "competitive_consultation"): PROCUREMENT_CONSULTATION,
    ("procurement", "single_source"): PROCUREMENT_SINGLE_SOURCE,
    ("fixed_price", "fixed_price_draw"): FIXED_PRICE,
    ("land", "land_tender"): TENDER,
    ("land", "land_auction"): LAND_SALE,
    ("land", "land_listing"): LAND_LISTING,
    ("asset", "asset_listing"): ASSET_SALE,
    ("asset", "asset_auction"): ASSET_SALE,
}
