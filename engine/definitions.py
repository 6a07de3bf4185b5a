"""Reading, checking and caching process definitions (BPMN + DMN bundles).

A deployment is refused with every problem found, each naming the file, the line and the BPMN
element id: XML syntax, the BPMN XSD (with SpiffWorkflow's extensions), our own rules
(references, scripts, lanes and roles, service-task handlers, Camunda attributes) and
SpiffWorkflow's parser. A deployment that passes may carry warnings in the same form: a gateway
condition reading a variable that nothing in the process may set. Parsed specs are cached per
stored definition version; they are read-only at run time.
"""

import ast
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.parser import VALIDATOR

from . import bpmn_specs, conf, expressions, handlers, sandbox
from .exceptions import DeploymentError, DeployProblem
from .models import ProcessDefinition

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"  # Camunda 8
_FOREIGN_PREFIXES = {CAMUNDA_NS: "camunda", ZEEBE_NS: "zeebe"}
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

#: Properties on user tasks (``spiffworkflow:property``) whose values are expressions.
#: Task properties (assignee, dueDate, priority, body) and process properties (what the process is about:
#: subject, businessKey, sender) that are expressions, checked by the sandbox at deploy.
EXPRESSION_PROPERTIES = ("assignee", "dueDate", "priority", "body", "subject", "businessKey", "sender")
#: The process properties naming, from the process data, what an instance is about.
SUMMARY_PROPERTIES = ("subject", "businessKey", "sender")
#: Elements that own the scripts and expressions found inside them.
_OWNER_TAGS = {
    f"{{{BPMN_NS}}}{tag}"
    for tag in (
        "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
        "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
        "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
        "sequenceFlow", "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
        "message", "correlationProperty", "process", "collaboration",
    )
}
_CONTAINER_TAGS = {f"{{{BPMN_NS}}}{tag}" for tag in ("process", "subProcess", "transaction", "adHocSubProcess")}
# (xpath, mode) of every place a BPMN file carries Python for the engine to run.
_SCRIPT_PATHS = (
    (".//bpmn:scriptTask/bpmn:script", "exec"),
    (".//spiffworkflow:preScript", "exec"),
    (".//spiffworkflow:postScript", "exec"),
    (".//bpmn:conditionExpression", "eval"),
    (".//bpmn:timeDate", "eval"),
    (".//bpmn:timeDuration", "eval"),
    (".//bpmn:timeCycle", "eval"),
    (".//bpmn:completionCondition", "eval"),
    (".//bpmn:loopCardinality", "eval"),
    (".//bpmn:standardLoopCharacteristics/bpmn:loopCondition", "eval"),
    (".//spiffworkflow:messagePayload", "eval"),
    (".//spiffworkflow:processVariableCorrelation/spiffworkflow:expression", "eval"),
    (".//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression", "eval"),
    (".//spiffworkflow:parameter/@value", "eval"),
)
_REFERENCE_ATTRIBUTES = ("sourceRef", "targetRef", "default", "attachedToRef", "messageRef",
                         "errorRef", "escalationRef", "signalRef")
_HUMAN_TASKS = ".//bpmn:userTask | .//bpmn:manualTask"
#: Camunda attributes of user tasks read as the task property of the same name when their value is a
#: plain literal (one role code, a form key, a username, an integer, an ISO date or date-time).
CAMUNDA_TASK_ATTRIBUTES = ("candidateGroups", "assignee", "formKey", "dueDate", "priority")
#: Camunda attributes that only label a file or tidy Camunda's own history: ignored (on Camunda 8's
#: elements too). ``exclusive`` only matters with ``asyncBefore``/``asyncAfter``, which are refused.
CAMUNDA_COSMETIC = frozenset({"modelerTemplate", "modelerTemplateVersion", "modelerTemplateIcon", "historyTimeToLive",
                              "versionTag", "isStartableInTasklist", "exclusive"})
_CAMUNDA_LITERAL = {
    "candidateGroups": re.compile(r"[A-Za-z_][\w.-]*"),
    "formKey": re.compile(r"[A-Za-z_][\w.-]*"),
    "assignee": re.compile(r"[\w.@+-]+"),
    "priority": re.compile(r"[+-]?\d{1,9}"),
}
_PYTHON_SCRIPT_FORMATS = ("", "python", "python3", "py", "text/x-python", "text/python")
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=False)


