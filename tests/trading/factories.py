from datetime import timedelta

from accounts.models import User
from audit import clock
from tests.accounts.factories import OrganisationFactory, UserFactory, ensure_key
from trading import services
from trading.services import ListingInput, LotInput


def agent_user():
    return UserFactory(role=User.Role.AGENT)


def working_deadline(days: int):
    """`days` from now, moved on to the center's next working day (in Beijing's date, as the
    center checks it), so a test's outcome does not depend on the day or hour it runs."""
    from trading import workdays

    calendar = workdays.center_calendar()
    deadline = clock.now() + timedelta(days=days)
    while not calendar.is_working_day(workdays.local_date(deadline)):
        deadline += timedelta(days=1)
    return deadline


def draft(agent=None, *, kind="procurement", method="open_tender", days=25, lots=None, budget_fen=100_000_000,
          **extra):
    agent = agent or agent_user()
    data = ListingInput(title="阳光小学改造工程", kind=kind, method=method, tenderer=OrganisationFactory(),
                        budget_fen=budget_fen, deadline=working_deadline(days),
                        lots=lots or [LotInput(title="阳光小学改造工程", budget_fen=budget_fen, deposit_fen=100_000)],
                        **extra)
    return services.listing_create(by=agent, data=data)


def publish(*, listing, by, supervisor=None):
    """Publish as staff would, the custodians' keys registered first; a sealed-bid listing
    gets a supervisor if the test names none (seal.md §3: agent, staff, supervisor)."""
    from trading import lifecycle

    if lifecycle.takes_sealed_bids(listing.kind, listing.method):
        supervisor = supervisor or UserFactory(role=User.Role.SUPERVISOR)
        for custodian in (listing.created_by, by, supervisor):
            ensure_key(custodian)
    return services.listing_publish(listing=listing, by=by, supervisor=supervisor)


def published(agent=None, staff=None, **kwargs):
    listing = draft(agent, **kwargs)
    services.listing_submit(listing=listing, by=agent or listing.created_by)
    return publish(listing=listing, by=staff or UserFactory(role=User.Role.STAFF))
