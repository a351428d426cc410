"""A synthetic decade of the movement's data, seeded, loaded with PostgreSQL COPY.

`manage.py generate_dataset --scale {tiny,small,movement} [--seed N]` calls `generate`.
Rows are written directly, consistent with the services' invariants: a session's
`seats_taken` is the count of its enrolled and completed enrollments and never exceeds its
seats; every asked demographic dimension of a report adds up to its participants (the
database's check constraints refuse anything else); the measurements of a report are
those `evaluation.measurements.activity_report_measure` computes from it (the newcomers
figure is the report's own: the generator enrolls nobody a first time to count).

Primary keys are reserved from each table's sequence in one block (`setval`) and written
explicitly, so one pass writes rows and the rows that point at them. On PostgreSQL each
table streams through COPY in batches of BATCH rows (memory stays bounded); on SQLite the
same rows go through executemany (tiny only).
"""

import csv
import io
import itertools
import random
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction

BATCH = 100_000
COPY_READ = 1 << 20  # bytes psycopg2 reads from a batch's buffer at a time (8 KiB by default)


@dataclass(frozen=True)
class Scale:
    organizations: int
    people: int
    programs: int
    sessions: int
    enrollments: int
    funds: int
    allocations: int


SCALES = {
    "tiny": Scale(20, 300, 200, 800, 5_000, 3, 60),
    "small": Scale(200, 20_000, 5_000, 25_000, 250_000, 20, 2_000),
    "movement": Scale(1_000, 200_000, 50_000, 250_000, 2_500_000, 100, 20_000),
}
YEARS = 6  # sessions from six years ago to half a year ahead
AHEAD_DAYS = 180
REPORTED_SHARE = 0.8  # of the sessions that took place
CANCELLED_SHARE = 0.03
EMPTY_SHARE = 0.1  # sessions nobody enrolls in
SURVEYED_SHARE = 0.6  # of the people who attended
ASSESSING_SHARE = 0.8  # of the people, who assess themselves now and then
RETENTION = {"follow_up_3": 0.65, "follow_up_6": 0.55, "follow_up_12": 0.45}  # still active, by follow-up
RETENTION_BY_METHOD = {"mentoring": 0.2, "peer_consultation": 0.1, "self_paced": -0.2, "conference_session": -0.1}
CURRENCIES = {"USD": Decimal(1), "EUR": Decimal("1.08"), "INR": Decimal("0.012"), "BRL": Decimal("0.19")}
WORDS = (
    "wikidata commons wikisource editing workshop mentoring grant governance advocacy outreach photography "
    "translation lexemes queries citations templates bots accessibility archives libraries museums"
).split()
# A survey answer's or a self-assessment round's measurements: with a capacity, no allocation.
SURVEY_MEASUREMENT_COLUMNS = [
    "id", "value", "numerator", "denominator", "people", "date", "source", "source_id", "is_emerging",
    "method", "recorded_at", "organization_id", "program_id", "region_id", "session_id", "indicator_id",
    "category_id", "dimension", "answer",
]  # fmt: skip
# The tables the generator fills, in order; it refuses to run unless all are empty.
CHECKED = ("programs.Program", "programs.Session", "programs.Enrollment", "evaluation.Measurement")


class DatasetError(Exception):
    pass


def zipf_weights(count, exponent=1.1):
    """A few large, many small: the weight of the n-th is 1/n^exponent."""
    return list(itertools.accumulate(1 / (n + 1) ** exponent for n in range(count)))


class Loader:
    """Writes rows of one table at a time with explicit ids; records rows and seconds per table."""

    def __init__(self, out):
        self.out = out
        self.postgres = connection.vendor == "postgresql"
        self.timings = []

    def reserve(self, table, count):
        """The first of `count` consecutive ids nobody else will get from the table's sequence."""
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s)",
                    [table, table, max(count, 1) - 1],
                )
                return cursor.fetchone()[0] - max(count, 1) + 1
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608 - our own table names
            return cursor.fetchone()[0] + 1

    @contextmanager
    def without_checks(self, tables):
        """Load these tables without their foreign keys, unique constraints and indexes, then put them back.

        PostgreSQL checks a deferred foreign key row by row and updates every index per
        row; adding a foreign key back checks all rows in one join, and building an index
        sorts once, as pg_restore does. It all happens in the caller's transaction, so
        the definitions come back exactly as they were, and a unique index or a foreign
        key the rows break fails the whole load. Primary keys stay (other tables' foreign
        keys point at them).
        """
        if not self.postgres:
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
                [list(tables)],
            )
            foreign_keys = cursor.fetchall()
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
                [list(tables)],
            )
            uniques = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY 1",
                [list(tables)],
            )
            indexes = cursor.fetchall()
            for table, name, _definition in [*foreign_keys, *uniques]:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        yield
        started = time.monotonic()
        with connection.cursor() as cursor:
            # Index builds sort in memory rather than on disk (this transaction only).
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for table, name, definition in uniques:
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in foreign_keys:
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        seconds = time.monotonic() - started
        count = len(uniques) + len(indexes) + len(foreign_keys)
        self.out(f"{'constraints and indexes back':<40} {count:>10,} defs {seconds:>8.2f} s")

    def write(self, table, columns, rows):
        """Load the rows in batches: while PostgreSQL takes one batch (COPY), the next is built.

        The COPY runs in a thread of its own on the same connection and transaction, one
        at a time, while this thread makes the next batch's rows; on a two-core machine
        the database and Python then work side by side. The generators that make rows
        reserve their ids before their first row is asked for (the first batch, before any
        COPY) and do not touch the database after, so nothing else uses the connection
        meanwhile; an error in a COPY is raised here and ends the load.
        """
        started = time.monotonic()
        total = 0
        names = ", ".join(f'"{column}"' for column in columns)
        with connection.cursor() as cursor, ThreadPoolExecutor(max_workers=1) as copier:
            copying = None
            while batch := list(itertools.islice(rows, BATCH)):
                total += len(batch)
                if self.postgres:
                    buffer = io.StringIO()
                    writer = csv.writer(buffer)
                    writer.writerows(tuple("\\N" if value is None else value for value in row) for row in batch)
                    buffer.seek(0)
                    if copying is not None:
                        copying.result()  # one COPY at a time on the connection
                    copying = copier.submit(
                        cursor.cursor.copy_expert,
                        f"COPY \"{table}\" ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                        buffer,
                        COPY_READ,
                    )
                else:
                    marks = ", ".join("%s" for _ in columns)
                    cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', batch)  # noqa: S608
            if copying is not None:
                copying.result()
        seconds = time.monotonic() - started
        self.timings.append((table, total, seconds))
        rate = total / seconds if seconds else 0
        self.out(f"{table:<40} {total:>10,} rows {seconds:>8.2f} s {rate:>12,.0f} rows/s")
        return total


