from django.core.management.base import BaseCommand, CommandError

from engine import audit


class Command(BaseCommand):
    help = "Check every audit hash chain; report each edited, reordered or missing event."

    def add_arguments(self, parser):
        parser.add_argument("--stream", help="only this stream, e.g. instance:<uuid> or definition:<key>")

    def handle(self, *args, stream=None, **options):
        problems = audit.verify(stream)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in the audit log.")
        self.stdout.write("audit log intact")
