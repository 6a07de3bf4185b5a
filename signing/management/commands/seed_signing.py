"""``python manage.py seed_signing``: the demo's signing keys, trust list, CRLs and timestamp
authority (``signing.demo``). Idempotent; for demos only."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from signing import demo


class Command(BaseCommand):
    help = "Create the demo PKI (11 certificates of the Vĩnh An commune) under var/signing/. Demo only."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(Path(settings.VAR_DIR) / "signing"),
                            help="Where the PKCS#12 files go (default: var/signing/).")

    def handle(self, *args, **options):
        directory = Path(options["dir"])
        with transaction.atomic():
            created = demo.seed(directory=directory)
        if options["verbosity"]:
            self.stdout.write(
                f"Signing demo: {created['certificates']} certificates registered, {created['crls']} CRLs issued, "
                f"PKI {'built' if created['pki'] else 'reused'} in {directory}. Password from "
                f"{demo.SECRET_ENV} (default '{demo.DEFAULT_PASSWORD}'): demo keys only, never for real documents.")
