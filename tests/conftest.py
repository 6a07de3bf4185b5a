import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from config import var
from engine import definitions, grants, live, services
from processes import catalog

from .jobapp import handlers as _test_handlers  # noqa: F401 - registers the tests' service-task handlers


def pytest_configure(config):
    var.ensure()  # the SQLite test database is made there


def pytest_collection_modifyitems(config, items):
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def default_language():
    """A test client's request with Accept-Language leaves that language active in the thread."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_definition_cache():
    """Caches of database ids and objects: a transactional test flushes the tables under them."""
    for clear in (definitions.clear_cache, live.clear, grants._permission_ids.cache_clear):
        clear()
    yield
    for clear in (definitions.clear_cache, live.clear, grants._permission_ids.cache_clear):
        clear()


@pytest.fixture
def make_user(db):
    """Generator fixture: ``make_user("vanthu", "van_thu")`` -> a user in those role groups."""

    def make(username: str, *roles: str, **fields) -> User:
        user = User.objects.create_user(username=username, password="x", **fields)
        for role in roles:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return make


@pytest.fixture
def catalog_deployed(db):
    return services.deploy(catalog.files())


@pytest.fixture
def deploy_bpmn(db):
    """Deploy one BPMN document given as a string; returns the definition of ``process_id``."""

    def deploy(xml: str, process_id: str = "p", name: str = "test.bpmn"):
        results = services.deploy({name: xml})
        return next(d.definition for d in results if d.definition.key == process_id)

    return deploy


@pytest.fixture
def demo(db):
    """The Vĩnh An commune (seed_demo), its registers (seed_documents) and the procedure catalog."""
    call_command("seed_demo", verbosity=0)
    call_command("seed_documents", verbosity=0)
    services.deploy(catalog.files())


@pytest.fixture
def party_office(db):
    """Only the Party Committee and its registers, for tests whose people hold roles as groups (in
    every body); returns its code, the body those tests start the incoming document in."""
    from directory.models import Body  # the directory and documents, only for the tests that need them
    from documents import demo as documents_demo

    Body.objects.get_or_create(code="dang_uy_xa", defaults={"name": "Đảng ủy xã Vĩnh An", "kind": "party"})
    documents_demo.seed()
    return "dang_uy_xa"


@pytest.fixture
def office(demo):
    """The demo commune, for tests about its document office."""


@pytest.fixture
def files_dir(settings, tmp_path):
    """Documents' files in a folder of this test."""
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT
