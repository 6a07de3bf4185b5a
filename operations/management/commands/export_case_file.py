import getpass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from documents.models import CaseFile
from engine.exceptions import QuytrinhError
from operations import casefiles


class Command(BaseCommand):
    help = ("Export a closed case file (hồ sơ) with its documents, every version of their files, the signed PDFs "
            "and their verification reports and the audit trail, as one archive whose manifest verifies; or, with "
            "--verify, check such an archive.")

    def add_arguments(self, parser):
        parser.add_argument("case_file", nargs="?", type=int, help="the case file's id")
        parser.add_argument("path", type=Path, help="the archive to write (or, with --verify, to check)")
        parser.add_argument("--verify", action="store_true", help="check the archive at PATH instead of exporting")
        parser.add_argument("--by", default="", help="user name of the administrator exporting (for the audit log)")

    def handle(self, *args, case_file=None, path: Path, verify=False, by="", **options):
        if verify:
            try:
                manifest = casefiles.verify(path)
            except QuytrinhError as err:
                raise CommandError(str(err)) from err
            self.stdout.write(_("The archive %(path)s is intact: %(members)s members match the manifest and every "
                                "audit chain is whole (case file %(code)s/%(year)s).") % {
                "path": path, "members": len(manifest.members), "code": manifest.subject.get("code"),
                "year": manifest.subject.get("year")})
            return
        if case_file is None:
            raise CommandError(_("Name the case file to export (its id)."))
        row = CaseFile.objects.filter(pk=case_file).first()
        if row is None:
            raise CommandError(_("There is no case file %(id)s.") % {"id": case_file})
        actor = _actor(by)
        try:
            summary = casefiles.export(row, path, actor=actor)
        except QuytrinhError as err:
            raise CommandError(str(err)) from err
        self.stdout.write(_("Case file %(file)s exported to %(path)s (%(size)s bytes, manifest SHA-256 %(sha256)s): "
                            "%(counts)s.") % {
            "file": casefiles.label(row), "path": summary.path, "size": summary.size, "sha256": summary.manifest_sha256,
            "counts": ", ".join(f"{key} {value}" for key, value in summary.counts.items())})


def _actor(username: str):
    """The administrator's account when named, else the system account that ran the command."""
    if not username:
        try:
            return f"{getpass.getuser()} (manage.py)"
        except (OSError, KeyError):  # no name for this uid (a container)
            return "manage.py"
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("There is no active user %(name)s.") % {"name": username})
    return user
