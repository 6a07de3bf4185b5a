"""``python manage.py seed_demo``: the Vĩnh An commune, for a local demo and for tests.

Its bodies, roles and positions, 24 staff accounts (the process administrator ``admin`` among
them), 34 Party cells with 900 members (generated, always the same names), and a service account
for integrations (``integration``). The password of every demo account comes
from ``DEMO_PASSWORD`` (default ``quytrinh-demo``): for a local demo only. Running it again
changes nothing.
"""

import os
import random
from datetime import date, timedelta

from django.contrib.auth.models import Group, Permission, User
from django.core.management.base import BaseCommand
from django.db import transaction

from directory import roles
from directory.models import Body, Holding, Member, Position, Role

PARTY, STATE = "dang_uy_xa", "ubnd_xa"
CELLS = 34
MEMBERS = 900

BODIES = [
    (PARTY, "Đảng ủy xã Vĩnh An", Body.Kind.PARTY, None),
    ("van_phong_dang_uy", "Văn phòng Đảng ủy xã", Body.Kind.PARTY_ORGAN, PARTY),
    ("ban_xay_dung_dang", "Ban Xây dựng Đảng", Body.Kind.PARTY_ORGAN, PARTY),
    ("uy_ban_kiem_tra", "Ủy ban Kiểm tra Đảng ủy xã", Body.Kind.PARTY_ORGAN, PARTY),
    (STATE, "Ủy ban nhân dân xã Vĩnh An", Body.Kind.STATE, None),
    ("van_phong_hdnd_ubnd", "Văn phòng HĐND và UBND xã", Body.Kind.STATE_OFFICE, STATE),
    ("phong_kinh_te", "Phòng Kinh tế", Body.Kind.STATE_OFFICE, STATE),
    ("phong_van_hoa_xa_hoi", "Phòng Văn hóa - Xã hội", Body.Kind.STATE_OFFICE, STATE),
    ("trung_tam_phvhcc", "Trung tâm Phục vụ hành chính công xã", Body.Kind.STATE_OFFICE, STATE),
    ("mttq_xa", "Ủy ban MTTQ Việt Nam xã Vĩnh An", Body.Kind.FRONT, None),
]

ROLES = {
    "van_thu": "Văn thư", "lanh_dao": "Lãnh đạo", "chuyen_vien": "Chuyên viên", "chanh_van_phong": "Chánh Văn phòng",
    "bi_thu": "Bí thư", "pho_bi_thu": "Phó Bí thư", "truong_ban": "Trưởng ban", "kiem_tra": "Ủy ban Kiểm tra",
    "chu_tich": "Chủ tịch UBND", "pho_chu_tich": "Phó Chủ tịch UBND", "mot_cua": "Cán bộ một cửa",
    "bi_thu_chi_bo": "Bí thư chi bộ", "dang_vien": "Đảng viên",
}

# username, full name, body, position title, roles
STAFF = [
    ("bithu", "Nguyễn Văn Bình", PARTY, "Bí thư Đảng ủy", ["bi_thu", "lanh_dao"]),
    ("phobithu", "Trần Thị Hà", PARTY, "Phó Bí thư Thường trực Đảng ủy", ["pho_bi_thu", "lanh_dao"]),
    ("chanhvp", "Lê Văn Cường", "van_phong_dang_uy", "Chánh Văn phòng Đảng ủy", ["chanh_van_phong"]),
    ("vanthu", "Phạm Thị Lan", "van_phong_dang_uy", "Văn thư Văn phòng Đảng ủy", ["van_thu"]),
    ("chuyenvienvp", "Hoàng Văn Nam", "van_phong_dang_uy", "Chuyên viên Văn phòng Đảng ủy", ["chuyen_vien"]),
    ("truongbanxdd", "Vũ Thị Mai", "ban_xay_dung_dang", "Trưởng Ban Xây dựng Đảng", ["truong_ban", "chuyen_vien"]),
    ("chuyenvien", "Đặng Minh Tuấn", "ban_xay_dung_dang", "Chuyên viên Ban Xây dựng Đảng", ["chuyen_vien"]),
    ("chuyenvien2", "Bùi Thị Hương", "ban_xay_dung_dang", "Chuyên viên Ban Xây dựng Đảng", ["chuyen_vien"]),
    ("chunhiemubkt", "Đỗ Văn Hùng", "uy_ban_kiem_tra", "Chủ nhiệm Ủy ban Kiểm tra", ["kiem_tra", "lanh_dao"]),
    ("canbokiemtra", "Ngô Thị Yến", "uy_ban_kiem_tra", "Cán bộ Ủy ban Kiểm tra", ["kiem_tra"]),
    ("chutich", "Phan Văn Quang", STATE, "Chủ tịch UBND xã", ["chu_tich", "lanh_dao"]),
    ("phochutich", "Dương Thị Thảo", STATE, "Phó Chủ tịch UBND xã", ["pho_chu_tich", "lanh_dao"]),
    ("chanhvpubnd", "Hồ Thị Vân", "van_phong_hdnd_ubnd", "Chánh Văn phòng HĐND và UBND", ["chanh_van_phong"]),
    ("vanthuubnd", "Võ Văn Long", "van_phong_hdnd_ubnd", "Văn thư UBND xã", ["van_thu"]),
    ("tuphap", "Huỳnh Thị Trang", "van_phong_hdnd_ubnd", "Công chức Tư pháp - Hộ tịch", ["chuyen_vien"]),
    ("kinhte", "Nguyễn Hữu Phong", "phong_kinh_te", "Chuyên viên Phòng Kinh tế", ["chuyen_vien"]),
    ("truongphongkt", "Trần Quốc Trung", "phong_kinh_te", "Trưởng Phòng Kinh tế", ["truong_ban", "chuyen_vien"]),
    ("vanhoa", "Lê Thị Ngọc", "phong_van_hoa_xa_hoi", "Chuyên viên Phòng Văn hóa - Xã hội", ["chuyen_vien"]),
    ("giamdoctt", "Phạm Minh Khánh", "trung_tam_phvhcc", "Giám đốc Trung tâm PVHCC", ["lanh_dao"]),
    ("motcua1", "Vũ Thị Linh", "trung_tam_phvhcc", "Cán bộ một cửa", ["mot_cua"]),
    ("motcua2", "Đặng Văn Dũng", "trung_tam_phvhcc", "Cán bộ một cửa", ["mot_cua"]),
    ("chutichmttq", "Bùi Văn Thắng", "mttq_xa", "Chủ tịch Ủy ban MTTQ xã", ["lanh_dao"]),
    ("bithuchibo1", "Đỗ Thị Hạnh", "chi_bo_01", "Bí thư Chi bộ 1", ["bi_thu_chi_bo", "dang_vien"]),
]

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý"]
MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Xuân", "Thanh", "Công"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Hồng", "Minh", "Diệu"]
GIVEN_MALE = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Minh", "Nam", "Phong", "Quang", "Sơn",
              "Thắng", "Trung", "Tuấn", "Việt", "Hiếu", "Toàn", "Lộc"]
