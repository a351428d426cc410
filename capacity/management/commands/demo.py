"""Load the demo: the founding text's story told with affiliates, people and programs.

Each app that has a `demo` module contributes its part, in INSTALLED_APPS order (so a
later app can rely on an earlier one's rows). Safe to run again: nothing is duplicated.
"""

import json
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_FILE = Path(__file__).resolve().parents[2] / "seed" / "demo.json"


class Command(BaseCommand):
    help = "Load demo data (idempotent): organizations, people, programs, sessions and enrollments."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="capacity-demo", help="Password for every demo account.")

    def handle(self, *args, password, **options):
        data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
        with transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if (
                    not config.path.startswith(str(Path(__file__).resolve().parents[3]))
                    or find_spec(module_name) is None
                ):
                    continue
                summary = import_module(module_name).load(data, password=password)
                self.stdout.write(f"{config.label}: {summary}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready. Log in as steward@example.org (or any demo person) with password {password!r}."
            )
        )
