"""Every user-facing string of the signing app has a Vietnamese translation in its catalog,
``signing/locale/vi/LC_MESSAGES/django.po`` (tests/test_translations.py checks every app's the
way makemessages extracts them), and every error carries a message and a stable code."""

import ast
import inspect
from pathlib import Path

import polib

from signing import exceptions

ROOT = Path(__file__).resolve().parents[2]
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "pgettext", "ngettext"}


def msgids() -> set[str]:
    found = set()
    for path in (ROOT / "signing").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT_NAMES
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def vietnamese_table(app: str = "signing") -> dict:
    catalog = polib.pofile(str(ROOT / app / "locale" / "vi" / "LC_MESSAGES" / "django.po"))
    return {entry.msgid: entry.msgstr for entry in catalog.translated_entries()}


def test_every_signing_message_has_a_vietnamese_translation():
    table = vietnamese_table()
    missing = sorted(msgids() - set(table))
    assert not missing, missing


def test_shared_messages_keep_the_translation_other_apps_gave_them():
    # Django merges every app's catalog: one English message has one Vietnamese text
    ours = vietnamese_table()
    for path in sorted(ROOT.glob("*/locale/vi/LC_MESSAGES/django.po")):
        if path.parents[3].name == "signing":
            continue
        for english, vietnamese in vietnamese_table(path.parents[3].name).items():
            if english in ours:
                assert ours[english] == vietnamese, (str(path), english)


def test_translations_keep_their_placeholders():
    import re

    placeholder = re.compile(r"%\(\w+\)s")
    for english, vietnamese in vietnamese_table().items():
        assert sorted(placeholder.findall(english)) == sorted(placeholder.findall(vietnamese)), english


def test_every_error_has_a_code_and_a_message():
    for _, cls in inspect.getmembers(exceptions, inspect.isclass):
        if issubclass(cls, exceptions.SigningError):
            assert cls.code and str(cls.default_message)
