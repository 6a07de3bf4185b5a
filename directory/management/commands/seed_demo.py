"""``python manage.py seed_demo``: the Vĩnh An demo commune (see ``directory.demo``).

Every demo account's password comes from ``DEMO_PASSWORD`` (default ``quytrinh-demo``): for a
local demo only. Running it again changes nothing.
"""

import os

from django.core.management.base import BaseCommand
from django.db import transaction

from directory import demo


class Command(BaseCommand):
    help = "Create the Vĩnh An demo commune (bodies, 24 staff accounts, 34 cells, 900 members). Idempotent."

    def handle(self, *args, **options):
        with transaction.atomic():
            created = demo.seed(password=os.environ.get("DEMO_PASSWORD") or "quytrinh-demo")
        if any(created.values()):
            summary = ", ".join(f"{count} {kind}" for kind, count in created.items() if count)
            self.stdout.write(f"demo data: created {summary}")
        else:
            self.stdout.write("demo data: already there")
