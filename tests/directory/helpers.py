"""Building blocks for directory tests: people, positions with grants, holdings."""

from datetime import date

from django.contrib.auth.models import User

from directory.models import Body, Holding, Position, Role, RoleGrant

START = date(2025, 7, 1)


def person(username: str, **fields) -> User:
    return User.objects.create_user(username=username, password="x", **fields)


def post(body: Body, title: str, *grants: tuple[str, Body]) -> Position:
    """A position of ``body`` granting ``(role code, in body)`` pairs."""
    position = Position.objects.create(body=body, title=title)
    for code, where in grants:
        role, _ = Role.objects.get_or_create(code=code, defaults={"name": code})
        RoleGrant.objects.create(position=position, role=role, body=where)
    return position


def hold(user: User, position: Position, valid_from: date = START, valid_to: date | None = None) -> Holding:
    return Holding.objects.create(user=user, position=position, valid_from=valid_from, valid_to=valid_to)


def fresh(user: User) -> User:
    """The same account as a new object: role lookups are cached per user object (per request)."""
    return User.objects.get(pk=user.pk)
