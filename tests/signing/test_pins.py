# ruff: noqa: F811 - the shared fixture `decision` is imported by name and then used as a test argument
"""Wrong PINs on a server-held key (``signing.pins``), through the API, the task page and
``signing.steps``: five wrong PINs by one user on one key within 15 minutes lock that key for that
user for 15 minutes (429 ``key_locked`` with ``Retry-After``, the same message on the page), each
wrong PIN and the lock on the ``access`` stream; a right PIN clears the count, older failures fall
out of the window, the lock ends by itself, and other users and keys are not touched. The PIN
itself is never in an error, its chain, an error report, a log line, the audit trail or a repr
(``signing.keys.Secret``), and is forgotten once the key is open."""

import json
import logging
import pickle
import time

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.views.debug import ExceptionReporter

from engine.models import AuditEvent, Task, TaskStatus
from signing import pins, steps
from signing.exceptions import KeyLocked, WrongSecret
from signing.keys import Secret, open_signer
from signing.models import DocumentFile
from tests.api.conftest import client_of  # noqa: F401 - the API's signed-in clients
from tests.signing import conftest as signing_fixtures
from tests.signing.decision import decision  # noqa: F401 - a fixture

pki, key_dir, signing_settings = signing_fixtures.pki, signing_fixtures.key_dir, signing_fixtures.signing_settings
trusted, register, state_document = signing_fixtures.trusted, signing_fixtures.register, signing_fixtures.state_document
P12_PASSWORD = signing_fixtures.P12_PASSWORD
PROBLEMS = "https://quytrinh.vn/problems/"
WRONG = "sai-ma-pin-4417"


@pytest.fixture(autouse=True)
def fresh_counts():
    """The counts live in the cache: every test starts from none and leaves none behind."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def later(monkeypatch):
    """``later(minutes)``: the clock (the cache's expiry included) moved on."""
    real = time.time

    def move(minutes: float) -> None:
        shift = minutes * 60
        monkeypatch.setattr(time, "time", lambda: real() + shift)

    return move


def open_task(instance, bpmn_id: str = "sign_person") -> Task:
    return Task.objects.get(instance=instance, status=TaskStatus.OPEN, bpmn_id=bpmn_id)


def sign(client, task, certificate, secret: str = P12_PASSWORD):
    return client.post(f"/api/v1/tasks/{task.pk}/sign/", {"certificate": certificate.pk, "secret": secret},
                       format="json")


def problem_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    problem = response.json()
    assert problem["type"] == PROBLEMS + code, problem
    return problem


def pin_events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(stream="access", action=action).order_by("seq"))


def test_five_wrong_pins_lock_the_key_for_that_user_for_15_minutes(decision, client_of, later, caplog):
    instance, _approved = decision()
    task, chairman, key = open_task(instance), client_of("chutich"), decision.keys["person"]

    with caplog.at_level(logging.DEBUG):
        for _ in range(4):
            problem_of(sign(chairman, task, key, WRONG), 422, "wrong_pin")
        locked = sign(chairman, task, key, WRONG)

    problem = problem_of(locked, 429, "key_locked")
    assert locked["Retry-After"] == "900" and locked["Content-Type"] == "application/problem+json"
    assert problem["status"] == 429 and "Trần Thị Bình" in problem["detail"] and "15" in problem["detail"]
    assert problem["detail"] == KeyLocked(holder="Trần Thị Bình", retry_after=900).message
    # now even the right PIN is refused, with the time left
    again = sign(chairman, task, key)
    problem_of(again, 429, "key_locked")
    assert 890 <= int(again["Retry-After"]) <= 900
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN and DocumentFile.objects.count() == 1
    # on record: who, which key, how many; never the PIN (nor in the answers or the logs)
    wrong, lock = pin_events("signing_pin_wrong"), pin_events("signing_key_locked")
    assert [e.after["failures"] for e in wrong] == [1, 2, 3, 4, 5] and len(lock) == 1
    chutich = User.objects.get(username="chutich")
    assert {e.actor_id for e in wrong + lock} == {chutich.pk}
    assert lock[0].after == {"certificate": key.pk, "holder": "Trần Thị Bình", "failures": 5, "seconds": 900}
    assert not any(WRONG in json.dumps([e.before, e.after], ensure_ascii=False) for e in AuditEvent.objects.all())
    assert WRONG not in caplog.text and WRONG not in locked.content.decode()

    # 15 minutes later the key opens again, with the right PIN
    later(15.1)
    response = sign(chairman, task, key)
    assert response.status_code == 200, response.content


