"""The Vĩnh An demo commune: its bodies, roles, 24 staff accounts, 34 cells and 900 members.

``seed`` brings a database to this state and is idempotent: it creates what is missing, puts the
demo positions' role grants and the bodies back as declared, and never touches passwords, people
or members that already exist. Member names are generated from a fixed random seed, so every run
on every machine gives the same commune. For demos and tests only.
"""

import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from .models import Body, Duty, Holding, Member, Position, Role, RoleGrant

PARTY, STATE, FRONT = "dang_uy_xa", "ubnd_xa", "mttq_xa"
CELLS, MEMBERS = 34, 900
TOOK_OFFICE = date(2025, 7, 1)  # the two-tier local government and the new Party committee
PROCESS_ADMINS, INTEGRATORS = "process_admin", "integrators"

# code, name, kind, parent code (parents first)
BODIES = [
    (PARTY, "Đảng ủy xã Vĩnh An", Body.Kind.PARTY, None),
    ("van_phong_dang_uy", "Văn phòng Đảng ủy xã", Body.Kind.PARTY, PARTY),
    ("ban_xay_dung_dang", "Ban Xây dựng Đảng Đảng ủy xã", Body.Kind.PARTY, PARTY),
    ("uy_ban_kiem_tra", "Ủy ban Kiểm tra Đảng ủy xã", Body.Kind.PARTY, PARTY),
    (STATE, "Ủy ban nhân dân xã Vĩnh An", Body.Kind.STATE, None),
    ("van_phong_hdnd_ubnd", "Văn phòng HĐND và UBND xã", Body.Kind.STATE, STATE),
    ("phong_kinh_te", "Phòng Kinh tế", Body.Kind.STATE, STATE),
    ("phong_van_hoa_xa_hoi", "Phòng Văn hóa - Xã hội", Body.Kind.STATE, STATE),
    ("trung_tam_phvhcc", "Trung tâm Phục vụ hành chính công xã", Body.Kind.STATE, STATE),
    (FRONT, "Ủy ban Mặt trận Tổ quốc Việt Nam xã Vĩnh An", Body.Kind.FRONT, None),
] + [(f"chi_bo_{n:02d}", f"Chi bộ {n}", Body.Kind.CELL, PARTY) for n in range(1, CELLS + 1)]

# Identification codes (mã định danh) and notation abbreviations of the bodies that issue documents.
# The codes are made up in the QCVN 102 shape (level 1: A = Party bodies, H = provincial People's
# Committees): the real ones come from the province.
CODES = {
    PARTY: ("000.25.41.A41", "ĐU"),
    "van_phong_dang_uy": ("001.25.41.A41", "VPĐU"),
    "ban_xay_dung_dang": ("002.25.41.A41", "BXDĐ"),
    "uy_ban_kiem_tra": ("003.25.41.A41", "UBKTĐU"),
    STATE: ("000.25.41.H41", "UBND"),
    "van_phong_hdnd_ubnd": ("001.25.41.H41", "VP"),
    "phong_kinh_te": ("002.25.41.H41", "KT"),
    "phong_van_hoa_xa_hoi": ("003.25.41.H41", "VHXH"),
    FRONT: ("000.25.41.I01", "MTTQ"),
    # The cells receive the Party Committee's documents in the system, so they need a code to be addressed by.
    **{f"chi_bo_{n:02d}": (f"{100 + n:03d}.25.41.A41", "CB") for n in range(1, CELLS + 1)},
}

ROLES = {
    "van_thu": "Văn thư",
    "lanh_dao": "Lãnh đạo",
    "chuyen_vien": "Chuyên viên",
    "chanh_van_phong": "Chánh Văn phòng",
    "bi_thu": "Bí thư",
    "pho_bi_thu": "Phó Bí thư",
    "kiem_tra": "Ủy viên Ủy ban Kiểm tra",
    "chu_tich": "Chủ tịch UBND",
    "pho_chu_tich": "Phó Chủ tịch UBND",
    "mot_cua": "Cán bộ một cửa",
    "bi_thu_chi_bo": "Bí thư chi bộ",
    "dang_vien": "Đảng viên",
}

