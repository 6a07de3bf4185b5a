"""Every user-facing string of the signing app has a Vietnamese translation in
``locale/vi_signing.py`` (the table ``locale/translate_vi.py`` applies to the catalog), and
every error carries a message and a stable code."""

import ast
import importlib.util
import inspect
from pathlib import Path

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


def vietnamese_table(name: str = "vi_signing") -> dict:
    spec = importlib.util.spec_from_file_location(name, ROOT / "locale" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.VI


def test_every_signing_message_has_a_vietnamese_translation():
    # the app's name lives in vi_apps.py with the other apps' names; the rest in vi_signing.py
    table = {**vietnamese_table("vi_apps"), **vietnamese_table()}
    missing = sorted(msgids() - set(table))
    assert not missing, missing


def test_shared_messages_keep_the_translation_other_apps_gave_them():
    # locale/translate_vi.py merges every table: one English message has one Vietnamese text
    ours = vietnamese_table()
    for path in sorted((ROOT / "locale").glob("vi_*.py")):
        if path.stem == "vi_signing":
            continue
        for english, vietnamese in vietnamese_table(path.stem).items():
            if english in ours:
                assert ours[english] == vietnamese, (path.name, english)


def test_translations_keep_their_placeholders():
    import re

    placeholder = re.compile(r"%\(\w+\)s")
    for english, vietnamese in vietnamese_table().items():
        assert sorted(placeholder.findall(english)) == sorted(placeholder.findall(vietnamese)), english


def test_every_error_has_a_code_and_a_message():
    for _, cls in inspect.getmembers(exceptions, inspect.isclass):
        if issubclass(cls, exceptions.SigningError):
            assert cls.code and str(cls.default_message)