def test_the_lock_is_per_user_and_key(decision, register):
    instance, _approved = decision()
    chairman, clerk = User.objects.get(username="chutich"), User.objects.get(username="vanthuubnd")
    key, seal = decision.keys["person"], decision.keys["seal"]
    for _ in range(4):
        with pytest.raises(WrongSecret):
            steps.sign_step(chairman, open_task(instance), certificate=key, secret=WRONG)
    with pytest.raises(KeyLocked):
        steps.sign_step(chairman, open_task(instance), certificate=key, secret=WRONG)

    with pytest.raises(KeyLocked):
        pins.check(chairman, key)
    pins.check(clerk, key)  # another user: not locked
    pins.check(chairman, seal)  # another key: not locked



def test_pins_typed_at_the_same_moment_count_before_the_key_is_tried(decision):
    """Five requests of one user still running take the five tries of the window: a sixth is
    refused before it reaches the key, and when the five turn out wrong the key is locked."""
    chairman, key = User.objects.get(username="chutich"), decision.keys["person"]
    running = [pins.limited(chairman, key, Secret(WRONG)) for _ in range(5)]
    for attempt in running:
        attempt.__enter__()
    with pytest.raises(KeyLocked) as sixth, pins.limited(chairman, key, Secret(WRONG)):
        pytest.fail("a sixth try reached the key")
    assert sixth.value.retry_after == 5  # not the 15 minutes' lock: it says to try again in a moment
    assert sixth.value.message != KeyLocked(holder="Trần Thị Bình", retry_after=5).message
    assert not pin_events("signing_pin_wrong")  # the sixth was not tried, so not wrong

    wrong = WrongSecret(holder="Trần Thị Bình")
    for attempt in running[:4]:  # the five end wrong, one after the other
        assert attempt.__exit__(WrongSecret, wrong, None) is False
    with pytest.raises(KeyLocked):
        running[4].__exit__(WrongSecret, wrong, None)
    assert [e.after["failures"] for e in pin_events("signing_pin_wrong")] == [1, 2, 3, 4, 5]
    assert len(pin_events("signing_key_locked")) == 1

def test_a_try_that_never_reached_the_key_gives_its_place_back(decision):
    chairman, key = User.objects.get(username="chutich"), decision.keys["person"]
    for _ in range(10):  # say, the document changed meanwhile: the PIN was never judged
        with pytest.raises(RuntimeError), pins.limited(chairman, key, Secret(WRONG)):
            raise RuntimeError("refused before the key")
    for _ in range(4):
        with pytest.raises(WrongSecret), pins.limited(chairman, key, Secret(WRONG)):
            raise WrongSecret(holder="x")
    assert [e.after["failures"] for e in pin_events("signing_pin_wrong")] == [1, 2, 3, 4]
    pins.check(chairman, key)  # not locked

def test_a_right_pin_clears_the_count(decision):
    chairman, key = User.objects.get(username="chutich"), decision.keys["person"]
    first, _ = decision()
    for _ in range(4):
        with pytest.raises(WrongSecret):
            steps.sign_step(chairman, open_task(first), certificate=key, secret=WRONG)
    steps.sign_step(chairman, open_task(first), certificate=key, secret=P12_PASSWORD)

    second, _ = decision()
    for _ in range(4):  # four more: eight wrong in all, never five in a row
        with pytest.raises(WrongSecret):
            steps.sign_step(chairman, open_task(second), certificate=key, secret=WRONG)
    with pytest.raises(KeyLocked):
        steps.sign_step(chairman, open_task(second), certificate=key, secret=WRONG)
    assert not pin_events("signing_key_locked")[:-1]  # one lock, at the fifth in a row


