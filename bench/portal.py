"""The public notices list and search with 10,000 listings (issue: portal).

portal_list_p95_ms, portal_search_p95_ms: p95 of the full Django request (test client, no
network), anonymous; portal_list_queries: queries per list page. Runs on DATABASE_URL's
database (a scratch database is made and dropped on PostgreSQL).
Usage: python -m bench portal [--listings N] [--requests N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import timedelta

from bench.audit import drop_scratch, emit, scratch_database, setup_django

SEARCHES = [{"q": "改造"}, {"kind": "construction"}, {"q": "医院", "kind": "procurement"},
            {"budget_min": "1000000", "budget_max": "5000000"}, {"region": "西湖", "status": "bidding"},
            {"method": "open_tender", "q": "ZB-2026-01"}]


def populate(n: int) -> None:
    """Insert n published listings with one or two lots, in bulk (the services' cost is not measured here)."""
    from accounts.models import Organisation, User
    from audit import clock
    from tests.accounts.factories import valid_credit_code
    from trading.models import Listing, Lot

    now = clock.now()
    tenderers = [Organisation.objects.create(name=f"采购单位{i}", credit_code=valid_credit_code(), status="verified",
                                             created_at=now) for i in range(20)]
    creator = User.objects.create(username="bench-agent", role="agent", organisation=tenderers[0])
    kinds = [("construction", "open_tender", "ZB", "道路改造工程"), ("procurement", "open_tender", "CG", "医院设备采购"),
             ("procurement", "inquiry", "CG", "办公用品询价"), ("fixed_price", "fixed_price_draw", "GD", "屋面维修"),
             ("land", "land_listing", "TD", "地块使用权"), ("asset", "asset_listing", "CQ", "仓储用房转让")]
    regions = ["西湖区", "上城区", "拱墅区", "滨江区", "萧山区", "余杭区"]
    statuses = ["published", "bidding", "opening", "evaluation", "publicized", "awarded", "failed"]
    batch = []
    for i in range(n):
        kind, method, prefix, title = kinds[i % len(kinds)]
        batch.append(Listing(code=f"{prefix}-2026-{i:05d}", title=f"{regions[i % 6]}{title}{i}", kind=kind, method=method,
                             status=statuses[i % len(statuses)], region=regions[i % 6], description=f"第{i}号项目",
                             tenderer=tenderers[i % 20], agent=tenderers[0], budget_fen=(i % 500 + 1) * 1_000_000,
                             deadline=now + timedelta(days=20 + i % 30), published_at=now - timedelta(minutes=i),
                             created_by=creator, created_at=now, updated_at=now))
    for listing in batch:
        listing.refresh_search_text()
    listings = Listing.objects.bulk_create(batch, batch_size=1000)
    lots = []
    for listing in listings:
        count = 2 if listing.pk % 3 == 0 else 1
        for number in range(1, count + 1):
            lots.append(Lot(listing=listing, number=number, code=f"{listing.code}-{number:02d}", title="标段",
                            budget_fen=listing.budget_fen // count))
    Lot.objects.bulk_create(lots, batch_size=2000)
    from django.db import connection

    if connection.vendor == "postgresql":
        # Autovacuum vacuums and analyzes a table this size within a minute: measure the steady state.
        with connection.cursor() as cursor:
            for table in ("trading_listing", "trading_lot", "accounts_organisation"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def timed(client, params: dict[str, str], repeats: int) -> list[float]:
    import time

    times = []
    for i in range(repeats):
        page = {**params, "page": str(1 + i % 3)}
        start = time.perf_counter()
        response = client.get("/notices/", page)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench portal")
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["testserver"]
    scratch_database()
    try:
        populate(args.listings)
        client = Client()
        timed(client, {}, 20)  # warm up
        list_times = timed(client, {}, args.requests)
        search_times = [t for params in SEARCHES for t in timed(client, params, args.requests // len(SEARCHES))]
        with CaptureQueriesContext(connection) as queries:
            client.get("/notices/")
        context = {"listings": args.listings, "requests": args.requests, "db": connection.vendor}
        emit("portal_list_p95_ms", p95(list_times), "ms", **context)
        emit("portal_search_p95_ms", p95(search_times), "ms", **context)
        emit("portal_list_queries", len(queries), "queries", **context)
        return 0
    finally:
        drop_scratch()


if __name__ == "__main__":
    sys.exit(main())
