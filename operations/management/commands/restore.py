from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from operations import restore
from operations.exceptions import BackupError


class Command(BaseCommand):
    help = ("Restore a backup archive onto an empty server (database and file storage), after checking every "
            "member against its manifest.")
    # The database may not exist yet: restore creates it. No check may connect before.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--replace", action="store_true",
                            help="drop what the database and the file storage hold instead of refusing")

    def handle(self, *args, archive, replace=False, **options):
        try:
            summary = restore.restore(archive, replace=replace)
        except BackupError as err:
            raise CommandError(str(err)) from err
        self.stdout.write(_("Restored the backup of %(created)s: %(files)s stored files (%(bytes)s bytes); "
                            "%(counts)s.") % {
            "created": summary.created_at, "files": summary.files, "bytes": summary.file_bytes,
            "counts": ", ".join(f"{key} {value}" for key, value in summary.counts.items())})
        if summary.pending_migrations:
            self.stdout.write(_("This quytrinh is newer than the backup: run 'manage.py migrate' now (%(count)s "
                                "migrations to apply).") % {"count": len(summary.pending_migrations)})
        if summary.audit_problems:
            for problem in summary.audit_problems:
                self.stderr.write(problem)
            raise CommandError(_("The restored audit log has %(count)s problem(s).")
                               % {"count": len(summary.audit_problems)})
        self.stdout.write(_("Audit log intact."))