@dataclass
class ProcessInfo:
    """One executable process of a bundle, ready to run, with the files it is made of."""

    key: str
    name: str
    spec: BpmnProcessSpec
    subprocess_specs: dict
    task_meta: dict
    files: dict[str, str] = field(default_factory=dict)
    content_hash: str = ""
    #: What a new deployment should be told about this process though it was accepted (not
    #: computed for a stored definition).
    warnings: list[DeployProblem] = field(default_factory=list)


@dataclass
class ParsedBundle:
    files: dict[str, str]
    processes: dict[str, ProcessInfo] = field(default_factory=dict)


def content_hash(files: dict[str, str]) -> str:
    """Hash of the contents only, so renaming a file does not make a new version."""
    digests = sorted(hashlib.sha256(text.encode()).hexdigest() for text in files.values())
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def parse_bundle(files: Mapping[str, bytes | str], *, deployed: bool = False) -> ParsedBundle:
    """Check and parse a set of BPMN/DMN files; raise ``DeploymentError`` listing every problem.

    ``deployed``: the files of a stored definition, which passed every check when deployed. They
    are only parsed: the checks against today's roles and forms are for new deployments, and must
    not stop the instances already running on an older version (nor cost each process a
    database query and the forms' schema checks on its first step)."""
    problems: list[DeployProblem] = []
    texts: dict[str, str] = {}
    bpmn_roots: dict[str, etree._Element] = {}
    dmn_roots: dict[str, etree._Element] = {}
    if not files:
        raise DeploymentError([DeployProblem("", None, None, _("No BPMN file was given."))])

    for name, raw in files.items():
        data = raw.encode() if isinstance(raw, str) else raw
        lower = name.lower()
        if not lower.endswith((".bpmn", ".dmn", ".bpmn20.xml", ".xml")):
            problems.append(DeployProblem(name, None, None, _("Only .bpmn and .dmn files can be deployed.")))
            continue
        try:
            root = etree.fromstring(data, parser=_XML_PARSER)
        except etree.XMLSyntaxError as err:
            problems.append(DeployProblem(name, err.lineno, None, _("Malformed XML: %(error)s") % {"error": err.msg}))
            continue
        texts[name] = data.decode("utf-8", errors="replace")
        if "DMN" in (etree.QName(root).namespace or "").upper():
            dmn_roots[name] = root
        elif etree.QName(root).namespace == BPMN_NS:
            bpmn_roots[name] = root
        else:
            problems.append(DeployProblem(name, root.sourceline, None, _("This is neither a BPMN nor a DMN file.")))

    if not deployed:
        for name, root in bpmn_roots.items():
            problems.extend(_xsd_problems(name, root))
        if problems:
            raise DeploymentError(problems)
        problems.extend(_lint(bpmn_roots, dmn_roots))
    if problems:
        raise DeploymentError(problems)

    bundle = ParsedBundle(files=texts)
    bundle.processes = _spiff_parse(bpmn_roots, dmn_roots)
    warnings = [] if deployed else _condition_warnings(bpmn_roots, dmn_roots)
    for info in bundle.processes.values():
        info.files = _files_of(info, bpmn_roots, dmn_roots, texts)
        info.content_hash = content_hash(info.files)
        own = {info.key, *info.subprocess_specs}
        info.warnings = [warning for process_id, warning in warnings if process_id in own]
    if not bundle.processes:
        raise DeploymentError([DeployProblem(next(iter(texts), ""), None, None,
                                             _("The files contain no executable process."))])
    return bundle


def _files_of(info: ProcessInfo, bpmn_roots: dict, dmn_roots: dict, texts: dict) -> dict[str, str]:
    """The files a process needs: its own, those of the processes it calls, and the DMN files."""
    wanted = {info.key, *info.subprocess_specs}
    names = set(dmn_roots)
    for name, root in bpmn_roots.items():
        ids = {el.get("id") for el in root.iter(*_CONTAINER_TAGS)}
        if ids & wanted:
            names.add(name)
    return {name: texts[name] for name in sorted(names)}