def generate(*, scale, seed=1, out=print, today=None):
    """Fill an empty database with the scale's rows; returns {table: rows}."""
    from django.apps import apps

    if scale not in SCALES:
        raise DatasetError(f"Unknown scale {scale!r}: choose one of {', '.join(SCALES)}.")
    if connection.vendor != "postgresql" and scale != "tiny":
        raise DatasetError(f"The {scale} scale needs PostgreSQL (COPY); SQLite takes only --scale tiny.")
    for label in CHECKED:
        if apps.get_model(label).objects.exists():
            raise DatasetError(
                f"The database already holds {label} rows: generate into an empty, migrated database "
                "(drop and recreate it, then migrate). Nothing was written."
            )
    started = time.monotonic()
    loader = Loader(out)
    with transaction.atomic(), loader.without_checks(_bulk_tables()):
        _Generator(SCALES[scale], seed, loader, today).run()
    if loader.postgres:
        with connection.cursor() as cursor:
            if connection.in_atomic_block or not connection.get_autocommit():
                cursor.execute("ANALYZE")  # inside a caller's transaction, where VACUUM cannot run
            else:
                # As after a restore: the planner's statistics, and every page marked all-visible so
                # index-only scans read no table pages (autovacuum would do it later; it may be off).
                cursor.execute("VACUUM (ANALYZE)")
    total = sum(rows for _table, rows, _seconds in loader.timings)
    seconds = time.monotonic() - started
    out(f"{'total':<40} {total:>10,} rows {seconds:>8.2f} s {total / seconds if seconds else 0:>12,.0f} rows/s")
    counts = {}
    for table, rows, _seconds in loader.timings:
        counts[table] = counts.get(table, 0) + rows
    return counts


