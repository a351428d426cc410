"""Where a year's build writes its report rows: a table of the year's own, swapped in at the end.

On PostgreSQL the report row table is partitioned by period, a table per year holding the
year and its quarters (migration 0010). A build fills a new table with no index, gives it
the parent's indexes once every row is in, and in the same transaction drops the year's
old table and attaches the new one (which checks its foreign key). At movement scale
(2025: 838,971 rows) deleting the old rows and writing the new ones into the indexed
table took 12 s of the year's 84; filling a bare table takes 2 s and indexing it once
about as much.

Readers are kept out only for the swap itself (dropping the old table takes the parent's
exclusive lock until the build commits, after the new rows' foreign key is checked);
until then they read the old rows, and after it all the new ones. Everywhere else
(SQLite, or a table that is not partitioned) the year's rows are deleted and written
into the one table.

Lock order, so that two years built at once cannot deadlock or wait for each other's
whole build: a build locks the report row table only at its swap, and only then the
indicator table more than for reading (attaching the new table checks its foreign key);
it reads report rows inside its transaction only from the year's own partition, by name
(the rows an incremental build keeps), never through the report row table or from the
default partition; and makes its
new table from the catalog, not with `LIKE` (which would lock the report row table until
the build ends).
"""

import re
import secrets
from contextlib import contextmanager

from django.db import connection

from .models import ReportRow

_INDEX = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ USING ")


def _literals(values):
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def is_partitioned():
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [ReportRow._meta.db_table])
        return cursor.fetchone()[0] == "p"


def _partitions():
    """[(name, bound)] of the report row table's partitions: "FOR VALUES IN (…)", "DEFAULT", or None
    for a table dropped since the build's snapshot began (another year's, by a build beside it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass ORDER BY c.relname""",
            [ReportRow._meta.db_table],
        )
        return cursor.fetchall()


def year_tables(periods):
    """The names of the partitions holding any of these periods (the year's, normally one)."""
    quoted = {"'" + period.replace("'", "''") + "'" for period in periods}
    return [
        name
        for name, bound in _partitions()
        if bound and bound != "DEFAULT" and any(literal in bound for literal in quoted)
    ]


def default_table():
    return next((name for name, bound in _partitions() if bound == "DEFAULT"), None)


def _create(table):
    """A new table with the report row table's columns, NOT NULLs, defaults and checks, and no index.

    Made from the catalog rather than `LIKE`, which would hold a lock on the report row
    table until the build commits and keep another year's build from swapping its table in.
    """
    parent = ReportRow._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
               FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
               WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""",
            [parent],
        )
        parts = [
            " ".join(
                [quote(name), kind, "NOT NULL" if not_null else "", f"DEFAULT {default}" if default else ""]
            ).strip()
            for name, kind, not_null, default in cursor.fetchall()
        ]
        # Checks by the parent's names: a partition must have its parent's, by name.
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'c' ORDER BY conname",
            [parent],
        )
        parts += [f"CONSTRAINT {quote(name)} {definition}" for name, definition in cursor.fetchall()]
        cursor.execute(f"CREATE TABLE {quote(table)} ({', '.join(parts)})")


def _dress(table, periods):
    """Give the filled table the parent's indexes and primary key, and its bounds as a check.

    Not its foreign keys: attaching it gives it the parent's and checks its rows then.
    Added here, each would be the table's own, and attaching would drop its triggers on
    the indicator table, which needs that table to itself: it would wait for every other
    year's build, all reading the indicators, and deadlock with the first that swaps.
    """
    parent = ReportRow._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Each index sorts the year's rows once, in memory rather than on disk (this transaction only).
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute(
            "SELECT pg_get_indexdef(x.indexrelid), x.indisprimary FROM pg_index x WHERE x.indrelid = %s::regclass "
            "ORDER BY x.indexrelid",
            [parent],
        )
        for number, (definition, primary) in enumerate(cursor.fetchall()):
            if primary:
                columns = definition[definition.rindex("(") :]
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(f'{table}_pk')} PRIMARY KEY {columns}"
                )
                continue
            match = _INDEX.match(definition)
            if not match:
                raise ValueError(f"Cannot copy the index {definition!r}")
            cursor.execute(
                f"CREATE {match.group(1) or ''}INDEX {quote(f'{table}_{number}')} ON {quote(table)} USING "
                + definition[match.end() :]
            )
        # Its statistics now, not when autovacuum comes by: the year's reports are read at once.
        cursor.execute(f"ANALYZE {quote(table)}")
        # Proves the rows belong in the year's partition, so attaching it reads none of them
        # to check (kept: it says no more than the partition's bounds).
        cursor.execute(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(f'{table}_bounds')} "
            f"CHECK (period IN ({_literals(periods)}))"
        )


def _swap(table, periods):
    """Drop the year's old table (and its rows left in the default one), attach the new one."""
    parent = ReportRow._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Dropped where it is rather than detached first: detaching would give its foreign
        # key triggers of its own on the indicator table, to be dropped at once.
        for old in year_tables(periods):
            cursor.execute(f"DROP TABLE {quote(old)}")
        default = default_table()
        if default:
            # Rows of the year written before it had a table of its own.
            delete = f"DELETE FROM {quote(default)} WHERE period = ANY(%s)"  # noqa: S608 - a name from the catalog
            cursor.execute(delete, [list(periods)])
        cursor.execute(
            f"ALTER TABLE {quote(parent)} ATTACH PARTITION {quote(table)} FOR VALUES IN ({_literals(periods)})"
        )


def keeps_rows(periods):
    """Whether a build of these periods can keep some of their rows: always in the one table;
    when partitioned, only from a table of the year's own (_copy reads no other)."""
    return not is_partitioned() or bool(year_tables(periods))


def _copy(table, periods, indicator_ids, columns):
    """Copy into `table` the year's rows of these indicators as they are, from the year's old table.

    Read from that partition by name, not through the report row table, which would stay
    locked for reading until the build commits and keep another year's build from
    dropping its old table (which locks the report row table exclusively); and never from
    the default partition, shared by the years, which another year's swap locks
    exclusively to attach its table (a build that read it would wait for that swap while
    the swap waits for it). A year's rows in the default one are rebuilt whole
    (reports._indicators_to_build).
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    sources = year_tables(periods)
    with connection.cursor() as cursor:
        for source in sources:
            cursor.execute(
                f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM {quote(source)} "  # noqa: S608 - names from the catalog
                "WHERE period = ANY(%s) AND indicator_id = ANY(%s)",
                [list(periods), list(indicator_ids)],
            )


@contextmanager
def year_table(year, periods, *, keep=()):
    """The table to write a year's rows into, within the caller's transaction; the year's
    old rows are gone once the block ends without an error, but for those of the
    indicators in `keep` (ids), which the table already holds as they were.

    Yields the table's name. Must run inside a transaction (the build's): a failure part
    way leaves the old rows, since the transaction rolls back the new table too.
    """
    parent = ReportRow._meta.db_table
    if not is_partitioned():
        ReportRow.objects.filter(period__in=periods).exclude(indicator_id__in=keep).delete()
        yield parent
        return
    # A name of its own, so two builds of one year never meet (they also take turns: reports._year_lock).
    table = f"{parent}_{int(year)}_{secrets.token_hex(4)}"
    _create(table)
    if keep:
        columns = [field.column for field in ReportRow._meta.concrete_fields if not field.primary_key]
        _copy(table, periods, keep, columns)
    yield table
    _dress(table, periods)
    _swap(table, periods)
