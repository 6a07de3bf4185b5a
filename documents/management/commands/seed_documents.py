from django.core.management.base import BaseCommand
from django.db import transaction

from documents import demo


class Command(BaseCommand):
    help = "Create the registers of the demo commune's bodies (after seed_demo). Demo only."

    def handle(self, *args, **options):
        with transaction.atomic():
            created = demo.seed()
        if options["verbosity"]:
            self.stdout.write(f"demo registers: created {created}")
