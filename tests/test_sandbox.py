"""Scripts are untrusted: escapes are refused, runaway scripts are stopped, nothing leaks or sticks."""

import os
import time

import pytest
from django.utils import translation

from engine import audit, sandbox, services
from engine.exceptions import SandboxViolation, ScriptError
from engine.models import AuditEvent, AuditStream, ProcessInstance, Task, TaskStatus

from .bpmn_helpers import lane, lanes, process

ESCAPES = [
    "x = __import__('os').system('touch /tmp/quytrinh-pwned')",
    "x = ().__class__.__bases__[0].__subclasses__()",
    "x = open('/etc/passwd').read()",
    "import os",
    "x = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'catch_warnings'][0]",
    "x = (lambda: 0).__globals__",
    "x = '{0.__class__}'.format(1)",
    "x = type(1)",
    "x = getattr(len, '__self__')",
    "x = eval('1')",
    "x = exec('y = 1')",
    "x = compile('1', 'f', 'eval')",
    "x = globals()",
    "class A: pass",
]


@pytest.mark.parametrize("script", ESCAPES)
def test_escapes_are_refused_before_running(script):
    context = {"doc": "D-1"}
    with pytest.raises(SandboxViolation):
        sandbox.RestrictedEnvironment().execute(script, context)
    assert context == {"doc": "D-1"}
    assert not os.path.exists("/tmp/quytrinh-pwned")


@pytest.mark.parametrize(
    "script",
    [
        "s = 'x' * (100 * 1024 * 1024)",
        "s = (100 * 1024 * 1024) * 'x'",
        "s = [0] * 10**9",
        "n = 10 ** 10 ** 8",
        "n = pow(10, 10 ** 8)",
        "s = 'x' * 1000\ns = s.join([s] * 1000)",
        "s = 'x'.ljust(10**9)",
        "s = 'x' * 1000\nfor i in range(30):\n    s += s",
        "s = '%1000000000s' % 'x'",
        "s = ('x' * 1000).replace('x', 'y' * 10000)",
        "s = list(range(10**8))",
    ],
)
def test_size_bombs_are_stopped_before_allocating(script):
    with pytest.raises(SandboxViolation):
        sandbox.RestrictedEnvironment().execute(script, {})


def test_endless_loops_are_stopped_within_the_time_limit(settings):
    settings.ENGINE = {**settings.ENGINE, "SCRIPT_TIME_LIMIT": 0.2}
    for script in ("while True:\n    pass", "x = 0\nwhile x >= 0:\n    x = x + 1",
                   "x = [i for i in range(999) for j in range(999) for k in range(999)]"):
        started = time.monotonic()
        with pytest.raises(SandboxViolation):
            sandbox.RestrictedEnvironment().execute(script, {})
        assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("source", "mode", "expected"),
    [
        ("x = _hidden", "exec", [(1, "The name '_hidden' starts with '_', which process scripts may not use.")]),
        ("def f(_a):\n    return 1", "exec",
         [(1, "The name '_a' starts with '_', which process scripts may not use.")]),
        ("x = y._z", "exec", [(1, "The attribute '_z' starts with '_', which process scripts may not use.")]),
        ("x = 1\nimport os, sys", "exec", [(2, "Process scripts may not import modules (os, sys).")]),
        ("from os import path", "exec", [(1, "Process scripts may not import modules (os).")]),
        ("x = eval('1')", "exec", [(1, "'eval' cannot be used in process scripts.")]),
        ("getattr(x, 'y')", "eval", [(1, "'getattr' cannot be used in process scripts.")]),
        ("class A:\n    pass", "exec", [(1, "Classes cannot be defined in process scripts.")]),
        ("x = 1\ny = (", "exec", [(2, "Syntax error in line 2, column 5: y = (")]),
        ("days >", "eval", [(1, "Syntax error in line 1, column 7: days >")]),
    ],
)
def test_refusals_are_in_our_words_by_kind(source, mode, expected):
    with translation.override("en"):
        assert sandbox.check_source(source, mode) == expected


