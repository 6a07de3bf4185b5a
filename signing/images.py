"""Demo signature and seal images (PNG, transparent), drawn with PIL when a holder has none.

Decree 30 Appendix I wants the person's handwritten signature in blue and the organisation's seal
in red at its real size, both PNG with a transparent background. Real images are scanned and
stored on the certificate record; these stand-ins let tests and the demo look like the real
thing. Drawing is deterministic (seeded by the name), so a rendered stamp can be compared.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import random

from PIL import Image, ImageDraw, ImageFont

from documents.fonts import SERIF_FILES

SIGNATURE_BLUE = (0, 45, 170)
SEAL_RED = (210, 20, 35)
SIGNATURE_SIZE = (600, 300)  # 2:1, the shape of the signature box in rendered documents
SEAL_PIXELS = 480


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _rng(text: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


@functools.lru_cache(maxsize=64)  # drawn from its text alone: the same bytes for every signature
def demo_signature_png(name: str) -> bytes:
    """A blue 'handwritten' signature: the given name in italics over a flourish."""
    rng = _rng(name)
    width, height = SIGNATURE_SIZE
    image = Image.new("RGBA", SIGNATURE_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    given = name.split()[-1] if name.split() else name
    font = ImageFont.truetype(str(SERIF_FILES["italic"]), 120)
    box = draw.textbbox((0, 0), given, font=font)
    x = (width - (box[2] - box[0])) / 2 - box[0]
    y = height * 0.42 - (box[3] - box[1]) / 2 - box[1]
    draw.text((x, y), given, font=font, fill=SIGNATURE_BLUE + (255,))
    # the flourish: a slanted loop under the name, then a long tail
    points = []
    amplitude, phase = rng.uniform(18, 30), rng.uniform(0, math.pi)
    for step in range(120):
        t = step / 119
        px = width * (0.12 + 0.78 * t)
        py = height * (0.78 - 0.18 * t) + amplitude * math.sin(phase + t * 3 * math.pi)
        points.append((px, py))
    draw.line(points, fill=SIGNATURE_BLUE + (255,), width=7, joint="curve")
    return _png(image)


def _text_on_arc(image: Image.Image, text: str, *, radius: float, font, fill, top: bool) -> None:
    cx = cy = image.width / 2
    measure = ImageDraw.Draw(image)
    widths = [measure.textlength(ch, font=font) for ch in text]
    spacing = font.size * 0.12
    total = sum(widths) + spacing * (len(text) - 1)
    angle_span = total / radius
    angle = -math.pi / 2 - angle_span / 2 if top else math.pi / 2 + angle_span / 2
    for ch, w in zip(text, widths, strict=True):
        step = (w + spacing) / radius
        mid = angle + (step / 2 if top else -step / 2)
        side = round(font.size * 1.6)
        glyph = Image.new("RGBA", (side, side), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, font=font, fill=fill, anchor="mm")
        rotation = -math.degrees(mid) - 90 if top else -math.degrees(mid) + 90
        glyph = glyph.rotate(rotation, resample=Image.Resampling.BICUBIC)
        gx = cx + radius * math.cos(mid) - glyph.width / 2
        gy = cy + radius * math.sin(mid) - glyph.height / 2
        image.alpha_composite(glyph, (round(gx), round(gy)))
        angle += step if top else -step


@functools.lru_cache(maxsize=64)
def demo_seal_png(organisation: str, place: str = "") -> bytes:
    """A red round seal: double ring, the organisation's name around the top, a star inside."""
    size = SEAL_PIXELS
    ink = SEAL_RED + (225,)  # slightly translucent, so the signature under it shows through
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    draw.ellipse((6, 6, size - 6, size - 6), outline=ink, width=12)
    draw.ellipse((c - size * 0.30, c - size * 0.30, c + size * 0.30, c + size * 0.30), outline=ink, width=4)
    star = []
    for k in range(10):
        r = size * (0.20 if k % 2 == 0 else 0.08)
        a = -math.pi / 2 + k * math.pi / 5
        star.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(star, fill=ink)
    font = ImageFont.truetype(str(SERIF_FILES["bold"]), int(size * 0.075))
    label = organisation.upper()
    _text_on_arc(image, label, radius=size * 0.385, font=font, fill=ink, top=True)
    if place:
        _text_on_arc(image, place.upper(), radius=size * 0.385, font=font, fill=ink, top=False)
    return _png(image)