def test_wrong_pins_older_than_15_minutes_do_not_count(decision, later):
    instance, _approved = decision()
    chairman, key = User.objects.get(username="chutich"), decision.keys["person"]
    for _ in range(4):
        with pytest.raises(WrongSecret):
            steps.sign_step(chairman, open_task(instance), certificate=key, secret=WRONG)

    later(16)
    for _ in range(4):
        with pytest.raises(WrongSecret):
            steps.sign_step(chairman, open_task(instance), certificate=key, secret=WRONG)

    assert not pin_events("signing_key_locked")
    steps.sign_step(chairman, open_task(instance), certificate=key, secret=P12_PASSWORD)


def test_the_task_page_says_the_same(decision, demo):
    instance, _approved = decision()
    task, key = open_task(instance), decision.keys["person"]
    page = Client()
    assert page.post("/dang-nhap/", {"username": "chutich", "password": "quytrinh-demo"}).status_code == 302
    for _ in range(4):
        assert page.post(f"/viec/{task.pk}/ky-so/", {"certificate": key.pk, "pin": WRONG}).status_code == 422

    response = page.post(f"/viec/{task.pk}/ky-so/", {"certificate": key.pk, "pin": WRONG})

    assert response.status_code == 429
    html = response.content.decode()
    message = KeyLocked(holder="Trần Thị Bình", retry_after=900).message
    assert message.replace("'", "&#x27;") in html and WRONG not in html
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


# --- the PIN does not linger ------------------------------------------------------------------------

def test_a_secret_hides_itself():
    secret = Secret(WRONG)
    for shown in (repr(secret), str(secret), f"{secret}", repr([secret]), repr({"pin": secret})):
        assert WRONG not in shown
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert secret.reveal() == WRONG.encode()
    secret.forget()
    with pytest.raises(RuntimeError):
        secret.reveal()


def test_the_pin_is_forgotten_once_the_key_is_open_or_refused(register):
    key = register("chu_tich")
    right, wrong = Secret(P12_PASSWORD), Secret(WRONG)

    with open_signer(key, secret=right):
        assert right.opened
        with pytest.raises(RuntimeError):
            right.reveal()  # gone while the key is still in use
    with pytest.raises(WrongSecret), open_signer(key, secret=wrong):
        pass
    assert not wrong.opened
    with pytest.raises(RuntimeError):
        wrong.reveal()


def _chain(error: BaseException) -> list[BaseException]:
    found = []
    while error is not None and error not in found:
        found.append(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return found


def test_a_wrong_pin_leaves_no_trace_of_itself_in_the_error_or_its_report(decision, caplog):
    instance, _approved = decision()
    chairman, key = User.objects.get(username="chutich"), decision.keys["person"]
    typed = Secret(WRONG)

    with caplog.at_level(logging.DEBUG), pytest.raises(WrongSecret) as refused:
        steps.sign_step(chairman, open_task(instance), certificate=key, secret=typed)

    with pytest.raises(RuntimeError):
        typed.reveal()  # the caller's wrapper is emptied too
    for error in _chain(refused.value):
        assert WRONG not in f"{error!r} {error} {error.args} {getattr(error, 'details', '')}"
        tb = error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename != __file__:
                assert not any(WRONG in repr(value) for value in tb.tb_frame.f_locals.values()), tb.tb_frame
            tb = tb.tb_next
    report = ExceptionReporter(None, type(refused.value), refused.value, refused.value.__traceback__)
    assert WRONG not in report.get_traceback_text()
    assert WRONG not in caplog.text


def test_a_pin_typed_as_a_str_is_not_kept_by_the_signing_code(decision):
    """The transports hand ``sign_step`` a str: it is wrapped at once, and no frame below keeps it
    (Django's ``sensitive_variables`` wrapper holds the call's arguments; its error reports hide them)."""
    instance, _approved = decision()
    chairman, key = User.objects.get(username="chutich"), decision.keys["person"]

    with pytest.raises(WrongSecret) as refused:
        steps.sign_step(chairman, open_task(instance), certificate=key, secret=WRONG)

    tb, holding = refused.value.__traceback__, []
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_filename != __file__ and any(WRONG in repr(v) for v in frame.f_locals.values()):
            holding.append(frame.f_code.co_name)
        tb = tb.tb_next
    assert set(holding) <= {"sensitive_variables_wrapper"}, holding
    report = ExceptionReporter(None, type(refused.value), refused.value, refused.value.__traceback__)
    assert WRONG not in report.get_traceback_text()
