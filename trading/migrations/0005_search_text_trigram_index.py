"""A trigram index for the portal's text search (PostgreSQL only; SQLite scans).

pg_trgm is a trusted extension (PostgreSQL ≥ 13): the database owner may create it.
"""

from django.db import migrations


def fill(apps, schema_editor):
    Listing = apps.get_model("trading", "Listing")
    for listing in Listing.objects.all():
        listing.search_text = " ".join([listing.code, listing.title, listing.region, listing.description]).lower()
        listing.save(update_fields=["search_text"])


def index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute("CREATE INDEX listing_search_trgm ON trading_listing USING gin (search_text gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS listing_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("trading", "0004_listing_search_text")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop), migrations.RunPython(index, drop)]
