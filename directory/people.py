"""People as others see them: a Vietnamese full name is written family name first ("Phạm Thị Lan"),
so an account keeps the family name in ``last_name`` and the rest in ``first_name``. Lists of people
follow Vietnamese usage: by given name (the last word), in the Vietnamese alphabet."""

import sys
import unicodedata
from collections.abc import Iterable
from datetime import date

from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import Holding

#: The Vietnamese alphabet (with the Latin letters it lacks, for foreign names): ă after a, đ after d…
ALPHABET = {letter: rank for rank, letter in enumerate("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")}
#: Breve, circumflex, horn: with a vowel they make a letter of its own (ă, â, ê, ô, ơ, ư).
LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
#: Tones break ties only: ngang, huyền, hỏi, ngã, sắc, nặng (the dictionaries' order).
TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def display_name(user) -> str:
    """The person's full name in Vietnamese order, else their username."""
    return " ".join(part for part in (user.last_name, user.first_name) if part).strip() or user.get_username()


def collation_key(text: str) -> tuple:
    """Sort key in Vietnamese alphabetical order: "Anh" < "Ánh" < "Ăn" < "Dũng" < "Đức"; what is not a
    letter sorts before the letters (a space first, so "Lan Anh" comes before "Lanh")."""
    letters: list[str] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFD", text.lower()):
        tone = TONES.get(char)
        if tone is not None:
            tones[-1:] = [tone]
        elif char in LETTER_MARKS:
            composed = unicodedata.normalize("NFC", letters[-1] + char) if letters else ""
            if composed in ALPHABET:
                letters[-1] = composed
        elif not unicodedata.combining(char):  # other marks (a foreign name's ë) do not count
            letters.append(char)
            tones.append(0)
    ranks = [ALPHABET[letter] + sys.maxunicode + 1 if letter in ALPHABET else ord(letter) for letter in letters]
    return tuple(ranks), tuple(tones)


def name_key(user) -> tuple:
    """By given name, then the full name, then the username (which tells namesakes apart)."""
    full = display_name(user)
    return collation_key(full.rsplit(" ", 1)[-1]), collation_key(full), user.get_username()


def choosable(user_ids: Iterable[int], *, at: date | None = None) -> list[dict]:
    """The people with these ids as someone choosing among them needs to see them, by given name:
    ``{"username", "display_name", "positions": [{"title", "body": {"code", "name"}}]}``, the positions
    being those they hold on ``at`` (default today). Two queries."""
    ids = set(user_ids)
    if not ids:
        return []
    users = get_user_model().objects.filter(pk__in=ids).only("username", "first_name", "last_name")
    held: dict[int, list[dict]] = {}
    holdings = (Holding.objects.in_force(at or timezone.localdate()).filter(user_id__in=ids)
                .order_by("position__body__code", "position__title")
                .values_list("user_id", "position__title", "position__body__code", "position__body__name"))
    for user_id, title, body_code, body_name in holdings:
        position = {"title": title, "body": {"code": body_code, "name": body_name}}
        if position not in held.setdefault(user_id, []):  # the same post held twice over, e.g. after a renewal
            held[user_id].append(position)
    return [{"username": user.get_username(), "display_name": display_name(user), "positions": held.get(user.pk, [])}
            for user in sorted(users, key=name_key)]