# username, full name, body of the position, position title, grants "role@body"
STAFF = [
    ("bithu", "Nguyễn Văn Bình", PARTY, "Bí thư Đảng ủy", ["bi_thu@dang_uy_xa", "lanh_dao@dang_uy_xa"]),
    ("phobithu", "Trần Thị Hà", PARTY, "Phó Bí thư Thường trực Đảng ủy",
     ["pho_bi_thu@dang_uy_xa", "lanh_dao@dang_uy_xa"]),
    ("chanhvp", "Lê Văn Cường", "van_phong_dang_uy", "Chánh Văn phòng Đảng ủy",
     ["chanh_van_phong@dang_uy_xa", "lanh_dao@van_phong_dang_uy"]),
    ("vanthu", "Phạm Thị Lan", "van_phong_dang_uy", "Văn thư Văn phòng Đảng ủy", ["van_thu@dang_uy_xa"]),
    ("chuyenvienvp", "Hoàng Văn Nam", "van_phong_dang_uy", "Chuyên viên Văn phòng Đảng ủy",
     ["chuyen_vien@dang_uy_xa", "chuyen_vien@van_phong_dang_uy"]),
    ("truongbanxdd", "Vũ Thị Mai", "ban_xay_dung_dang", "Trưởng Ban Xây dựng Đảng",
     ["lanh_dao@ban_xay_dung_dang", "chuyen_vien@dang_uy_xa"]),
    ("chuyenvien", "Đặng Minh Tuấn", "ban_xay_dung_dang", "Chuyên viên Ban Xây dựng Đảng",
     ["chuyen_vien@dang_uy_xa", "chuyen_vien@ban_xay_dung_dang"]),
    ("chuyenvien2", "Bùi Thị Hương", "ban_xay_dung_dang", "Chuyên viên Ban Xây dựng Đảng",
     ["chuyen_vien@dang_uy_xa", "chuyen_vien@ban_xay_dung_dang"]),
    ("chunhiemubkt", "Đỗ Văn Hùng", "uy_ban_kiem_tra", "Chủ nhiệm Ủy ban Kiểm tra",
     ["lanh_dao@uy_ban_kiem_tra", "kiem_tra@uy_ban_kiem_tra"]),
    ("canbokiemtra", "Ngô Thị Yến", "uy_ban_kiem_tra", "Cán bộ Ủy ban Kiểm tra",
     ["kiem_tra@uy_ban_kiem_tra", "chuyen_vien@dang_uy_xa"]),
    ("chutich", "Phan Văn Quang", STATE, "Chủ tịch UBND xã", ["chu_tich@ubnd_xa", "lanh_dao@ubnd_xa"]),
    ("phochutich", "Dương Thị Thảo", STATE, "Phó Chủ tịch UBND xã", ["pho_chu_tich@ubnd_xa", "lanh_dao@ubnd_xa"]),
    ("chanhvpubnd", "Hồ Thị Vân", "van_phong_hdnd_ubnd", "Chánh Văn phòng HĐND và UBND",
     ["chanh_van_phong@ubnd_xa", "lanh_dao@van_phong_hdnd_ubnd"]),
    ("vanthuubnd", "Võ Văn Long", "van_phong_hdnd_ubnd", "Văn thư UBND xã", ["van_thu@ubnd_xa"]),
    ("tuphap", "Huỳnh Thị Trang", "van_phong_hdnd_ubnd", "Công chức Tư pháp - Hộ tịch", ["chuyen_vien@ubnd_xa"]),
    ("truongphongkt", "Trần Quốc Trung", "phong_kinh_te", "Trưởng Phòng Kinh tế",
     ["lanh_dao@phong_kinh_te", "chuyen_vien@ubnd_xa"]),
    ("kinhte", "Nguyễn Hữu Phong", "phong_kinh_te", "Chuyên viên Phòng Kinh tế", ["chuyen_vien@ubnd_xa"]),
    ("vanhoa", "Lê Thị Ngọc", "phong_van_hoa_xa_hoi", "Chuyên viên Phòng Văn hóa - Xã hội", ["chuyen_vien@ubnd_xa"]),
    ("giamdoctt", "Phạm Minh Khánh", "trung_tam_phvhcc", "Giám đốc Trung tâm PVHCC",
     ["lanh_dao@trung_tam_phvhcc"]),
    ("motcua1", "Vũ Thị Linh", "trung_tam_phvhcc", "Cán bộ một cửa", ["mot_cua@trung_tam_phvhcc"]),
    ("motcua2", "Đặng Văn Dũng", "trung_tam_phvhcc", "Cán bộ một cửa", ["mot_cua@trung_tam_phvhcc"]),
    ("chutichmttq", "Bùi Văn Thắng", FRONT, "Chủ tịch Ủy ban MTTQ xã", ["lanh_dao@mttq_xa"]),
    ("bithuchibo1", "Đỗ Thị Hạnh", "chi_bo_01", "Bí thư Chi bộ 1",
     ["bi_thu_chi_bo@chi_bo_01", "lanh_dao@chi_bo_01", "van_thu@chi_bo_01", "dang_vien@chi_bo_01"]),
]
ADMIN, INTEGRATION = "admin", "integration"
PROCESS_ADMIN_PERMISSIONS = ["add_processdefinition", "view_processdefinition", "view_incident", "change_incident"]

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý"]
MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Xuân", "Thanh", "Công"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Hồng", "Minh", "Diệu"]
GIVEN_MALE = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Minh", "Nam", "Phong", "Quang", "Sơn",
              "Thắng", "Trung", "Tuấn", "Việt", "Hiếu", "Toàn", "Lộc"]
