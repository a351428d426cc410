"""How the funding figures know they are stale: one query that changes whenever their data does.

The dashboard and the open figures are kept in the cache under this version, so a change
shows on the next request in every process (web or worker) without signals. Per table
they aggregate: the newest row id (new rows, bulk loads) and, for audited tables, the
newest history row id (every save and delete through the ORM, and changes to an
allocation's purpose and programs); for tables without history, the latest updated_at,
from an index (a program saved: its region is the one its funded sessions count under).
Each part is an index lookup (about 2 ms in all at 100,000 allocations). What this cannot see — an enrollment's status
changing (completed participations), a write in plain SQL — shows when the cached
figures expire (the callers' lifetimes).
"""

import hashlib

from django.db import connection

from capacity.models import CapacityCategory, Region
from programs.models import ActivityReport, Enrollment, Program, Session
from stakeholders.models import Organization

from .models import Allocation, AllocationMethod, ExchangeRate, Expenditure, Fund

# Fund and CapacityCategory: the names and choices of the dashboard's filters and lines;
# Program: the region its funded sessions are counted under.
AUDITED = (Allocation, AllocationMethod, Expenditure, ExchangeRate, ActivityReport, Session, Fund)
NEWEST_ROW_ONLY = (Enrollment,)
LATEST_UPDATE = (Organization, Region, CapacityCategory, Program)


def data_version() -> str:
    """A short hash of the newest ids and updates of everything the funding figures read (one query)."""
    # Only table and column names from the models, quoted: nothing from a request reaches this SQL.
    quote = connection.ops.quote_name
    parts = []
    for model in AUDITED + NEWEST_ROW_ONLY:
        tables = (model._meta, model.history.model._meta) if model in AUDITED else (model._meta,)
        for table in tables:
            parts.append(f"(SELECT MAX({quote(table.pk.column)}) FROM {quote(table.db_table)})")  # noqa: S608
    for model in LATEST_UPDATE:
        parts.append(f"(SELECT MAX({quote('updated_at')}) FROM {quote(model._meta.db_table)})")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        values = cursor.fetchone()
    return hashlib.sha256(repr(values).encode()).hexdigest()[:32]