def test_a_missing_variable_is_named_not_guessed_at():
    with pytest.raises(ScriptError) as raised:
        sandbox.RestrictedEnvironment().evaluate("days > 3", {"reason": "ốm"})

    assert raised.value.details["variable"] == "days"
    assert raised.value.details["source"] == "days > 3"
    assert "Did you mean" not in str(raised.value) and "is not defined" not in str(raised.value)


def test_a_failing_script_names_its_step_the_line_and_the_variable(deploy_bpmn, make_user):
    deploy_bpmn(guarded_process("total = 1\ntotal = total + days"), "guarded")
    user = make_user("staff1", "staff")
    instance = services.start("guarded", actor=user)

    with translation.override("en"), pytest.raises(ScriptError) as raised:
        services.complete(Task.objects.get(instance=instance), data={"reason": "x"}, actor=user)

    assert raised.value.details["element"] == "run"
    assert str(raised.value) == "The script of step 'run' uses the variable 'days' at line 2, which has no value yet."


def test_benign_scripts_run_and_leave_clean_data():
    context = {"items": [3, 1, 2], "name": "Nguyễn Văn A"}
    sandbox.RestrictedEnvironment(sandbox.default_helpers()).execute(
        "total = sum(items)\n"
        "ordered = sorted(items)\n"
        "label = f'{name}: {total:>4}'\n"
        "pairs = {k: v for k, v in zip('abc', items)}\n"
        "total += 1\n"
        "a, b, c = items\n"
        "due = (date(2026, 12, 1) + timedelta(days=3)).isoformat()\n"
        "def helper(x):\n    return x * 2\n"
        "doubled = [helper(i) for i in items]\n",
        context,
    )
    assert context == {"items": [3, 1, 2], "name": "Nguyễn Văn A", "total": 7, "ordered": [1, 2, 3],
                       "label": "Nguyễn Văn A:    6", "pairs": {"a": 3, "b": 1, "c": 2}, "a": 3, "b": 1, "c": 2,
                       "due": "2026-12-04", "doubled": [6, 2, 4]}


def test_data_cannot_shadow_the_guards():
    env = sandbox.RestrictedEnvironment()
    assert env.evaluate("len(items) > 1", {"items": [1, 2], "_getattr_": "x", "_getiter_": None}) is True
    with pytest.raises(ScriptError):
        env.execute("y = 1", {"_getiter_": "x"})


def test_values_that_cannot_be_stored_are_refused():
    with pytest.raises(ScriptError):
        sandbox.RestrictedEnvironment().execute("s = {1, 2}", {})


def guarded_process(script: str) -> str:
    """start -> prepare (user) -> run (script) -> check (user) -> end."""
    return process(f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="prepare"/>
    <bpmn:userTask id="prepare"/>
    <bpmn:sequenceFlow id="f1" sourceRef="prepare" targetRef="run"/>
    <bpmn:scriptTask id="run"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="run" targetRef="check"/>
    <bpmn:userTask id="check"/>
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", "guarded", lanes(lane("staff", "prepare", "check")))


@pytest.mark.parametrize(
    ("script", "seconds"),
    [("s = 'x' * (100 * 1024 * 1024)", None), ("while True:\n    pass", 0.3), ("n = 10 ** 10 ** 8", None)],
)
def test_a_runtime_violation_rolls_the_step_back_and_leaves_an_event(deploy_bpmn, make_user, settings, script,
                                                                     seconds):
    if seconds:
        settings.ENGINE = {**settings.ENGINE, "SCRIPT_TIME_LIMIT": seconds}
    deploy_bpmn(guarded_process(script), "guarded")
    user = make_user("staff1", "staff")
    instance = services.start("guarded", actor=user)
    prepare = Task.objects.get(instance=instance, status=TaskStatus.OPEN)
    before = ProcessInstance.objects.values("state", "revision", "status").get(pk=instance.pk)

    with pytest.raises(SandboxViolation) as raised:
        services.complete(prepare, data={"note": "x"}, actor=user)

    assert raised.value.details["element"] == "run"
    assert ProcessInstance.objects.values("state", "revision", "status").get(pk=instance.pk) == before
    assert Task.objects.get(pk=prepare.pk).status == TaskStatus.OPEN
    assert not Task.objects.filter(instance=instance, bpmn_id="check").exists()
    event = AuditEvent.objects.filter(instance=instance).latest("seq")
    assert (event.action, event.element, event.actor) == ("script_refused", "run", user)
    assert audit.verify() == []


def test_a_violation_while_starting_stores_no_instance(deploy_bpmn, make_user):
    deploy_bpmn(process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="run"/>
    <bpmn:scriptTask id="run"><bpmn:script>s = 'x' * 10**8</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="run" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""))
    user = make_user("staff1", "staff")

    with pytest.raises(SandboxViolation):
        services.start("p", actor=user)

    assert not ProcessInstance.objects.exists()
    assert AuditEvent.objects.get(stream="system").action == "script_refused"
    assert AuditStream.objects.get(name="system").seq == 1


