"""One year of the learning reports built in this process: its time, peak memory and a hash of every row.

Usage: .venv/bin/python bench/report_year.py YEAR [--database-url URL]

Runs `evaluation.reports.year_rows` for YEAR in one transaction, hands the rows to a
writer that only hashes them (nothing is written, the transaction is rolled back) and
prints the rows, the measurements read, the seconds, the process's peak RSS and the
SHA-256 of the rows (every field but the time they were built). Two versions of the
code run on the same data (one from a checkout of its own: run it with that checkout as
the working directory, since Celery puts the working directory first on the path) must
print the same hash to have made the same rows. Asserts nothing about speed or size.
"""

import argparse
import hashlib
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("year", type=int)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/capacity_bench_movement")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DEBUG", "true")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "capacity.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction

    settings.DEBUG = False  # DEBUG keeps every query's SQL in memory: not what a worker holds

    from evaluation import reports

    digest = hashlib.sha256()
    written = 0

    def write(rows):
        nonlocal written
        for row in rows:
            digest.update(repr(row[:-1]).encode())  # the last field is when it was built
        written += len(rows)

    started = time.perf_counter()
    with transaction.atomic():
        read = reports.year_rows(args.year, write=write)
        transaction.set_rollback(True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{Path(reports.__file__).parent.parent}: year {args.year}: {written:,} rows, {read:,} measurements read,")
    print(f"  {seconds:.1f} s, peak RSS {peak:.0f} MB, rows sha256 {digest.hexdigest()}")


if __name__ == "__main__":
    main()