GIVEN_FEMALE = ["Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Phương", "Tâm", "Thảo", "Trang", "Vân",
                "Yến", "Hằng", "Nhung", "Quyên", "Oanh", "Huệ", "Loan"]


class Command(BaseCommand):
    help = "Create the Vĩnh An demo commune (bodies, 24 staff accounts, 34 cells, 900 members). Idempotent."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD", "quytrinh-demo")
        with transaction.atomic():
            created = self.seed(password)
        roles.invalidate()
        self.stdout.write("demo data: " + ("created" if created else "already there"))

    def seed(self, password: str) -> bool:
        if Body.objects.filter(code=PARTY).exists():
            return False
        bodies = {}
        for code, name, kind, parent in BODIES:
            bodies[code] = Body.objects.create(code=code, name=name, kind=kind, parent=bodies.get(parent))
        for n in range(1, CELLS + 1):
            code = f"chi_bo_{n:02d}"
            bodies[code] = Body.objects.create(code=code, name=f"Chi bộ {n}", kind=Body.Kind.CELL,
                                               parent=bodies[PARTY])
        role_rows = {code: Role.objects.create(code=code, name=name) for code, name in ROLES.items()}
        start = date(2025, 7, 1)  # the two-tier local government took office
        for username, full_name, body, title, granted in STAFF:
            surname, given = full_name.split(" ", 1)[0], full_name.rsplit(" ", 1)[-1]
            user = User.objects.create_user(username, f"{username}@vinhan.example.invalid", password,
                                            first_name=given, last_name=surname)
            position = Position.objects.create(body=bodies[body], title=title)
            position.roles.set([role_rows[r] for r in granted])
            Holding.objects.create(position=position, user=user, valid_from=start)
        self.seed_admins(password)
        self.seed_members(bodies)
        return True

    def seed_admins(self, password: str) -> None:
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@vinhan.example.invalid", password)
        integrators, _ = Group.objects.get_or_create(name="integrators")
        integrators.permissions.add(Permission.objects.get(codename="add_message", content_type__app_label="engine"))
        integration = User.objects.create_user("integration", "", password, first_name="Trục liên thông")
        integration.groups.add(integrators)

    def seed_members(self, bodies: dict) -> None:
        rng = random.Random(2025)
        members = []
        for k in range(MEMBERS):
            female = rng.random() < 0.45
            name = " ".join([rng.choice(SURNAMES), rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE),
                             rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)])
            born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 53 * 365))
            admitted = max(born + timedelta(days=18 * 366 + rng.randrange(0, 20 * 365)), date(1970, 1, 1))
            admitted = min(admitted, date(2025, 10, 1))
            probationary = admitted > date(2024, 10, 1)
            members.append(Member(
                full_name=name, birth_date=born, gender="nu" if female else "nam",
                cell=bodies[f"chi_bo_{k % CELLS + 1:02d}"],
                status=Member.Status.PROBATIONARY if probationary else Member.Status.FULL,
                admitted_on=admitted, recognised_on=None if probationary else admitted + timedelta(days=365)))
        Member.objects.bulk_create(members, batch_size=500)
