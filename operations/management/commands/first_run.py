import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _

#: Where the first administrator's password is read from, so it never appears on a command line.
PASSWORD_VARIABLE = "QUYTRINH_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = ("Set up a new server: apply migrations, collect static files, deploy the procedure catalog and create "
            "the first administrator (no demo data). Safe to run again: it then migrates and deploys only.")

    def add_arguments(self, parser):
        parser.add_argument("--admin", required=True, help="user name of the first administrator")
        parser.add_argument("--email", default="", help="their e-mail address")

    def handle(self, *args, admin, email="", **options):
        user_model = get_user_model()
        password = None
        if not _administrator_exists(user_model):  # refuse a missing or weak password before changing anything
            password = os.environ.get(PASSWORD_VARIABLE, "")
            if not password:
                raise CommandError(_("Set the first administrator's password in the environment variable %(name)s "
                                     "(it is read from there, never from the command line).")
                                   % {"name": PASSWORD_VARIABLE})
            try:
                validate_password(password, user_model(username=admin, email=email))
            except ValidationError as err:
                raise CommandError(" ".join(err.messages)) from err
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(_("Database schema up to date."))
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("deploy_processes", stdout=self.stdout, stderr=self.stderr)
        with transaction.atomic():
            if password is None or user_model.objects.filter(is_superuser=True).exists():
                self.stdout.write(_("An administrator exists already; no account was created."))
                return
            user_model.objects.create_superuser(username=admin, email=email, password=password)
        self.stdout.write(_("Administrator %(name)s created. Sign in at /admin/ to add the bodies, staff, registers "
                            "and certificates.") % {"name": admin})


def _administrator_exists(user_model) -> bool:
    if user_model._meta.db_table not in connection.introspection.table_names():
        return False
    return user_model.objects.filter(is_superuser=True).exists()
