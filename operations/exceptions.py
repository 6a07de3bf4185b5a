"""Errors of operations: what an administrator must fix before a backup, a restore or a first run can go on."""

from django.utils.translation import gettext_lazy as _

from engine.exceptions import QuytrinhError


class BackupError(QuytrinhError):
    """A backup could not be written, or an archive cannot be restored as it is."""

    code = "backup_error"
    status = 400
    default_message = _("The backup or restore could not be carried out.")


class NotEmpty(BackupError):
    """Restoring would overwrite what a server already holds."""

    code = "restore_target_not_empty"
    status = 409
    default_message = _("The target server is not empty.")
