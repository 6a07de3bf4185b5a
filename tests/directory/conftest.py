"""A small commune built by hand for the directory's tests (the demo commune is ``demo`` in tests/conftest.py)."""

from types import SimpleNamespace

import pytest

from directory.models import Body

from .helpers import hold, person, post


@pytest.fixture
def commune(db):
    """Party committee with its office, the People's Committee, one cell; a secretary, a deputy,
    a clerk in the office acting for the committee, a State clerk and a cell secretary."""
    party = Body.objects.create(code="dang_uy_xa", name="Đảng ủy xã", kind=Body.Kind.PARTY)
    office = Body.objects.create(code="van_phong", name="Văn phòng Đảng ủy", kind=Body.Kind.PARTY, parent=party)
    state = Body.objects.create(code="ubnd_xa", name="UBND xã", kind=Body.Kind.STATE)
    cell = Body.objects.create(code="chi_bo_01", name="Chi bộ 1", kind=Body.Kind.CELL, parent=party)
    w = SimpleNamespace(party=party, office=office, state=state, cell=cell)
    w.secretary_post = post(party, "Bí thư", ("bi_thu", party), ("lanh_dao", party))
    w.deputy_post = post(party, "Phó Bí thư", ("pho_bi_thu", party), ("lanh_dao", party))
    w.head_post = post(office, "Chánh Văn phòng", ("chanh_van_phong", party), ("lanh_dao", office))
    w.clerk_post = post(office, "Văn thư", ("van_thu", party))
    w.state_clerk_post = post(state, "Văn thư UBND", ("van_thu", state))
    w.cell_post = post(cell, "Bí thư Chi bộ", ("bi_thu_chi_bo", cell), ("lanh_dao", cell))
    for name, position in [("bithu", w.secretary_post), ("phobithu", w.deputy_post), ("chanhvp", w.head_post),
                           ("vanthu", w.clerk_post), ("vanthuubnd", w.state_clerk_post),
                           ("bithuchibo1", w.cell_post)]:
        setattr(w, name, person(name))
        hold(getattr(w, name), position)
    w.outsider = person("outsider")
    return w

