"""manage.py generate_dataset --scale {tiny,small,movement} [--seed N]: a synthetic decade of data."""

from django.core.management.base import BaseCommand, CommandError

from bench.dataset import SCALES, DatasetError, generate


class Command(BaseCommand):
    help = (
        "Fill an empty, migrated database with seeded synthetic data (organizations, people, programs, "
        "sessions, enrollments, activity reports, measurements, funds and allocations). Refuses a database "
        "that already holds programs, sessions, enrollments or measurements."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="tiny")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, scale, seed, **options):
        try:
            generate(scale=scale, seed=seed, out=self.stdout.write)
        except DatasetError as error:
            raise CommandError(str(error)) from error