GIVEN_FEMALE = ["Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Phương", "Tâm", "Thảo", "Trang", "Vân",
                "Yến", "Hằng", "Nhung", "Quyên", "Oanh", "Huệ", "Loan"]


def seed(*, password: str) -> dict[str, int]:
    """Bring the database to the demo state; returns how many rows of each kind were created.
    Call it inside a transaction."""
    bodies, created_bodies = _bodies()
    roles, created_roles = _roles()
    users, created_users = _accounts(password)
    created = {"bodies": created_bodies, "roles": created_roles, "accounts": created_users}
    created.update(_positions(bodies, roles, users))
    created["members"] = _members(bodies, users["bithuchibo1"])
    created["duties"] = _duties(bodies, users)
    return created


#: The leaders on duty (Hỏa tốc documents), alternating by day, each the other's deputy.
DUTY = {PARTY: ("bithu", "phobithu"), STATE: ("chutich", "phochutich")}
DUTY_DAYS = 400  # from TOOK_OFFICE's year start: the demo's roster never runs out in a session


def _duties(bodies: dict, users: dict) -> int:
    """A roster for each committee: a leader and a deputy every day (weekends too: Hỏa tốc does not wait)."""
    start = max(TOOK_OFFICE, timezone.localdate() - timedelta(days=30))
    existing = set(Duty.objects.filter(day__gte=start).values_list("body__code", "day"))
    new = []
    for code, (first, second) in DUTY.items():
        for offset in range(DUTY_DAYS):
            day = start + timedelta(days=offset)
            if (code, day) in existing:
                continue
            leader, deputy = (first, second) if day.toordinal() % 2 == 0 else (second, first)
            new.append(Duty(body=bodies[code], day=day, leader=users[leader], deputy=users[deputy]))
    Duty.objects.bulk_create(new)
    return len(new)


def _bodies() -> tuple[dict[str, Body], int]:
    existing = {body.code: body for body in Body.objects.all()}
    created, changed = 0, []
    for layer in (lambda p: p is None, lambda p: p is not None):
        new = [Body(code=code, name=name, kind=kind, parent=existing.get(parent) if parent is not None else None)
               for code, name, kind, parent in BODIES if layer(parent) and code not in existing]
        for body in Body.objects.bulk_create(new):
            existing[body.code] = body
        created += len(new)
    for code, name, kind, parent in BODIES:
        body, parent_id = existing[code], existing[parent].pk if parent else None
        organ_id, abbreviation = CODES.get(code, ("", "CB" if kind == Body.Kind.CELL else ""))
        if (body.name, body.kind, body.parent_id, body.organ_id, body.abbreviation) != (
                name, kind, parent_id, organ_id, abbreviation):
            body.name, body.kind, body.parent_id = name, kind, parent_id
            body.organ_id, body.abbreviation = organ_id, abbreviation
            changed.append(body)
    Body.objects.bulk_update(changed, ["name", "kind", "parent", "organ_id", "abbreviation"])
    return existing, created


def _roles() -> tuple[dict[str, Role], int]:
    existing = {role.code: role for role in Role.objects.all()}
    new = [Role(code=code, name=name) for code, name in ROLES.items() if code not in existing]
    for role in Role.objects.bulk_create(new):
        existing[role.code] = role
    return existing, len(new)


