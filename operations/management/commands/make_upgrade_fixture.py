import gzip
import os
import shutil
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings
from django.utils.translation import gettext as _

from engine import services
from operations import backup, dumps, sample
from signing import demo
from signing.models import HolderKind, SigningCertificate
from signing.render import render_document
from signing.sign import sign_as_person
from signing.testing.example import decision_metadata


class Command(BaseCommand):
    help = ("Fill an EMPTY database with what a release must carry forward (the demo commune, running instances of "
            "the catalog and of a two-step process, registered documents with their files, a signed PDF and its "
            "verification) and write it as a gzip-compressed backup archive: the fixture the next release's "
            "upgrade test restores and migrates (tests/operations/test_upgrade.py).")

    def add_arguments(self, parser):
        parser.add_argument("output", type=Path, help="the .tar.gz to write")

    def handle(self, *args, output: Path, **options):
        if dumps.tables():
            raise CommandError(_("make_upgrade_fixture fills a new, empty database; this one has tables."))
        os.environ.setdefault(demo.SECRET_ENV, demo.DEFAULT_PASSWORD)  # the demo keys' password: demo only
        with tempfile.TemporaryDirectory(prefix="quytrinh-fixture-") as scratch:
            keys = Path(scratch) / "signing"
            call_command("migrate", interactive=False, verbosity=0)
            for command in ("seed_demo", "seed_documents", "deploy_processes"):
                call_command(command, verbosity=0)
            call_command("seed_signing", dir=str(keys), verbosity=0)
            clerk = get_user_model().objects.get(username="vanthu")
            with override_settings(SIGNING={"TSA_PKCS12": str(keys / "tsa.p12"), "TSA_SECRET_REF": demo.SECRET_ENV}):
                sample.populate(user=clerk, signed_pdf=_signed_pdf())
            services.start("incoming_document", actor=clerk, body=sample.BODY,
                           data={"subject": "V/v triển khai Sổ tay đảng viên điện tử", "organ_name": "Tỉnh ủy"})
            archive = Path(scratch) / "fixture.tar"
            summary = backup.create(archive)
            output.parent.mkdir(parents=True, exist_ok=True)
            with archive.open("rb") as source, gzip.open(output, "wb", compresslevel=9) as target:
                shutil.copyfileobj(source, target)
        self.stdout.write(_("Upgrade fixture written to %(path)s: %(counts)s.") % {
            "path": output, "counts": ", ".join(f"{key} {value}" for key, value in summary.counts.items())})


def _signed_pdf() -> bytes:
    """A decision signed by a person of the demo PKI, timestamped by the demo authority."""
    rendered = render_document(metadata=decision_metadata(), body=("Điều 1. Ban hành Quy chế làm việc.",))
    certificate = SigningCertificate.objects.filter(kind=HolderKind.PERSON).order_by("pk").first()
    if certificate is None:
        raise CommandError(_("The demo PKI has no personal certificate."))
    return sign_as_person(pdf=rendered.pdf, certificate=certificate, approved_sha256=rendered.sha256).pdf
