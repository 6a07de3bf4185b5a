"""The Vietnamese catalogs. Each app's ``<app>/locale/vi/LC_MESSAGES/django.po`` is the source of
truth for its translations (``make messages`` re-extracts it and recompiles the ``django.mo``
committed beside it, so running the app needs no gettext).

Checked here: every msgid an app's code uses has Vietnamese in that app's catalog (not empty, not
fuzzy); no catalog keeps an entry whose msgid the code no longer uses; each committed ``.mo`` says
exactly what its ``.po`` says; and Django really serves those translations (no other catalog, such
as django.contrib.auth's, shadows them). The msgids come from Django's own ``makemessages``, run on
a copy of each package as ``make messages`` runs it; those checks need GNU gettext's xgettext and
skip without it. A failure is fixed by ``make messages``, translating what it reports, and
``make messages`` again.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOG = Path("locale", "vi", "LC_MESSAGES", "django.po")
#: The project's own installed apps: each keeps its messages in its own catalog.
APPS = [app for app in settings.INSTALLED_APPS if (ROOT / app / "__init__.py").is_file()]
#: Project packages that are not installed apps: Django would never load a catalog of theirs.
OTHER_PACKAGES = ["config"]
#: Every catalog and compiled catalog in the project's packages (not only Vietnamese ones).
PO_FILES = sorted(ROOT.glob("*/locale/*/LC_MESSAGES/*.po"))
MO_FILES = sorted(ROOT.glob("*/locale/*/LC_MESSAGES/*.mo"))
GETTEXT_TOOLS = ("xgettext", "msguniq")  # what makemessages runs on a package without a catalog yet
NAMED_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def key(entry) -> tuple:
    return entry.msgctxt, entry.msgid, entry.msgid_plural


def show(keys) -> str:
    return "\n".join(f"  {msgid!r}" + (f" (context {ctxt!r})" if ctxt else "") for ctxt, msgid, _ in sorted(
        keys, key=lambda k: (k[0] or "", k[1])))


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def catalog(app: str) -> polib.POFile | None:
    path = ROOT / app / CATALOG
    return polib.pofile(str(path), wrapwidth=0) if path.exists() else None


def _copy_ignoring(root: Path):
    """copytree's ignore: byte code anywhere, and the package's own catalogs (extraction starts clean)."""

    def ignore(directory, names):
        skipped = {name for name in names if name == "__pycache__"}
        if Path(directory) == root and "locale" in names:
            skipped.add("locale")
        return skipped

    return ignore


@pytest.fixture(scope="module")
def used_msgids(tmp_path_factory) -> dict[str, set]:
    """{package: keys of the msgids its code uses}, found by ``makemessages`` on a copy of it."""
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"GNU gettext is not installed ({', '.join(missing)} not found), so the msgids the code "
                    "uses cannot be extracted the way makemessages does: apt-get install gettext")
    base = tmp_path_factory.mktemp("makemessages")
    # Without settings makemessages puts every message of the package into ./locale, as `make messages`
    # runs it; with them it would follow LOCALE_PATHS.
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    runs = {}
    for package in APPS + OTHER_PACKAGES:
        copy = base / package
        shutil.copytree(ROOT / package, copy, symlinks=True, ignore=_copy_ignoring(ROOT / package))
        (copy / "locale").mkdir()
        runs[package] = subprocess.Popen(
            [sys.executable, "-m", "django", "makemessages", "-l", "vi", "--no-location", "-v0"],
            cwd=copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    used = {}
    for package, run in runs.items():
        _, errors = run.communicate(timeout=300)
        assert run.returncode == 0, f"makemessages failed on a copy of {package}/:\n{errors}"
        extracted = base / package / CATALOG
        used[package] = {key(e) for e in polib.pofile(str(extracted))} if extracted.exists() else set()
    return used


def test_the_project_has_catalogs():
    assert APPS and PO_FILES, "no <app>/locale/*/LC_MESSAGES/*.po found"
    assert not (ROOT / "locale").exists(), "translations live in each app's own locale/, not in ./locale"


@pytest.mark.parametrize("package", OTHER_PACKAGES)
def test_packages_that_are_not_apps_have_no_messages(package, used_msgids):
    assert not used_msgids[package], (
        f"{package}/ is not an installed app, so Django would not find a catalog of its own; move these "
        f"messages into an app:\n{show(used_msgids[package])}")


@pytest.mark.parametrize("app", APPS)
def test_every_msgid_the_code_uses_is_translated(app, used_msgids):
    used = used_msgids[app]
    if not used:
        return
    po = catalog(app)
    assert po is not None, (f"{app}/ has {len(used)} translatable messages but no {app}/{CATALOG}: add {app} "
                            "to I18N_APPS in the Makefile, run `make messages` and translate them")
    entries = {key(entry): entry for entry in po if not entry.obsolete}
    absent = used - set(entries)
    fuzzy = {k for k in used & set(entries) if entries[k].fuzzy}
    empty = {k for k in used & set(entries) if not entries[k].fuzzy and not entries[k].translated()}
    problems = [f"{title} in {app}/{CATALOG}:\n{show(keys)}" for title, keys in (
        ("not in the catalog", absent), ("fuzzy (check the translation, then drop the flag)", fuzzy),
        ("without Vietnamese", empty)) if keys]
    assert not problems, "\n".join(problems) + "\n(run `make messages`, translate, run it again)"


@pytest.mark.parametrize("app", APPS)
def test_catalogs_hold_no_msgid_the_code_no_longer_uses(app, used_msgids):
    po = catalog(app)
    if po is None:
        return
    stale = {key(entry) for entry in po} - used_msgids[app]
    obsolete = {key(entry) for entry in po.obsolete_entries()}
    assert not stale, (f"{app}/{CATALOG} has entries for msgids {app}'s code no longer uses "
                       f"(`make messages` drops them):\n{show(stale)}")
    assert not obsolete, f"obsolete (#~) entries in {app}/{CATALOG}:\n{show(obsolete)}"


@pytest.mark.parametrize("path", PO_FILES, ids=relative)
def test_catalog_is_well_formed(path):
    po = polib.pofile(str(path), wrapwidth=0)
    language = path.parent.parent.name
    header = "fill in the header as the other apps' catalogs do"
    assert po.metadata.get("Language") == language, f"the header names no Language: {language}: {header}"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", ""), f"the header names no UTF-8: {header}"
    assert po.metadata.get("Plural-Forms"), f"the header names no Plural-Forms: {header}"
    assert not po.metadata_is_fuzzy, f"the header is marked fuzzy: {header}"
    fuzzy = [key(entry) for entry in po.fuzzy_entries()]
    assert not fuzzy, f"fuzzy entries (check the translation, then drop the flag):\n{show(fuzzy)}"
    for entry in po.translated_entries():
        if "python-format" in entry.flags:
            wanted = set(NAMED_PLACEHOLDER.findall(entry.msgid))
            for text in [entry.msgstr] + list(entry.msgstr_plural.values()):
                assert not text or set(NAMED_PLACEHOLDER.findall(text)) == wanted, (
                    f"the translation of {entry.msgid!r} does not keep its placeholders: {text!r}")


def compiled(entries) -> dict:
    return {key(entry): (entry.msgstr, dict(entry.msgstr_plural)) for entry in entries}


@pytest.mark.parametrize("path", PO_FILES, ids=relative)
def test_committed_mo_matches_its_po(path):
    mo_path = path.with_suffix(".mo")
    assert mo_path.exists(), f"{relative(mo_path)} is missing: run `make messages` and commit it"
    po = polib.pofile(str(path), wrapwidth=0)
    mo = polib.mofile(str(mo_path))
    expected, actual = compiled(po.translated_entries()), compiled(mo)
    differing = {k for k in expected.keys() & actual.keys() if expected[k] != actual[k]}
    problems = [f"{title}:\n{show(keys)}" for title, keys in (
        ("translated in the .po but not in the .mo", expected.keys() - actual.keys()),
        ("in the .mo but not translated in the .po", actual.keys() - expected.keys()),
        ("translated differently", differing)) if keys]
    for field in ("Content-Type", "Plural-Forms"):
        if mo.metadata.get(field) != po.metadata.get(field):
            problems.append(f"header {field}: {mo.metadata.get(field)!r} in the .mo, "
                            f"{po.metadata.get(field)!r} in the .po")
    assert not problems, (f"{relative(mo_path)} does not match {relative(path)} (run `make messages` and "
                          "commit the .mo):\n" + "\n".join(problems))


@pytest.mark.parametrize("path", MO_FILES, ids=relative)
def test_every_mo_has_its_po(path):
    assert path.with_suffix(".po").exists(), f"{relative(path)} has no .po: it cannot be rebuilt or reviewed"


def test_apps_agree_on_shared_msgids():
    seen = {}
    disagreements = []
    for app in APPS:
        po = catalog(app)
        for entry in po.translated_entries() if po else ():
            other = seen.setdefault(key(entry), (app, entry.msgstr))
            if other[1] != entry.msgstr:
                disagreements.append(
                    f"  {entry.msgid!r}: {other[0]} says {other[1]!r}, {app} says {entry.msgstr!r}")
    assert not disagreements, ("one msgid, two translations (which one shows depends on the app order):\n"
                               + "\n".join(disagreements))


@pytest.mark.parametrize("app", APPS)
def test_django_serves_the_apps_translations(app):
    po = catalog(app)
    if po is None:
        return
    entries = po.translated_entries()
    assert entries, f"{app}/{CATALOG} translates nothing"
    wrong = []
    with translation.override("vi"):
        for entry in entries:
            if entry.msgid_plural:
                if entry.msgctxt:
                    served = translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
                else:
                    served = translation.ngettext(entry.msgid, entry.msgid_plural, 1)
                wanted = entry.msgstr_plural[0]
            else:
                if entry.msgctxt:
                    served = translation.pgettext(entry.msgctxt, entry.msgid)
                else:
                    served = translation.gettext(entry.msgid)
                wanted = entry.msgstr
            if served != wanted:
                wrong.append(f"  {entry.msgid!r}: served {served!r}, the catalog says {wanted!r}")
    assert not wrong, (f"Django does not serve {app}'s Vietnamese (a stale .mo, a catalog outside "
                       "LOCALE_PATHS and the installed apps, or another app's catalog shadowing it):\n"
                       + "\n".join(wrong))