def _accounts(password: str) -> tuple[dict, int]:
    """The staff, the administrator and the integration account; one password hash for all (the
    demo password is the same everywhere, and hashing 25 times would take seconds)."""
    user_model = get_user_model()
    wanted = {username: full_name for username, full_name, *_rest in STAFF}
    wanted[ADMIN], wanted[INTEGRATION] = "Quản trị Quy trình", "Trục liên thông"
    existing = {user.username: user for user in user_model.objects.filter(username__in=wanted)}
    hashed = make_password(password) if len(existing) < len(wanted) else None
    new = []
    for username, full_name in wanted.items():
        if username in existing:
            continue
        assert hashed is not None  # made whenever an account is missing
        surname, given = full_name.split(" ", 1) if " " in full_name else ("", full_name)  # see directory.people
        new.append(user_model(username=username, password=hashed, first_name=given, last_name=surname,
                              email=f"{username}@vinhan.example" if username != INTEGRATION else "",
                              is_staff=username == ADMIN, is_superuser=username == ADMIN))
    for user in user_model.objects.bulk_create(new):
        existing[user.username] = user
    process_admins, _ = Group.objects.get_or_create(name=PROCESS_ADMINS)
    integrators, _ = Group.objects.get_or_create(name=INTEGRATORS)
    process_admins.permissions.add(*Permission.objects.filter(content_type__app_label="engine",
                                                              codename__in=PROCESS_ADMIN_PERMISSIONS))
    integrators.permissions.add(*Permission.objects.filter(content_type__app_label="engine", codename="add_message"))
    existing[ADMIN].groups.add(process_admins)
    existing[INTEGRATION].groups.add(integrators)
    return existing, len(new)


def _positions(bodies: dict, roles: dict, users: dict) -> dict[str, int]:
    """Positions, their grants exactly as declared, and one holding per staff member."""
    existing = {(p.body_id, p.title): p for p in Position.objects.filter(body__code__in={s[2] for s in STAFF})}
    new = {}
    for _username, _name, body, title, _grants in STAFF:
        key = (bodies[body].pk, title)
        if key not in existing and key not in new:
            new[key] = Position(body=bodies[body], title=title)
    for position in Position.objects.bulk_create(new.values()):
        existing[(position.body_id, position.title)] = position

    declared = set()
    for _username, _name, body, title, grants in STAFF:
        position = existing[(bodies[body].pk, title)]
        for grant in grants:
            role, where = grant.split("@")
            declared.add((position.pk, roles[role].pk, bodies[where].pk))
    positions = {key[0] for key in declared}
    stored = set(RoleGrant.objects.filter(position_id__in=positions).values_list("position_id", "role_id", "body_id"))
    for position_id, role_id, body_id in stored - declared:
        RoleGrant.objects.filter(position_id=position_id, role_id=role_id, body_id=body_id).delete()
    RoleGrant.objects.bulk_create([RoleGrant(position_id=p, role_id=r, body_id=b) for p, r, b in declared - stored])

    held = set(Holding.objects.filter(position_id__in=positions).values_list("user_id", "position_id"))
    holdings = []
    for username, _name, body, title, _grants in STAFF:
        pair = (users[username].pk, existing[(bodies[body].pk, title)].pk)
        if pair not in held:
            held.add(pair)
            holdings.append(Holding(user_id=pair[0], position_id=pair[1], valid_from=TOOK_OFFICE))
    Holding.objects.bulk_create(holdings)
    return {"positions": len(new), "grants": len(declared - stored), "holdings": len(holdings)}


def members() -> list[tuple[int, Member]]:
    """The 900 generated members with their cell number, always the same (cell 1's first member
    is its secretary, ``bithuchibo1``)."""
    rng = random.Random(2025)
    generated = []
    for k in range(MEMBERS):
        female = rng.random() < 0.45
        name = " ".join([rng.choice(SURNAMES), rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE),
                         rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)])
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 53 * 365))
        admitted = max(born + timedelta(days=18 * 366 + rng.randrange(0, 20 * 365)), date(1970, 1, 1))
        admitted = min(admitted, date(2025, 10, 1))
        probationary = admitted > date(2024, 10, 1)
        generated.append((k % CELLS + 1, Member(
            full_name=name, birth_date=born, gender=Member.Gender.FEMALE if female else Member.Gender.MALE,
            status=Member.Status.PROBATIONARY if probationary else Member.Status.FULL,
            admitted_on=admitted, recognised_on=None if probationary else admitted + timedelta(days=365))))
    secretary = generated[0][1]
    secretary.full_name, secretary.gender = "Đỗ Thị Hạnh", Member.Gender.FEMALE
    secretary.status, secretary.recognised_on = Member.Status.FULL, secretary.admitted_on + timedelta(days=365)
    return generated


def _members(bodies: dict, secretary) -> int:
    """Members of the cells that have none yet (so a second run adds nothing)."""
    cells = {n: bodies[f"chi_bo_{n:02d}"] for n in range(1, CELLS + 1)}
    filled = set(Member.objects.filter(cell__in=cells.values()).values_list("cell_id", flat=True).distinct())
    new = []
    for index, (number, member) in enumerate(members()):
        cell = cells[number]
        if cell.pk in filled:
            continue
        member.cell = cell
        if index == 0:
            member.user = secretary
        new.append(member)
    Member.objects.bulk_create(new, batch_size=500)
    return len(new)