def test_a_failing_gateway_condition_names_the_element(deploy_bpmn, make_user):
    xml = guarded_process("x = 1").replace(
        '<bpmn:sequenceFlow id="f2" sourceRef="run" targetRef="check"/>',
        '<bpmn:sequenceFlow id="f2" sourceRef="run" targetRef="gw"/><bpmn:exclusiveGateway id="gw" default="f2b"/>'
        '<bpmn:sequenceFlow id="f2a" sourceRef="gw" targetRef="check">'
        '<bpmn:conditionExpression>undefined_name &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>'
        '<bpmn:sequenceFlow id="f2b" sourceRef="gw" targetRef="check"/>')
    deploy_bpmn(xml, "guarded")
    user = make_user("staff1", "staff")
    instance = services.start("guarded", actor=user)

    with pytest.raises(ScriptError) as raised:
        services.complete(Task.objects.get(instance=instance), data={}, actor=user)

    assert "undefined_name" in str(raised.value)
    assert raised.value.details["element"] == "gw"
    assert AuditEvent.objects.filter(instance=instance).latest("seq").action == "step_failed"


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        ("1 / zero &gt; 1", "division by zero"),
        ("info['days'] &gt; 1", "the key 'days' is missing"),
        ("'a' &gt; 1", "values of different types cannot be used together here (TypeError)"),
    ],
)
def test_a_condition_that_fails_otherwise_says_why_in_our_words(deploy_bpmn, make_user, condition, reason):
    xml = guarded_process("zero = 0\ninfo = {}").replace(
        '<bpmn:sequenceFlow id="f2" sourceRef="run" targetRef="check"/>',
        '<bpmn:sequenceFlow id="f2" sourceRef="run" targetRef="gw"/>'
        '<bpmn:exclusiveGateway id="gw" name="Kiểm tra" default="f2b"/>'
        f'<bpmn:sequenceFlow id="f2a" sourceRef="gw" targetRef="check">'
        f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>'
        '<bpmn:sequenceFlow id="f2b" sourceRef="gw" targetRef="check"/>')
    deploy_bpmn(xml, "guarded")
    user = make_user("staff1", "staff")
    instance = services.start("guarded", actor=user)

    with translation.override("en"), pytest.raises(ScriptError) as raised:
        services.complete(Task.objects.get(instance=instance), data={}, actor=user)

    expression = condition.replace("&gt;", ">")
    assert str(raised.value) == (f"The condition '{expression}' at step 'Kiểm tra' (gw) could not be evaluated: "
                                 f"{reason}.")


def test_a_gateway_with_no_way_out_says_so(deploy_bpmn, make_user):
    xml = guarded_process("zero = 0").replace(
        '<bpmn:sequenceFlow id="f2" sourceRef="run" targetRef="check"/>',
        '<bpmn:sequenceFlow id="f2" sourceRef="run" targetRef="gw"/><bpmn:exclusiveGateway id="gw" name="Kiểm tra"/>'
        '<bpmn:sequenceFlow id="f2a" sourceRef="gw" targetRef="check">'
        '<bpmn:conditionExpression>zero &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>')
    deploy_bpmn(xml, "guarded")
    user = make_user("staff1", "staff")
    instance = services.start("guarded", actor=user)

    with translation.override("en"), pytest.raises(ScriptError) as raised:
        services.complete(Task.objects.get(instance=instance), data={}, actor=user)

    assert raised.value.details["element"] == "gw"
    assert str(raised.value) == ("None of the conditions leaving step 'Kiểm tra' (gw) holds, and it has no default "
                                 "flow.")
