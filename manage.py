#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config import var

    var.ensure()  # the embedded SQLite database lives there

    execute_from_command_line(sys.argv)
