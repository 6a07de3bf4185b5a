"""The serif font of our documents, stamps and register reports: Liberation Serif (Times New Roman
metrics, OFL). It lives in ``documents``, below ``signing``, so that both the reports and the
signing app can use it.

Two pitfalls measured in SIGNING.md decide the shape of this module: the standard-14 fonts lack
Vietnamese letters, and pyHanko 0.38 writes stamp glyph widths in raw font units, which is only
right for fonts with 1000 units/em (Liberation has 2048: letters come out twice as far apart).
Stamps therefore use a Latin + Vietnamese subset rescaled to 1000 units/em, built once per
process (about 0.3 s) into a cache file, which also makes each visible stamp much cheaper.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import tempfile
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "fonts"
SERIF_FILES = {
    "regular": FONT_DIR / "LiberationSerif-Regular.ttf",
    "bold": FONT_DIR / "LiberationSerif-Bold.ttf",
    "italic": FONT_DIR / "LiberationSerif-Italic.ttf",
    "bold_italic": FONT_DIR / "LiberationSerif-BoldItalic.ttf",
}
FAMILY = "QTSerif"
STAMP_FONT_VERSION = "2"  # bump when _build_stamp_font changes, so cached files are rebuilt

# Basic Latin, Latin-1, Latin Extended-A (Ă Đ Ĩ Ũ), Ơ/Ư, combining tone marks, Latin Extended
# Additional (ạ … ỹ), dashes, quotes, ellipsis: everything a Vietnamese official text needs.
STAMP_UNICODES = (
    list(range(0x20, 0x7F)) + list(range(0xA0, 0x180)) + [0x1A0, 0x1A1, 0x1AF, 0x1B0]
    + list(range(0x300, 0x324)) + list(range(0x1EA0, 0x1EFA)) + list(range(0x2010, 0x2027))
)


@functools.cache
def register_reportlab_fonts() -> str:
    """Register the serif family with reportlab once per process; returns the family name."""
    # reportlab's font machinery loads only in processes that render documents.
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names = {"regular": FAMILY, "bold": f"{FAMILY}-Bold", "italic": f"{FAMILY}-Italic",
             "bold_italic": f"{FAMILY}-BoldItalic"}
    for style, name in names.items():
        pdfmetrics.registerFont(TTFont(name, str(SERIF_FILES[style])))
    addMapping(FAMILY, 0, 0, names["regular"])
    addMapping(FAMILY, 1, 0, names["bold"])
    addMapping(FAMILY, 0, 1, names["italic"])
    addMapping(FAMILY, 1, 1, names["bold_italic"])
    return FAMILY


def _build_stamp_font(source: Path) -> bytes:
    # fontTools is needed once, when the stamp font is first built; not at every process start.
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(str(source))
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    options.drop_tables += ["FFTM"]  # FontForge timestamps: not needed, and fontTools cannot subset them
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=STAMP_UNICODES)
    subsetter.subset(font)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@functools.cache
def stamp_font_path(style: str = "regular") -> str:
    """Path of the 1000 units/em Latin + Vietnamese subset, built on first use and cached on disk.

    The cache name includes a hash of the source font, the glyph list and the build version, so
    a new font or build never picks up a stale file; writes go through a rename, so concurrent
    workers never read a half-written font.
    """
    source = SERIF_FILES[style]
    recipe = (STAMP_FONT_VERSION + repr(STAMP_UNICODES)).encode()
    key = hashlib.sha256(source.read_bytes() + recipe).hexdigest()[:16]
    cache_dir = Path(tempfile.gettempdir()) / "quytrinh-fonts"
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"stamp-{style}-{key}.ttf"
    if not target.exists():
        data = _build_stamp_font(source)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    return str(target)
