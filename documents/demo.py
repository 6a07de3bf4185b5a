"""The registers of the Vĩnh An demo commune's bodies (``manage.py seed_documents``; ``make run``).

The Party Committee and the cells number per document type within the 2025–2030 committee term;
the People's Committee from 01 each year. Each has an open and a secret register per direction.
For demos and tests only: a real office configures its registers in the admin.
"""

from directory.models import Body

from .models import Direction, Register

TERM = "2025-2030"
PARTY_BODIES = ("dang_uy_xa",) + tuple(f"chi_bo_{n:02d}" for n in range(1, 35))
STATE_BODIES = ("ubnd_xa",)


def seed() -> int:
    """Create the missing registers; returns how many were created."""
    created = 0
    bodies = {body.code: body for body in Body.objects.filter(code__in=PARTY_BODIES + STATE_BODIES)}
    for code, body in bodies.items():
        party = code in PARTY_BODIES
        for direction, label in ((Direction.INCOMING, "văn bản đến"), (Direction.OUTGOING, "văn bản đi")):
            open_register: Register | None = None
            for secret in (False, True):
                name = f"Sổ {label}{' mật' if secret else ''} — {body.name}"
                # Party secret outgoing documents continue the open series of their type (HD 36 §1.3.1)
                shared: Register | None = (open_register if party and secret and direction == Direction.OUTGOING
                                           else None)
                register, made = Register.objects.get_or_create(
                    body=body, direction=direction, secret=secret, active=True,
                    defaults={"name": name, "numbering": Register.Numbering.TERM if party else Register.Numbering.YEAR,
                              "per_type": party and direction == Direction.OUTGOING, "term": TERM if party else "",
                              "numbers_from": shared})
                open_register = open_register or register
                created += made
    return created
