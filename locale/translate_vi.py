"""Vietnamese translations of quytrinh's messages, applied to the .po file that makemessages writes.

    python manage.py makemessages -l vi --ignore=.venv --ignore=var --ignore=tests --ignore=bench
    python locale/translate_vi.py && python manage.py compilemessages -l vi

The tables live in ``locale/vi_<part>.py`` (one per app, each a dict ``VI``) so a regenerated
catalog keeps them and each part can be reviewed on its own. Needs ``polib`` (a development tool,
not a runtime dependency).
"""

import importlib.util
from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent


def _tables() -> dict:
    merged = {}
    for path in sorted(HERE.glob("vi_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        merged.update(module.VI)
    return merged



def main() -> None:
    vi = _tables()
    path = HERE / "vi" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path))
    missing = []
    for entry in po:
        if entry.msgid in vi:
            entry.msgstr = vi[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif not entry.msgstr:
            missing.append(entry.msgid)
    po.metadata.update({"Language": "vi", "Content-Type": "text/plain; charset=UTF-8",
                        "Plural-Forms": "nplurals=1; plural=0;"})
    po.save()
    for msgid in missing:
        print(f"untranslated: {msgid!r}")


if __name__ == "__main__":
    main()