def _xsd_problems(name: str, root) -> list[DeployProblem]:
    try:
        VALIDATOR.validate(root, name)
    except ValidationException as err:
        line = err.line_number or None
        message = str(err).replace(f"{{{BPMN_NS}}}", "bpmn:").replace(f"{{{SPIFF_NS}}}", "spiffworkflow:")
        return [DeployProblem(name, line, _element_at_line(root, line), _("Not valid BPMN: %(error)s") % {
            "error": message.strip()})]
    return []


def _element_at_line(root, line: int | None) -> str | None:
    if not line:
        return None
    for element in root.iter():
        if element.sourceline == line and element.get("id"):
            return element.get("id")
        if isinstance(element.sourceline, int) and element.sourceline > line:
            break
    return None


def _owner_id(element) -> str | None:
    node = element
    while node is not None:
        if node.tag in _OWNER_TAGS and node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def _lint(bpmn_roots: dict, dmn_roots: dict) -> list[DeployProblem]:
    problems: list[DeployProblem] = []
    process_ids = {p.get("id") for root in bpmn_roots.values() for p in root.iterfind(".//bpmn:process", NS)}
    known_roles, known_forms = _known("KNOWN_ROLES"), _known("KNOWN_FORMS")
    for name, root in bpmn_roots.items():
        ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
        problems.extend(_reference_problems(name, root, ids, process_ids))
        problems.extend(_script_problems(name, root))
        problems.extend(_camunda_problems(name, root))
        problems.extend(_task_problems(name, root, known_roles, known_forms))
    for name, root in dmn_roots.items():
        problems.extend(_dmn_problems(name, root))
    return problems


def _known(setting: str) -> set[str] | None:
    found = conf.hook(setting)
    return found() if callable(found) else None


def _reference_problems(name, root, ids, process_ids) -> list[DeployProblem]:
    problems = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in _REFERENCE_ATTRIBUTES:
            ref = element.get(attribute)
            if ref and ref not in ids:
                problems.append(DeployProblem(name, element.sourceline, element.get("id"), _(
                    "%(attribute)s refers to '%(ref)s', which does not exist in this file."
                ) % {"attribute": attribute, "ref": ref}))
        local = etree.QName(element).localname
        if local in ("incoming", "outgoing", "flowNodeRef") and element.text and element.text.strip() not in ids:
            problems.append(DeployProblem(name, element.sourceline, _owner_id(element), _(
                "<%(tag)s> refers to '%(ref)s', which does not exist in this file."
            ) % {"tag": local, "ref": element.text.strip()}))
        if local == "callActivity" and element.get("calledElement") not in process_ids:
            problems.append(DeployProblem(name, element.sourceline, element.get("id"), _(
                "The called process '%(ref)s' is not in this deployment; deploy its file together with this one."
            ) % {"ref": element.get("calledElement") or ""}))
    return problems


def _script_problems(name, root) -> list[DeployProblem]:
    problems = []
    for task in root.iterfind(".//bpmn:scriptTask", NS):
        if _foreign_script(task):
            problems.append(DeployProblem(name, task.sourceline, task.get("id"), _(
                "The script is written in %(language)s (scriptFormat); quytrinh runs Python scripts only."
            ) % {"language": task.get("scriptFormat").strip()}))
    for path, mode in _SCRIPT_PATHS:
        for found in root.xpath(path, namespaces=NS):
            if isinstance(found, etree._ElementUnicodeResult):  # an attribute value, which knows its element
                element, source = found.getparent(), str(found)
            else:
                element, source = found, found.text or ""
            if not source.strip() or _foreign_script(element.getparent()):
                continue
            for line, message in sandbox.check_source(source.strip() if mode == "eval" else source, mode):
                offset = (line - 1) if line else 0
                problems.append(DeployProblem(name, (element.sourceline or 0) + offset or None, _owner_id(element),
                                              _refusal(element, mode, message)))
    for prop in root.iterfind(".//spiffworkflow:property", NS):
        if prop.get("name") in EXPRESSION_PROPERTIES and (prop.get("value") or "").strip():
            for _line, message in sandbox.check_source(prop.get("value").strip(), "eval"):
                problems.append(DeployProblem(name, prop.sourceline, _owner_id(prop), _(
                    "Property %(prop)s is not an allowed expression: %(error)s"
                ) % {"prop": prop.get("name"), "error": message}))
    return problems