class _Generator:
    def __init__(self, scale, seed, loader, today):
        from capacity.models import CapacityCategory, Language, Region
        from evaluation.models import Indicator

        self.scale = scale
        self.rng = random.Random(seed)  # noqa: S311 - generated data, not secrets
        self.seed = seed
        self.loader = loader
        # Midnight UTC of today: the same seed gives the same rows all day.
        day = today or datetime.now(UTC).date()
        self.now = datetime(day.year, day.month, day.day, tzinfo=UTC)
        self.regions = list(Region.objects.order_by("pk").values_list("pk", "is_emerging"))
        self.languages = list(Language.objects.order_by("pk").values_list("pk", flat=True))
        self.categories = list(
            CapacityCategory.objects.filter(parent__isnull=False).order_by("pk").values_list("pk", flat=True)
        )
        self.indicators = dict(Indicator.objects.values_list("code", "pk"))
        self.families = list(CapacityCategory.objects.roots().order_by("pk").values_list("pk", flat=True))
        if not self.regions or not self.languages or not self.categories:
            raise DatasetError("Regions, languages and capacity categories are missing: run migrate first.")
        # More activity in some regions, most programs in a few languages.
        self.region_weights = zipf_weights(len(self.regions), 0.8)
        self.language_weights = zipf_weights(len(self.languages), 1.2)

    def ids(self, model, count):
        return self.loader.reserve(model._meta.db_table, count)

    def run(self):
        from django.contrib.auth import get_user_model

        from programs.models import ActivityReport, Enrollment, Program, Session
        from programs.services import REPORT_FIGURES
        from resources.models import Allocation, ExchangeRate, Fund
        from stakeholders.models import Organization

        rng, s, now = self.rng, self.scale, self.now
        write = self.loader.write

        # Organizations: a few large affiliates, many small ones; the first few are funders.
        first_org = self.ids(Organization, s.organizations)
        funders = max(1, s.organizations // 50)
        org_regions = [self.region() for _ in range(s.organizations)]
        kinds = ["chapter", "user_group", "user_group", "thematic", "hub"]

        def organizations():
            for n in range(s.organizations):
                kind = "funder" if n < funders else rng.choice(kinds)
                name = f"Generated {kind.replace('_', ' ')} {n}"
                yield (
                    first_org + n,
                    now,
                    now,
                    f"gen-org-{n}",
                    name,
                    name,
                    "",
                    kind,
                    "",
                    self.regions[org_regions[n]][0],
                )

        write(
            Organization._meta.db_table,
            [
                "id",
                "created_at",
                "updated_at",
                "slug",
                "name",
                "name_en",
                "description",
                "kind",
                "website",
                "region_id",
            ],
            organizations(),
        )
        provider_weights = zipf_weights(s.organizations - funders)

        # People.
        User = get_user_model()
        first_user = self.ids(User, s.people)

        joined_at = [now - timedelta(days=rng.uniform(0, YEARS * 365)) for _ in range(s.people)]
        person_region = [self.region() for _ in range(s.people)]

        def people():
            for n in range(s.people):
                joined = joined_at[n]
                yield (
                    first_user + n, "!", None, False, f"gen-person-{n}", "", "", f"gen-person-{n}@example.org",
                    False, True, joined, f"Person {n}", "UTC", "en", f"gen-{self.seed}-{n}",
                    self.regions[person_region[n]][0],
                )  # fmt: skip

        write(
            User._meta.db_table,
            [
                "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
                "is_staff", "is_active", "date_joined", "display_name", "time_zone", "preferred_language",
                "calendar_token", "home_region_id",
            ],
            people(),
        )  # fmt: skip

        # Programs, each from one provider in its region, in one or two languages.
        first_program = self.ids(Program, s.programs)
        program_provider = [funders + self.pick(provider_weights) for _ in range(s.programs)]
        program_method = [rng.choice(Program.Method.values) for _ in range(s.programs)]

        def programs():
            for n in range(s.programs):
                provider = program_provider[n]
                title = " ".join(rng.sample(WORDS, 3)).capitalize() + f" {n}"
                summary = "Generated program"
                yield (
                    first_program + n, now, now, f"gen-{n}", title, title, summary, summary, "",
                    program_method[n], rng.choice(Program.Format.values), rng.choice(Program.Level.values),
                    rng.random() < 0.95, first_org + provider, self.regions[org_regions[provider]][0],
                    title, summary, "", self.languages[self.pick(self.language_weights)], None,
                )  # fmt: skip

        write(
            Program._meta.db_table,
            [
                "id", "created_at", "updated_at", "slug", "title", "title_en", "summary", "summary_en",
                "description", "method", "format", "level", "is_published", "provider_id", "region_id",
                "original_title", "original_summary", "original_description", "original_language_id", "archived_at",
            ],
            programs(),
        )  # fmt: skip
        program_categories = [
            rng.sample(self.categories, rng.randint(1, min(3, len(self.categories)))) for _ in range(s.programs)
        ]
        pairs = [(first_program + n, category) for n in range(s.programs) for category in program_categories[n]]
        first = self.ids(Program.categories.through, len(pairs))
        write(
            Program.categories.through._meta.db_table,
            ["id", "program_id", "capacitycategory_id"],
            ((first + n, *pair) for n, pair in enumerate(pairs)),
        )
        pairs = [
            (first_program + n, language)
            for n in range(s.programs)
            for language in {self.languages[self.pick(self.language_weights)] for _ in range(rng.randint(1, 2))}
        ]
        first = self.ids(Program.languages.through, len(pairs))
        write(
            Program.languages.through._meta.db_table,
            ["id", "program_id", "language_id"],
            ((first + n, *pair) for n, pair in enumerate(pairs)),
        )
        del pairs

        # Sessions over six years of quarters, more recent ones more numerous; popular and empty.
        first_session = self.ids(Session, s.sessions)
        session_program = [rng.randrange(s.programs) for _ in range(s.sessions)]
        span = YEARS * 365 + AHEAD_DAYS
        session_start = [
            now + timedelta(days=AHEAD_DAYS - span * (1 - rng.random() ** 0.7), hours=rng.randint(6, 18))
            for _ in range(s.sessions)
        ]
        session_seats = [rng.choice((10, 15, 20, 25, 30, 40, 60, 100)) for _ in range(s.sessions)]
        cancelled = [rng.random() < CANCELLED_SHARE for _ in range(s.sessions)]
        popularity = [0.0 if rng.random() < EMPTY_SHARE else rng.paretovariate(1.3) for _ in range(s.sessions)]
        scale_by = s.enrollments / sum(popularity)
        wanted = [min(round(p * scale_by), s.people) for p in popularity]
        # The most popular sessions are capped at everyone: spread what they lose over the others.
        scale_by *= s.enrollments / max(sum(wanted), 1)
        wanted = [min(round(p * scale_by), s.people) for p in popularity]
        holders = [0 if cancelled[n] else min(wanted[n], session_seats[n]) for n in range(s.sessions)]
        del popularity

        def sessions():
            for n in range(s.sessions):
                starts = session_start[n]
                yield (
                    first_session + n, starts - timedelta(days=30), starts - timedelta(days=30), starts,
                    starts + timedelta(hours=rng.choice((2, 3, 4))), "", "", session_seats[n], holders[n],
                    None, None, cancelled[n], first_program + session_program[n], "", "UTC",
                )  # fmt: skip

        write(
            Session._meta.db_table,
            [
                "id", "created_at", "updated_at", "starts_at", "ends_at", "venue", "online_url", "seats",
                "seats_taken", "enrollment_opens_at", "enrollment_closes_at", "is_cancelled", "program_id",
                "dashboard_course", "time_zone",
            ],
            sessions(),
        )  # fmt: skip

        # Enrollments: holders enrolled (or completed, once the session took place), the rest
        # waiting (future) or cancelled; attendance marked for past sessions.
        first_enrollment = self.ids(Enrollment, sum(wanted))
        attended = [0] * s.sessions
        # Per session, the people who took part with an account new at its start (evaluation.measurements).
        window = timedelta(days=settings.NEWCOMER_WINDOW_DAYS)
        new_accounts = [0] * s.sessions
        surveyed = []  # (enrollment id, session) of the attended people who answer the surveys

        def enrollments():
            number = first_enrollment
            for n in range(s.sessions):
                starts = session_start[n]
                past = starts < now
                for place, person in enumerate(rng.sample(range(s.people), wanted[n])):
                    created = starts - timedelta(days=20, minutes=-place)
                    waitlisted_at = completed_at = None
                    attendance = "unknown"
                    if place < holders[n]:
                        if past:
                            attendance = "attended" if rng.random() < 0.85 else "no_show"
                            attended[n] += attendance == "attended"
                            if attendance == "attended" and joined_at[person] >= starts - window:
                                new_accounts[n] += 1
                            if attendance == "attended" and rng.random() < SURVEYED_SHARE:
                                surveyed.append((number, n))
                        status = "completed" if past and attendance == "attended" and rng.random() < 0.7 else "enrolled"
                        completed_at = starts + timedelta(days=1) if status == "completed" else None
                    elif past or cancelled[n]:
                        status = "cancelled"
                    else:
                        status, waitlisted_at = "waitlisted", created
                    yield (
                        number, created, created, status, waitlisted_at, None, completed_at,
                        first_user + person, first_session + n, None, None, attendance, None,
                    )  # fmt: skip
                    number += 1

        write(
            Enrollment._meta.db_table,
            [
                "id", "created_at", "updated_at", "status", "waitlisted_at", "reminder_sent_at", "completed_at",
                "user_id", "session_id", "promoted_at", "promotion_notified_at", "attendance",
                "cancellation_notified_at",
            ],
            enrollments(),
        )  # fmt: skip

        # Activity reports for most sessions that took place, and their measurements.
        reported = [
            n
            for n in range(s.sessions)
            if session_start[n] < now and not cancelled[n] and rng.random() < REPORTED_SHARE
        ]
        first_report = self.ids(ActivityReport, len(reported))
        report_values = {}

        # The report's figures (programs.services.REPORT_FIGURES, less the texts) and its breakdown.
        columns = ["participants"]
        for dimension, answers in _dimensions().items():
            columns += [f"{dimension}_asked", *(f"{dimension}_{answer}" for answer in answers)]
        columns += [field for field in REPORT_FIGURES if field not in ("participants", "evidence_url", "notes")]

        def reports():
            for number, n in enumerate(reported):
                participants = attended[n] or rng.randint(0, session_seats[n])
                values = {"participants": participants}
                for dimension, answers in _dimensions().items():
                    asked = rng.random() < 0.8
                    values[f"{dimension}_asked"] = asked
                    split = self.split(participants, len(answers)) if asked else [0] * len(answers)
                    for answer, count in zip(answers, split, strict=True):
                        values[f"{dimension}_{answer}"] = count
                values["newcomers"] = (
                    values["newcomer_new"] if values["newcomer_asked"] else rng.randint(0, participants)
                )
                values["facilitators"] = rng.randint(1, 3)
                values["hours_of_learning"] = Decimal(participants * rng.choice((1, 2, 3)))
                values["pages_created"] = rng.randint(0, 20) if participants else 0
                values["pages_improved"] = rng.randint(0, 60) if participants else 0
                values["files_uploaded"] = rng.randint(0, 40) if participants else 0
                report_values[number] = values
                ended = session_start[n] + timedelta(days=2)
                yield (first_report + number, ended, ended, first_session + n, first_user, *map(values.get, columns))

        write(
            ActivityReport._meta.db_table,
            ["id", "created_at", "updated_at", "session_id", "submitted_by_id", *columns, "evidence_url", "notes",
             "dashboard_course"],
            (row + ("", "", "") for row in reports()),
        )  # fmt: skip

        def measurements():
            from evaluation.models import NOT_ASKED, Source

            source = Source.ACTIVITY_REPORT.value
            number = itertools.count(self.ids_for_measurements(len(reported)))
            for index, n in enumerate(reported):
                values = report_values.pop(index)
                participants = values["participants"]
                if not participants:
                    continue
                program = session_program[n]
                provider = program_provider[program]
                region, emerging = self.regions[org_regions[provider]]
                base = (
                    session_start[n].date(), source, first_report + index, emerging, program_method[program],
                    now, first_org + provider, first_program + program, region, first_session + n,
                )  # fmt: skip

                def row(code, value, people, numerator=None, denominator=None, dimension="", answer="", base=base):
                    return (next(number), Decimal(value), numerator, denominator, people, *base,
                            self.indicators[code], dimension, answer)  # fmt: skip

                yield row("participants", participants, participants)
                newcomers = min(max(values["newcomers"], new_accounts[n]), participants)
                yield row("newcomers", newcomers, newcomers)
                yield row("hours_of_learning", values["hours_of_learning"], participants)
                yield row("pages_created_or_improved", values["pages_created"] + values["pages_improved"], participants)
                share = Decimal(1 if emerging else 0)
                yield row("emerging_share", share, participants, participants if emerging else 0, participants)
                for dimension, answers in _dimensions().items():
                    if not values[f"{dimension}_asked"]:
                        yield row("participants", participants, participants, dimension=dimension, answer=NOT_ASKED)
                        continue
                    for answer in answers:
                        if count := values[f"{dimension}_{answer}"]:
                            yield row("participants", count, count, dimension=dimension, answer=answer)

        from evaluation.models import Measurement

        self.measurement_table = Measurement._meta.db_table
        write(
            Measurement._meta.db_table,
            [
                "id", "value", "numerator", "denominator", "people", "date", "source", "source_id", "is_emerging",
                "method", "recorded_at", "organization_id", "program_id", "region_id", "session_id", "indicator_id",
                "dimension", "answer",
            ],
            measurements(),
        )  # fmt: skip

        self.surveys(
            surveyed, session_start, session_program, program_provider, program_method, program_categories,
            org_regions, first_session, first_program, first_org,
        )  # fmt: skip

        # Funds of the funders in a few currencies, allocations to providers, with USD rates.
        first_fund = self.ids(Fund, s.funds)
        currencies = list(CURRENCIES)
        fund_currency = [rng.choice(currencies) for _ in range(s.funds)]
        fund_start = [(now - timedelta(days=rng.randint(0, YEARS * 365))).date().replace(day=1) for _ in range(s.funds)]
        write(
            Fund._meta.db_table,
            ["id", "created_at", "updated_at", "name", "starts_on", "ends_on", "currency_id", "funder_id"],
            (
                (first_fund + n, now, now, f"Generated fund {n}", fund_start[n], fund_start[n] + timedelta(days=730),
                 fund_currency[n], first_org + n % funders)
                for n in range(s.funds)
            ),
        )  # fmt: skip
        months = sorted({(fund_currency[n], fund_start[n]) for n in range(s.funds) if fund_currency[n] != "USD"})
        first_rate = self.ids(ExchangeRate, len(months))
        rate_ids = {key: first_rate + n for n, key in enumerate(months)}
        write(
            ExchangeRate._meta.db_table,
            ["id", "created_at", "updated_at", "month", "usd_per_unit", "currency_id", "set_by_id"],
            ((rate_ids[key], now, now, key[1], CURRENCIES[key[0]], key[0], None) for key in months),
        )
        first_allocation = self.ids(Allocation, s.allocations)
        allocation_programs = []
        made = []  # (id, currency, amount, status, starts, recipient) of each allocation, for its purpose and spending

        def allocations():
            for n in range(s.allocations):
                fund = self.rng.randrange(s.funds)
                currency = fund_currency[fund]
                recipient = funders + self.pick(provider_weights)
                amount = Decimal(rng.randint(5, 500) * 100)
                usd = (amount * CURRENCIES[currency]).quantize(Decimal("0.01"))
                status = rng.choice(Allocation.Status.values)
                starts = fund_start[fund]
                made.append((first_allocation + n, currency, amount, status, starts, recipient))
                allocation_programs.extend(
                    (first_allocation + n, first_program + p)
                    for p in {
                        p for p in (rng.randrange(s.programs) for _ in range(2)) if program_provider[p] == recipient
                    }
                )
                yield (
                    first_allocation + n, now, now, "money", amount, "", None, None, starts,
                    starts + timedelta(days=365), status, now, currency, first_org + recipient, first_fund + fund,
                    usd, rate_ids.get((currency, starts)),
                )  # fmt: skip

        write(
            Allocation._meta.db_table,
            [
                "id", "created_at", "updated_at", "kind", "amount", "description", "hours", "value_per_hour",
                "starts_on", "ends_on", "status", "status_changed_at", "currency_id", "recipient_id", "fund_id",
                "usd_amount", "usd_rate_id",
            ],
            allocations(),
        )  # fmt: skip
        self.write_numbered(Allocation.programs.through, ["allocation_id", "program_id"], allocation_programs)
        self.funding(made, allocation_programs, program_provider, first_program, rate_ids)
        self.community(first_user, first_org, funders, org_regions, provider_weights, person_region)

    def funding(self, made, linked, program_provider, first_program, rate_ids):
        """Each allocation's purpose (methods and capacities), more of its recipient's programs, and its spending.

        From a random stream of its own, so the rows before and after (the community) are
        those the same seed always gave. Half the allocations fund one to three of their
        recipient's programs; the approved, disbursed and closed money allocations have
        one to four expenditures in the month they start (so the allocation's rate
        applies), most spending part of the amount and every twentieth beyond it.
        """
        from programs.models import Program
        from resources.models import Allocation, AllocationMethod, Expenditure

        rng = random.Random(f"{self.seed}:funding")  # noqa: S311 - generated data, not secrets
        programs_of = {}
        for index, provider in enumerate(program_provider):
            programs_of.setdefault(provider, []).append(index)
        methods = Program.Method.values
        spending = (Allocation.Status.APPROVED, Allocation.Status.DISBURSED, Allocation.Status.CLOSED)
        already = set(linked)
        more_programs, method_rows, category_rows, expenditure_rows = [], [], [], []
        spenders = 0
        for allocation_id, currency, amount, status, starts, recipient in made:
            own = programs_of.get(recipient, [])
            if own and rng.random() < 0.5:
                for index in rng.sample(own, min(len(own), rng.randint(1, 3))):
                    pair = (allocation_id, first_program + index)
                    if pair not in already:
                        already.add(pair)
                        more_programs.append(pair)
            for method in rng.sample(methods, rng.randint(1, 2)):
                method_rows.append((allocation_id, method))
            for category in rng.sample(self.categories, rng.randint(1, 2)):
                category_rows.append((allocation_id, category))
            if status not in spending or rng.random() < 0.2:
                continue
            spenders += 1
            share = Decimal(rng.randint(110, 115) if spenders % 20 == 0 else rng.randint(20, 100)) / 100
            parts = rng.randint(1, 4)
            left = (amount * share).quantize(Decimal("0.01"))
            for part in range(parts):
                spent = (
                    left if part == parts - 1 else (left * Decimal(rng.randint(20, 60)) / 100).quantize(Decimal("0.01"))
                )
                left -= spent
                over = share > 1 and part == parts - 1
                expenditure_rows.append(
                    (
                        allocation_id, starts + timedelta(days=rng.randint(0, 27)), spent, currency,
                        rng.choice(Expenditure.Category.values), "",
                        "More participants came than planned." if over else "",
                        (spent * CURRENCIES[currency]).quantize(Decimal("0.01")), rate_ids.get((currency, starts)),
                    )
                )  # fmt: skip
        self.write_numbered(Allocation.programs.through, ["allocation_id", "program_id"], more_programs)
        self.write_numbered(AllocationMethod, ["allocation_id", "method"], method_rows)
        self.write_numbered(Allocation.categories.through, ["allocation_id", "capacitycategory_id"], category_rows)
        now = self.now
        self.write_numbered(
            Expenditure,
            [
                "created_at", "updated_at", "allocation_id", "spent_on", "amount", "currency_id", "category",
                "note", "overspend_reason", "usd_amount", "usd_rate_id", "recorded_by_id",
            ],
            [(now, now, *row, None) for row in expenditure_rows],
        )  # fmt: skip

    def write_numbered(self, model, columns, rows):
        """A list of rows written with ids reserved for them from the model's table, in order."""
        first = self.ids(model, len(rows))
        self.loader.write(model._meta.db_table, ["id", *columns], ((first + n, *row) for n, row in enumerate(rows)))

    def surveys(self, surveyed, starts, session_program, program_provider, methods, categories, org_regions,
                first_session, first_program, first_org):  # fmt: skip
        """Pre, post and 3-, 6- and 12-month follow-up surveys of some attended people, answered, and their measurements.

        The measurements are those evaluation.measurements.survey_response_measure computes:
        satisfaction and, per capacity rated before and after, the gain and its mean (post);
        retention after 3, 6 and 12 months (follow-ups).
        """
        from evaluation.models import Measurement, Source, SurveyInvitation, SurveyRating, SurveyResponse

        rng, now, write = self.rng, self.now, self.loader.write
        kinds = [("pre", -2), ("post", 1), ("follow_up_3", 91), ("follow_up_6", 182), ("follow_up_12", 365)]
        plans = []  # (enrollment, session, kind, day offset)
        for enrollment, n in surveyed:
            for kind, days in kinds:
                if starts[n] + timedelta(days=days) < now:
                    plans.append((enrollment, n, kind, days))
        first_invitation = self.ids(SurveyInvitation, len(plans))
        first_response = self.ids(SurveyResponse, len(plans))
        write(
            SurveyInvitation._meta.db_table,
            ["id", "created_at", "updated_at", "kind", "token", "due_at", "sent_at", "responded_at", "enrollment_id"],
            (
                (first_invitation + i, at, at, kind, f"gen-{self.seed}-{first_invitation + i}", at, at, at, enrollment)
                for i, (enrollment, n, kind, days) in enumerate(plans)
                for at in (starts[n] + timedelta(days=days),)
            ),
        )
        answers = []  # per plan: satisfaction, still active, {category: rating}

        def responses():
            before = {}
            for i, (enrollment, n, kind, days) in enumerate(plans):
                program = session_program[n]
                satisfaction = still_active = None
                ratings = {}
                if kind == "pre":
                    ratings = {category: rng.randint(1, 4) for category in categories[program]}
                    before[enrollment] = ratings
                elif kind == "post":
                    satisfaction = rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 5, 12, 10))[0]
                    ratings = {
                        category: min(5, rating + rng.choice((0, 0, 1, 1, 2)))
                        for category, rating in before.pop(enrollment, {}).items()
                    }
                else:
                    # Fewer still active as the months go by; mentoring keeps most, self-paced fewest.
                    active = RETENTION[kind] + RETENTION_BY_METHOD.get(methods[program], 0)
                    still_active = rng.random() < active
                answers.append((satisfaction, still_active, ratings))
                at = starts[n] + timedelta(days=days, hours=3)
                yield (first_response + i, at, at, satisfaction, still_active, "", "", "en", first_invitation + i)

        write(
            SurveyResponse._meta.db_table,
            ["id", "created_at", "updated_at", "satisfaction", "still_active", "using_learning", "comments",
             "language", "invitation_id"],
            responses(),
        )  # fmt: skip
        count = sum(len(ratings) for _s, _a, ratings in answers)
        first_rating = self.ids(SurveyRating, count)
        write(
            SurveyRating._meta.db_table,
            ["id", "rating", "category_id", "response_id"],
            (
                (first_rating + number, rating, category, response)
                for number, (response, category, rating) in enumerate(
                    (first_response + i, category, rating)
                    for i, (_s, _a, ratings) in enumerate(answers)
                    for category, rating in sorted(ratings.items())
                )
            ),
        )
        baseline = {}
        for (enrollment, _n, kind, _days), (_s, _a, ratings) in zip(plans, answers, strict=True):
            if kind == "pre":
                baseline[enrollment] = ratings
        number = itertools.count(self.ids(Measurement, len(plans) * 5))
        source = Source.SURVEY_RESPONSE.value

        def measurements():
            for i, ((enrollment, n, kind, _days), (satisfaction, still_active, ratings)) in enumerate(
                zip(plans, answers, strict=True)
            ):
                program = session_program[n]
                provider = program_provider[program]
                region, emerging = self.regions[org_regions[provider]]
                base = (
                    starts[n].date(), source, first_response + i, emerging, methods[program], now,
                    first_org + provider, first_program + program, region, first_session + n,
                )  # fmt: skip

                def row(code, value, numerator=None, denominator=None, category=None, base=base):
                    value = Decimal(value).quantize(Decimal("0.0001"))
                    return (
                        next(number),
                        value,
                        numerator,
                        denominator,
                        1,
                        *base,
                        self.indicators[code],
                        category,
                        "",
                        "",
                    )

                if kind == "post":
                    yield row("satisfaction", satisfaction)
                    pre = baseline.get(enrollment, {})
                    gains = {
                        category: rating - pre[category] for category, rating in ratings.items() if category in pre
                    }
                    for category, gain in sorted(gains.items()):
                        yield row("capacity_gain", gain, category=category)
                    if gains:
                        yield row("capacity_gain", Decimal(sum(gains.values())) / len(gains))
                elif kind in RETENTION:
                    yield row(f"retention_{kind.removeprefix('follow_up_')}m", int(still_active), int(still_active), 1)

        write(
            Measurement._meta.db_table,
            SURVEY_MEASUREMENT_COLUMNS,
            measurements(),
        )

    def write_model(self, model, rows):
        """Rows given as {attname: value}; fields left out take their default (or the run's time, or NULL)."""
        fields = list(model._meta.concrete_fields)

        def value(field, row):
            if field.attname in row:
                return row[field.attname]
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                return self.now
            if field.has_default():
                return field.get_default()
            if field.null:
                return None
            if field.blank and field.get_internal_type() in ("CharField", "TextField"):
                return ""
            raise DatasetError(f"{model.__name__}.{field.name} needs a value")

        return self.loader.write(
            model._meta.db_table,
            [field.column for field in fields],
            (tuple(value(field, row) for field in fields) for row in rows),
        )

    def community(self, first_user, first_org, funders, org_regions, provider_weights, person_region):
        """Languages people speak, memberships, self-assessments, exchange profiles and support requests with offers."""
        from django.contrib.auth import get_user_model

        from stakeholders.models import (
            ExchangeCapacity,
            ExchangeLanguage,
            ExchangeProfile,
            Membership,
            Role,
            SupportEvent,
            SupportOffer,
            SupportRequest,
            SupportResponder,
        )

        rng, s, now = self.rng, self.scale, self.now
        User = get_user_model()

        def languages(count):
            return {self.languages[self.pick(self.language_weights)] for _ in range(count)}

        # Languages people speak: one to three, most in a few languages.
        spoken = [(first_user + n, language) for n in range(s.people) for language in languages(rng.randint(1, 3))]
        first = self.ids(User.languages.through, len(spoken))
        self.loader.write(
            User.languages.through._meta.db_table,
            ["id", "user_id", "language_id"],
            ((first + n, *pair) for n, pair in enumerate(spoken)),
        )
        del spoken

        # Memberships: an admin per organization, staff and members; large affiliates have more.
        memberships = []
        admins = {}  # organization → its (first) admin
        for n in range(s.organizations):
            size = 3 if n < funders else 1 + min(60, int(rng.paretovariate(1.2)))
            for place, person in enumerate(rng.sample(range(s.people), size)):
                if place == 0:
                    admins[n] = person
                role = Role.ADMIN if place == 0 else (Role.STAFF if place <= size // 4 or n < funders else Role.MEMBER)
                memberships.append((first_user + person, first_org + n, role))
        first = self.ids(Membership, len(memberships))
        self.write_model(
            Membership,
            (
                {"id": first + i, "user_id": user, "organization_id": org, "role": role}
                for i, (user, org, role) in enumerate(memberships)
            ),
        )
        self.self_assessments(first_user, first_org, person_region, org_regions, admins)

        # Exchange profiles: a fifth of the people and half the organizations.
        owners = [("user", first_user + n) for n in sorted(rng.sample(range(s.people), s.people // 5))]
        owners += [("organization", first_org + n) for n in range(s.organizations) if rng.random() < 0.5]
        first_profile = self.ids(ExchangeProfile, len(owners))
        self.write_model(
            ExchangeProfile,
            (
                {
                    "id": first_profile + i,
                    "user_id": owner if kind == "user" else None,
                    "organization_id": owner if kind == "organization" else None,
                    "is_listed": rng.random() < 0.9,
                    "region_id": self.regions[self.region()][0],
                    "updated_at": now - timedelta(days=rng.uniform(0, YEARS * 365)),
                }
                for i, (kind, owner) in enumerate(owners)
            ),
        )
        rows = [
            (first_profile + i, language, rng.randint(1, 5))
            for i in range(len(owners))
            for language in languages(rng.randint(1, 3))
        ]
        first = self.ids(ExchangeLanguage, len(rows))
        self.write_model(
            ExchangeLanguage,
            ({"id": first + n, "profile_id": p, "language_id": lang, "proficiency": level}
             for n, (p, lang, level) in enumerate(rows)),
        )  # fmt: skip
        rows = []
        for i in range(len(owners)):
            for category in rng.sample(self.categories, min(len(self.categories), rng.randint(2, 6))):
                has = rng.random() < 0.6
                shares = has and rng.random() < 0.5
                wants = not has or rng.random() < 0.2
                rows.append((first_profile + i, category, has, rng.randint(1, 4) if has else None, shares, wants))
        first = self.ids(ExchangeCapacity, len(rows))
        self.write_model(
            ExchangeCapacity,
            (
                {"id": first + n, "profile_id": p, "category_id": c, "has": h, "level": lv, "shares": sh, "wants": w}
                for n, (p, c, h, lv, sh, w) in enumerate(rows)
            ),
        )
        del rows, owners

        # Support requests: one for every five programs, a tenth sensitive, most answered.
        count = max(1, s.programs // 5)
        statuses = SupportRequest.Status.values
        first_request = self.ids(SupportRequest, count)
        requests = []
        for n in range(count):
            created = now - timedelta(days=YEARS * 365 * rng.random() ** 0.6)
            status = rng.choices(statuses, weights=(3, 2, 2, 4, 2))[0]
            requests.append((first_request + n, created, status, rng.random() < 0.1))

        def support_requests():
            for number, created, status, sensitive in requests:
                title = " ".join(rng.sample(WORDS, 4)).capitalize()
                yield {
                    "id": number,
                    "created_at": created,
                    "updated_at": created,
                    "author_id": first_user + rng.randrange(s.people),
                    "organization_id": first_org + funders + self.pick(provider_weights)
                    if rng.random() < 0.5
                    else None,
                    "title": title,
                    "what_happened": f"Generated: {title}.",
                    "what_is_needed": "Advice and someone who has done it before.",
                    "language_id": self.languages[self.pick(self.language_weights)],
                    "region_id": self.regions[self.region()][0],
                    "urgency": rng.choice(SupportRequest.Urgency.values),
                    "status": status,
                    "is_sensitive": sensitive,
                    "status_changed_at": None if status == "open" else created + timedelta(days=3),
                }

        self.write_model(SupportRequest, support_requests())
        pairs = [
            (number, category)
            for number, *_rest in requests
            for category in rng.sample(self.categories, rng.randint(1, 2))
        ]
        first = self.ids(SupportRequest.categories.through, len(pairs))
        self.loader.write(
            SupportRequest.categories.through._meta.db_table,
            ["id", "supportrequest_id", "capacitycategory_id"],
            ((first + n, *pair) for n, pair in enumerate(pairs)),
        )
        events = []
        for number, created, status, _sensitive in requests:
            events.append((number, "", "open", created))
            if status != "open":
                events.append((number, "open", status, created + timedelta(days=3)))
        first = self.ids(SupportEvent, len(events))
        self.write_model(
            SupportEvent,
            ({"id": first + n, "request_id": r, "from_status": a, "to_status": b, "created_at": at}
             for n, (r, a, b, at) in enumerate(events)),
        )  # fmt: skip
        responders = [
            (number, first_user + person)
            for number, _created, _status, sensitive in requests
            if sensitive
            for person in rng.sample(range(s.people), 2)
        ]
        first = self.ids(SupportResponder, len(responders))
        self.write_model(
            SupportResponder,
            ({"id": first + n, "request_id": r, "user_id": u} for n, (r, u) in enumerate(responders)),
        )
        offers = [
            (number, created + timedelta(days=rng.randint(1, 20)), status)
            for number, created, status, _sensitive in requests
            for _ in range(rng.choice((0, 1, 1, 2, 3)))
        ]
        first = self.ids(SupportOffer, len(offers))
        self.write_model(
            SupportOffer,
            (
                {
                    "id": first + n,
                    "created_at": at,
                    "updated_at": at,
                    "request_id": r,
                    "author_id": first_user + rng.randrange(s.people),
                    "kind": rng.choice(SupportOffer.Kind.values),
                    "message": "Generated offer of help.",
                    "language_id": self.languages[self.pick(self.language_weights)],
                    "accepted_at": at if status in ("matched", "resolved") and rng.random() < 0.5 else None,
                }
                for n, (r, at, status) in enumerate(offers)
            ),
        )

    def self_assessments(self, first_user, first_org, person_region, org_regions, admins):
        """Rounds of self-assessment by people and organizations, their ratings, and the gains measured.

        The measurements are those evaluation.measurements.self_assessment_measure
        computes: per capacity rated in a round and the round before, the gain, and the
        mean gain (one person once); a first round has none.
        """
        from evaluation.models import Measurement, SelfAssessment, SelfAssessmentRating, Source

        rng, s, now = self.rng, self.scale, self.now
        subjects = [("user", n) for n in range(s.people) if rng.random() < ASSESSING_SHARE]
        subjects += [("organization", n) for n in admins if rng.random() < 0.4]
        rounds = []  # (subject kind, subject index, when, {family: rating})
        for kind, n in subjects:
            when = now - timedelta(days=rng.uniform(30, YEARS * 365))
            ratings = {family: rng.randint(1, 4) for family in rng.sample(self.families, rng.randint(6, 10))}
            for _ in range(rng.randint(2, 7)):
                rounds.append((kind, n, when, ratings))
                when += timedelta(days=rng.randint(60, 300))
                if when >= now:
                    break
                ratings = {
                    family: max(1, min(5, rating + rng.choice((-1, 0, 0, 1, 1))))
                    for family, rating in ratings.items()
                    if rng.random() < 0.95
                }
        first_round = self.ids(SelfAssessment, len(rounds))
        self.write_model(
            SelfAssessment,
            (
                {
                    "id": first_round + i,
                    "user_id": first_user + n if kind == "user" else None,
                    "organization_id": first_org + n if kind == "organization" else None,
                    "assessed_by_id": first_user + (n if kind == "user" else admins[n]),
                    "assessed_at": when,
                }
                for i, (kind, n, when, _ratings) in enumerate(rounds)
            ),
        )
        count = sum(len(ratings) for *_rest, ratings in rounds)
        first = self.ids(SelfAssessmentRating, count)
        self.write_model(
            SelfAssessmentRating,
            (
                {"id": first + number, "assessment_id": first_round + i, "category_id": family, "rating": rating}
                for number, (i, family, rating) in enumerate(
                    (i, family, rating)
                    for i, (*_rest, ratings) in enumerate(rounds)
                    for family, rating in ratings.items()
                )
            ),
        )
        source = Source.SELF_ASSESSMENT.value
        indicator = self.indicators["capacity_gain"]
        number = itertools.count(self.ids(Measurement, count + len(rounds)))

        def measurements():
            previous = None
            for i, (kind, n, when, ratings) in enumerate(rounds):
                before = previous if previous and previous[:2] == (kind, n) else None
                previous = (kind, n, ratings)
                if before is None:
                    continue
                gains = {
                    family: rating - before[2][family] for family, rating in ratings.items() if family in before[2]
                }
                if not gains:
                    continue
                region, emerging = self.regions[person_region[n] if kind == "user" else org_regions[n]]
                base = (when.date(), source, first_round + i, emerging, "", now,
                        first_org + n if kind == "organization" else None, None, region, None, indicator)  # fmt: skip
                for family, gain in sorted(gains.items()):
                    yield (next(number), Decimal(gain), None, None, 1, *base, family, "", "")
                mean = (Decimal(sum(gains.values())) / len(gains)).quantize(Decimal("0.0001"))
                yield (next(number), mean, None, None, 1, *base, None, "", "")

        self.loader.write(
            Measurement._meta.db_table,
            SURVEY_MEASUREMENT_COLUMNS,
            measurements(),
        )

    def ids_for_measurements(self, reports):
        from evaluation.models import Measurement

        # At most 5 rows and every answer of every dimension per report.
        most = 5 + sum(len(answers) for answers in _dimensions().values())
        return self.ids(Measurement, reports * most)

    def region(self):
        return self.pick(self.region_weights)

    def pick(self, cumulative):
        return self.rng.choices(range(len(cumulative)), cum_weights=cumulative)[0]

    def split(self, total, parts):
        """`total` people over `parts` answers, most in the first ones (all add up to total)."""
        counts = [0] * parts
        left = total
        for part in range(parts - 1):
            taken = round(left * self.rng.random() ** 0.7) if left else 0
            counts[part] = taken
            left -= taken
        counts[-1] = left
        return counts


def _bulk_tables():
    """The tables that get a hundred thousand rows or more at the movement scale."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    labels = (
        "programs.Session", "programs.Enrollment", "programs.ActivityReport", "evaluation.Measurement",
        "evaluation.SurveyInvitation", "evaluation.SurveyResponse", "evaluation.SurveyRating",
        "evaluation.SelfAssessment", "evaluation.SelfAssessmentRating", "stakeholders.ExchangeProfile",
        "stakeholders.ExchangeLanguage", "stakeholders.ExchangeCapacity",
    )  # fmt: skip
    tables = [apps.get_model(label)._meta.db_table for label in labels]
    User = get_user_model()
    return [User._meta.db_table, User.languages.through._meta.db_table, *tables]


def _dimensions():
    from programs.models import DEMOGRAPHIC_DIMENSIONS

    return {dimension: [answer for answer, _label in answers] for dimension, answers in DEMOGRAPHIC_DIMENSIONS.items()}
