from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

from operations import backup, conf
from operations.exceptions import BackupError


class Command(BaseCommand):
    help = "Write one consistent archive of the database and every stored file, with a manifest of SHA-256s."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path,
                            help="archive to write (default: a new quytrinh-<time>.tar in QUYTRINH_BACKUP_DIR)")
        parser.add_argument("--prometheus-textfile", type=Path,
                            help="after success, write the time and size of this backup there (for the node "
                                 "exporter's textfile collector: alert QuytrinhNoBackup)")

    def handle(self, *args, output=None, prometheus_textfile=None, **options):
        path = output or backup.default_path(Path(conf.get("BACKUP_DIR")))
        try:
            summary = backup.create(path)
        except BackupError as err:
            raise CommandError(str(err)) from err
        self.stdout.write(_("Backup written to %(path)s (%(size)s bytes): %(files)s stored files; %(counts)s.") % {
            "path": summary.path, "size": summary.size, "files": summary.files,
            "counts": ", ".join(f"{key} {value}" for key, value in summary.counts.items())})
        if prometheus_textfile:
            registry = CollectorRegistry()
            Gauge("quytrinh_backup_last_success_timestamp_seconds", "When the last backup was written.",
                  registry=registry).set(summary.path.stat().st_mtime)
            Gauge("quytrinh_backup_last_size_bytes", "Size of the last backup archive.",
                  registry=registry).set(summary.size)
            write_to_textfile(str(prometheus_textfile), registry)