def _foreign_script(element) -> bool:
    """A script task whose ``scriptFormat`` (Camunda Modeler asks for one) is not Python."""
    language = (element.get("scriptFormat") or "").strip().lower() if element is not None else ""
    return etree.QName(element).localname == "scriptTask" and language not in _PYTHON_SCRIPT_FORMATS


def _refusal(element, mode: str, message: str) -> str:
    if mode == "exec":
        return _("Script not allowed: %(error)s") % {"error": message}
    if etree.QName(element).localname == "conditionExpression":
        return _("Condition not allowed: %(error)s") % {"error": message}
    return _("Expression not allowed: %(error)s") % {"error": message}


def _properties(element) -> dict[str, str]:
    return {p.get("name"): p.get("value") or "" for p in element.iterfind(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


def _task_properties(task) -> dict[str, str]:
    """A human task's properties: ``spiffworkflow:properties``, and what its Camunda attributes say
    that quytrinh reads (a file where both say it differently is refused at deploy)."""
    return {**_camunda_properties(task)[0], **_properties(task)}


def _form_key(props: dict[str, str]) -> str:
    return props.get("formKey") or props.get("formJsonSchemaFilename", "").removesuffix("-schema.json").removesuffix(
        ".json")


# --- Files from Camunda Modeler ---------------------------------------------------------------


def _camunda_properties(task) -> tuple[dict[str, str], list[str]]:
    """The task properties a human task's Camunda attributes give, as quytrinh writes them (a
    username and a date become quoted expressions), and why each one that cannot be read is refused."""
    props: dict[str, str] = {}
    refusals = []
    for attribute in CAMUNDA_TASK_ATTRIBUTES:
        value = (task.get(f"{{{CAMUNDA_NS}}}{attribute}") or "").strip()
        if not value:
            continue
        read, reason = _camunda_value(attribute, value)
        if reason is None:
            props[attribute] = read
            continue
        values = {"attribute": attribute, "value": value, "reason": reason, "property": attribute}
        refusals.append(_('camunda:%(attribute)s="%(value)s" cannot be read (%(reason)s); use the task property '
                          '%(property)s (spiffworkflow:properties) or a lane instead.') % values
                        if attribute == "candidateGroups" else
                        _('camunda:%(attribute)s="%(value)s" cannot be read (%(reason)s); use the task property '
                          '%(property)s (spiffworkflow:properties) instead.') % values)
    return props, refusals


def _camunda_value(attribute: str, value: str) -> tuple[str, str | None]:
    """(the property's value, None), or ("", why the value cannot be read)."""
    if "${" in value or "#{" in value:
        return "", _("quytrinh does not evaluate Camunda expressions")
    if attribute == "candidateGroups" and "," in value:
        return "", _("a task is offered to one role")
    if attribute == "dueDate":
        try:
            date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return "", _("not an ISO date or date-time")
        return repr(value), None
    if not _CAMUNDA_LITERAL[attribute].fullmatch(value):
        return "", {"candidateGroups": _("not a role code"), "formKey": _("not the key of a form"),
                    "assignee": _("not a username"), "priority": _("not an integer")}[attribute]
    if attribute == "assignee":
        return repr(value), None
    return str(int(value)) if attribute == "priority" else value, None


def _camunda_problems(name, root) -> list[DeployProblem]:
    """Camunda (7 and 8) attributes and extension elements that would change what a process does,
    which quytrinh does not read: refused by name rather than dropped without a word. What human
    tasks' attributes say is read in ``_task_problems``; cosmetic attributes are ignored."""
    problems: list[DeployProblem] = []
    human_tasks = set(root.xpath(_HUMAN_TASKS, namespaces=NS))
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        parent = element.getparent()
        prefix = _FOREIGN_PREFIXES.get(etree.QName(element).namespace)
        if prefix:
            if parent is not None and etree.QName(parent).namespace not in _FOREIGN_PREFIXES:
                tag = etree.QName(element).localname
                problems.append(DeployProblem(name, element.sourceline, _owner_id(element), _(
                    "<%(element)s> is not supported by quytrinh: %(instead)s") % {
                    "element": f"{prefix}:{tag}", "instead": _camunda_instead(tag)}))
            continue
        for key in element.attrib:
            qname = etree.QName(key)
            prefix = _FOREIGN_PREFIXES.get(qname.namespace)
            if not prefix or qname.localname in CAMUNDA_COSMETIC:
                continue
            if prefix == "camunda" and element in human_tasks and qname.localname in CAMUNDA_TASK_ATTRIBUTES:
                continue
            problems.append(DeployProblem(name, element.sourceline, _owner_id(element), _(
                "%(attribute)s is not supported by quytrinh: %(instead)s") % {
                "attribute": f"{prefix}:{qname.localname}", "instead": _camunda_instead(qname.localname)}))
    return problems


def _camunda_instead(what: str) -> str:
    """What to write instead of a Camunda attribute or extension element quytrinh does not read."""
    if what in ("class", "expression", "delegateExpression", "type", "topic", "taskPriority", "taskDefinition"):
        return _("name a registered handler with spiffworkflow:serviceTaskOperator.")
    if what in ("asyncBefore", "asyncAfter", "jobPriority", "failedJobRetryTimeCycle"):
        return _("work that must not hold up the step is a service task whose handler is registered to run in "
                 "the background.")
    if what in ("candidateStarterGroups", "candidateStarterUsers", "initiator"):
        return _("who may start a process is the role of the lane its start event sits in.")
    if what == "candidateUsers":
        return _("offer the task to one role (a lane or candidateGroups) or name one assignee.")
    if what in CAMUNDA_TASK_ATTRIBUTES:
        return _("quytrinh reads it on user tasks only.")
    if what in ("taskListener", "executionListener"):
        return _("do that work in a service task or a script task of the flow.")
    if what == "assignmentDefinition":
        return _("use a lane, or the task properties candidateGroups and assignee.")
    if what in ("formData", "formField", "formDefinition", "userTaskForm"):
        return _("describe the form in forms/schemas and name it with the task property formKey.")
    if what in ("inputOutput", "in", "out", "ioMapping"):
        return _("set variables with a script task.")
    if what in ("properties", "taskHeaders"):
        return _("use spiffworkflow:properties.")
    return _("remove it (docs/ENGINE.md lists what quytrinh reads).")


def _same_value(one: str, other: str) -> bool:
    """Two property values that say the same (``'x'`` and ``"x"`` do)."""
    try:
        return ast.literal_eval(one) == ast.literal_eval(other)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return one.strip() == other.strip()


def _lanes(root) -> dict[str, tuple[str, str]]:
    """BPMN id of each flow node -> (role code, lane name).

    The role is the lane id; what follows a double underscore is ignored, so a file with several
    pools can use the same role in each (``van_thu`` and ``van_thu__ubnd``), ids being unique.
    """
    lanes = {}
    for lane in root.iterfind(".//bpmn:lane", NS):
        role = lane.get("id").split("__", 1)[0]
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = (role, lane.get("name") or role)
    return lanes


def _task_problems(name, root, known_roles, known_forms) -> list[DeployProblem]:
    problems: list[DeployProblem] = []
    lanes = _lanes(root)
    for task in root.xpath(_HUMAN_TASKS, namespaces=NS):
        lane = _lane_of(task, lanes)
        camunda, unreadable = _camunda_properties(task)
        spiff = _properties(task)
        problems.extend(DeployProblem(name, task.sourceline, task.get("id"), message) for message in unreadable)
        for prop, value in camunda.items():
            if spiff.get(prop, "").strip() and not _same_value(spiff[prop], value):
                problems.append(DeployProblem(name, task.sourceline, task.get("id"), _(
                    'camunda:%(attribute)s="%(value)s" and the task property %(property)s (%(given)s) disagree; '
                    'keep one.') % {"attribute": prop, "value": task.get(f"{{{CAMUNDA_NS}}}{prop}").strip(),
                                     "property": prop, "given": spiff[prop].strip()}))
        props = {**camunda, **spiff}
        given = {prop for prop in ("assignee", "candidateGroups")
                 if props.get(prop) or task.get(f"{{{CAMUNDA_NS}}}{prop}")}  # one that cannot be read is refused
        if lane is None and not given:
            problems.append(DeployProblem(name, task.sourceline, task.get("id"), _(
                "A user task must sit in a lane (its role) or name an assignee or candidate group."
            )))
        role = props.get("candidateGroups") or (lane[0] if lane else "")
        if known_roles is not None and role and role not in known_roles:
            problems.append(DeployProblem(name, task.sourceline, task.get("id"), _(
                "The role '%(role)s' is not known to the directory."
            ) % {"role": role}))
        due_timer = props.get("dueTimer")
        if due_timer and not root.xpath("//bpmn:boundaryEvent[@id=$id][@attachedToRef=$task]/bpmn:timerEventDefinition",
                                        namespaces=NS, id=due_timer, task=task.get("id")):
            problems.append(DeployProblem(name, task.sourceline, task.get("id"), _(
                "dueTimer names '%(timer)s', which is not a timer boundary event of this task."
            ) % {"timer": due_timer}))
        form_key = props.get("formKey")
        if known_forms is not None and form_key and form_key not in known_forms:
            problems.append(DeployProblem(name, task.sourceline, task.get("id"), _(
                "The form '%(form)s' does not exist."
            ) % {"form": form_key}))
    for service in root.iterfind(".//bpmn:serviceTask", NS):
        operator = service.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        operator_name = operator.get("id") if operator is not None else None
        if not operator_name:
            problems.append(DeployProblem(name, service.sourceline, service.get("id"), _(
                "A service task must name its handler (spiffworkflow:serviceTaskOperator).")))
        elif handlers.get(operator_name) is None:
            problems.append(DeployProblem(name, service.sourceline, service.get("id"), _(
                "No service-task handler named '%(handler)s' is registered."
            ) % {"handler": operator_name}))
    return problems


def _lane_of(element, lanes) -> tuple[str, str] | None:
    node = element
    while node is not None:
        if node.get("id") in lanes:
            return lanes[node.get("id")]
        node = node.getparent()
    return None


def _dmn_problems(name, root) -> list[DeployProblem]:
    problems = []
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == "annotation":
            problems.append(DeployProblem(name, element.sourceline, _dmn_owner(element), _(
                "A decision table's annotation column is not supported: put a rule's note in its "
                "<description>.")))
            continue
        if not isinstance(element.tag, str) or etree.QName(element).localname != "text":
            continue
        parent = etree.QName(element.getparent()).localname if element.getparent() is not None else ""
        source = (element.text or "").strip()
        if not source or source == "-" or parent in ("annotationEntry", "textAnnotation"):
            continue  # a note for people (its column is refused above), not an expression
        # Input entries are fragments ("> 10", "'high'", "4 < ? < 6"); probe them as the DMN engine uses them.
        probe = source
        if parent == "inputEntry":
            probe = source.replace("?", "dmn_input")
            if probe[:1] in "<>=!":
                probe = f"dmn_input {probe}"
        for _line, message in sandbox.check_source(probe, "eval"):
            problems.append(DeployProblem(name, element.sourceline, _dmn_owner(element),
                                          _("Expression not allowed: %(error)s") % {"error": message}))
    return problems


def _dmn_owner(element) -> str | None:
    node = element
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def _spiff_parse(bpmn_roots: dict, dmn_roots: dict) -> dict[str, ProcessInfo]:
    parser = bpmn_specs.EngineParser(validator=None)
    problems: list[DeployProblem] = []
    roots_by_file = {}
    try:
        for name, root in dmn_roots.items():
            roots_by_file[name] = root
            parser.add_dmn_xml(root, filename=name)
        for name, root in bpmn_roots.items():
            roots_by_file[name] = root
            parser.add_bpmn_xml(root, filename=name)
    except ValidationException as err:
        raise DeploymentError([_spiff_problem(err, roots_by_file)]) from err

    processes = {}
    task_meta = _task_meta(bpmn_roots)
    for key in parser.get_process_ids():
        try:
            spec = parser.get_spec(key)
            subprocess_specs = parser.get_subprocess_specs(key)
        except ValidationException as err:
            problems.append(_spiff_problem(err, roots_by_file))
            continue
        except Exception as err:  # noqa: BLE001 - SpiffWorkflow raises plain exceptions for some model errors
            problems.append(DeployProblem(_file_of(key, bpmn_roots), None, key, str(err)))
            continue
        bpmn_specs.default_message_variables([spec, *subprocess_specs.values()])
        processes[key] = ProcessInfo(key, spec.description or key, spec, subprocess_specs, task_meta)
    if problems:
        raise DeploymentError(problems)
    return processes


def _file_of(process_id: str, bpmn_roots: dict) -> str:
    for name, root in bpmn_roots.items():
        if root.find(f".//bpmn:process[@id='{process_id}']", NS) is not None:
            return name
    return ""


def _spiff_problem(err: ValidationException, roots_by_file: dict) -> DeployProblem:
    element = getattr(err, "id", None) or None
    line = err.line_number or None
    root = roots_by_file.get(err.file_name)
    if root is not None and element and not line:
        found = root.xpath("//*[@id=$id]", id=element)
        line = found[0].sourceline if found else None
    message = str(err).strip() or err.__class__.__name__
    return DeployProblem(err.file_name or "", line, element, message)


def _task_meta(bpmn_roots: dict) -> dict:
    """spec name -> BPMN id -> what the task projection needs for each user task; under
    ``__start__``, process id -> the roles of the lanes its start events sit in (who may start it);
    under ``__summary__``, process id -> the expressions naming its subject, business key and sender."""
    meta: dict[str, dict] = {"__start__": {}, "__summary__": {}}
    for root in bpmn_roots.values():
        lanes = _lanes(root)
        for process in root.iterfind(".//bpmn:process", NS):
            roles = {lanes[s.get("id")][0] for s in process.iterfind("bpmn:startEvent", NS) if s.get("id") in lanes}
            meta["__start__"][process.get("id")] = sorted(roles)
            summary = {name: value.strip() for name, value in _properties(process).items()
                       if name in SUMMARY_PROPERTIES and value.strip()}
            if summary:
                meta["__summary__"][process.get("id")] = summary
        for task in root.xpath(_HUMAN_TASKS, namespaces=NS):
            container = task.getparent()
            while container is not None and container.tag not in _CONTAINER_TAGS:
                container = container.getparent()
            lane = _lane_of(task, lanes)
            props = _task_properties(task)
            meta.setdefault(container.get("id"), {})[task.get("id")] = {
                "name": task.get("name") or task.get("id"),
                "lane": lane[1] if lane else "",
                "role": props.get("candidateGroups") or (lane[0] if lane else ""),
                "form_key": _form_key(props),
                "assignee": props.get("assignee", ""),
                "due": props.get("dueDate", ""),
                "due_timer": props.get("dueTimer", ""),
                "priority": props.get("priority", ""),
                "body": props.get("body", ""),
            }
    return meta


# --- Warnings: conditions on variables nothing may set ----------------------------------------


def _condition_warnings(bpmn_roots: dict, dmn_roots: dict) -> list[tuple[str, DeployProblem]]:
    """(process id, warning) for each variable a gateway condition reads that nothing in the files
    deployed together sets for sure: no script, service task result, message, data object, DMN
    output or form that requires it. Data given at start cannot be known, so these are warnings;
    whether the setter runs before the condition is not looked at. When a form cannot be looked
    up (no ``FORM_FIELDS`` hook, or a form it does not know), a variable it might set is let be."""
    sources = _variable_sources(bpmn_roots, dmn_roots)
    provided = sandbox.provided_names() | set(expressions.HELPERS)
    warnings = []
    for name, root in bpmn_roots.items():
        for condition in root.iterfind(".//bpmn:sequenceFlow/bpmn:conditionExpression", NS):
            expression = (condition.text or "").strip()
            unset = sorted(sandbox.read_names(expression) - provided - sources.always)
            for variable in unset:
                message = _unset_variable_warning(expression, variable, sources)
                if message:
                    warnings.append((_process_of(condition), DeployProblem(
                        name, condition.sourceline, _owner_id(condition), message)))
    return warnings


@dataclass
class _Sources:
    always: set[str] = field(default_factory=set)  # set whenever their setter runs
    optional_in: dict[str, set[str]] = field(default_factory=dict)  # variable -> forms that may leave it out
    formless_tasks: list[str] = field(default_factory=list)  # user tasks that accept any data
    forms_unknown: bool = False


def _variable_sources(bpmn_roots: dict, dmn_roots: dict) -> _Sources:
    sources = _Sources()
    form_fields = conf.hook("FORM_FIELDS")
    for root in bpmn_roots.values():
        for path, mode in _SCRIPT_PATHS:
            if mode == "exec":
                for script in root.xpath(path, namespaces=NS):
                    sources.always |= sandbox.assigned_names(script.text or "")
        sources.always |= set(root.xpath(".//spiffworkflow:serviceTaskOperator/@resultVariable", namespaces=NS))
        sources.always |= {(v.text or "").strip() for v in root.iterfind(".//spiffworkflow:messageVariable", NS)}
        if root.find(".//bpmn:messageEventDefinition", NS) is not None or root.find(".//bpmn:receiveTask",
                                                                                      NS) is not None:
            sources.always.add(bpmn_specs.DEFAULT_MESSAGE_VARIABLE)
        sources.always |= set(root.xpath(".//bpmn:dataObject/@id | .//bpmn:inputDataItem/@name | "
                                         ".//bpmn:outputDataItem/@name", namespaces=NS))
        for task in root.xpath(_HUMAN_TASKS, namespaces=NS):
            form_key = _form_key(_task_properties(task))
            if not form_key:
                sources.formless_tasks.append(task.get("id"))
                continue
            declared = form_fields(form_key) if callable(form_fields) else None
            if declared is None:
                sources.forms_unknown = True
                continue
            names, required = declared
            sources.always |= set(required)
            for variable in set(names) - set(required):
                sources.optional_in.setdefault(variable, set()).add(form_key)
    for root in dmn_roots.values():
        sources.always |= {o.get("name") for o in root.iter() if isinstance(o.tag, str)
                           and etree.QName(o).localname == "output" and o.get("name")}
    return sources


def _unset_variable_warning(expression: str, variable: str, sources: _Sources) -> str | None:
    values = {"expression": expression, "variable": variable}
    if sources.forms_unknown:
        return None
    if variable in sources.optional_in:
        return _("The condition '%(expression)s' reads '%(variable)s', which the form %(forms)s may leave empty (it "
                 "is not required there): the condition then fails when it is evaluated.") % {
            **values, "forms": ", ".join(sorted(sources.optional_in[variable]))}
    if sources.formless_tasks:
        return _("The condition '%(expression)s' reads '%(variable)s', which no form, script or service task of "
                 "this process sets: unless it is given when the process starts or entered at a task without a "
                 "form (%(tasks)s), the condition fails when it is evaluated.") % {
            **values, "tasks": ", ".join(sources.formless_tasks)}
    return _("The condition '%(expression)s' reads '%(variable)s', which no form, script or service task of this "
             "process sets: unless it is given when the process starts, the condition fails when it is "
             "evaluated.") % values


def _process_of(element) -> str:
    node, found = element, ""
    while node is not None:
        if node.tag == f"{{{BPMN_NS}}}process":
            found = node.get("id") or ""
        node = node.getparent()
    return found


def starts_on_timer(info: ProcessInfo) -> bool:
    """True if the process begins with a timer start event (it then waits for its first time)."""
    return any(type(spec).__name__ == "StartEvent" and isinstance(getattr(spec, "event_definition", None),
                                                                   TimerEventDefinition)
               for spec in info.spec.task_specs.values())


# --- Cache of parsed definitions -------------------------------------------------------------

_cache: "OrderedDict[int, ProcessInfo]" = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 256


def load(definition) -> ProcessInfo:
    """The runnable spec of a stored definition, parsed once per process and kept (LRU)."""
    with _cache_lock:
        info = _cache.get(definition.pk)
        if info is not None:
            _cache.move_to_end(definition.pk)
            return info
    bundle = parse_bundle(definition.files, deployed=True)
    info = bundle.processes[definition.key]
    with _cache_lock:
        _cache[definition.pk] = info
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return info


def load_by_id(definition_id: int) -> ProcessInfo:
    """Like ``load``, fetching the stored definition only on a cache miss."""
    with _cache_lock:
        info = _cache.get(definition_id)
        if info is not None:
            _cache.move_to_end(definition_id)
            return info
    return load(ProcessDefinition.objects.get(pk=definition_id))


def clear_cache() -> None:
    """Forget parsed definitions (tests roll back, and SQLite may then reuse primary keys)."""
    with _cache_lock:
        _cache.clear()


def remember(definition, info: ProcessInfo) -> None:
    """Seed the cache right after a deploy, so the first start does not parse again."""
    with _cache_lock:
        _cache[definition.pk] = info
