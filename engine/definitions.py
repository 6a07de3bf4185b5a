"""Reading, checking and caching process definitions (BPMN + DMN bundles).

A deployment is refused with every problem found, each naming the file, the line and the BPMN
element id: XML syntax, the BPMN XSD (with SpiffWorkflow's extensions), our own rules
(references, scripts, lanes and roles, service-task handlers) and SpiffWorkflow's parser.
Parsed specs are cached per stored definition version; they are read-only at run time.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.parser import VALIDATOR

from . import bpmn_specs, conf, handlers, sandbox
from .exceptions import DeploymentError, DeployProblem
from .models import ProcessDefinition

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

#: Properties on user tasks (``spiffworkflow:property``) whose values are expressions.
EXPRESSION_PROPERTIES = ("assignee", "dueDate", "priority")
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
    for info in bundle.processes.values():
        info.files = _files_of(info, bpmn_roots, dmn_roots, texts)
        info.content_hash = content_hash(info.files)
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
    for path, mode in _SCRIPT_PATHS:
        for found in root.xpath(path, namespaces=NS):
            if isinstance(found, etree._ElementUnicodeResult):  # an attribute value, which knows its element
                element, source = found.getparent(), str(found)
            else:
                element, source = found, found.text or ""
            if not source.strip():
                continue
            for line, message in sandbox.check_source(source.strip() if mode == "eval" else source, mode):
                offset = (line - 1) if line else 0
                problems.append(DeployProblem(name, (element.sourceline or 0) + offset or None, _owner_id(element),
                                              _("Script not allowed: %(error)s") % {"error": message}))
    for prop in root.iterfind(".//spiffworkflow:property", NS):
        if prop.get("name") in EXPRESSION_PROPERTIES and (prop.get("value") or "").strip():
            for _line, message in sandbox.check_source(prop.get("value").strip(), "eval"):
                problems.append(DeployProblem(name, prop.sourceline, _owner_id(prop), _(
                    "Property %(prop)s is not an allowed expression: %(error)s"
                ) % {"prop": prop.get("name"), "error": message}))
    return problems


def _properties(element) -> dict[str, str]:
    return {p.get("name"): p.get("value") or "" for p in element.iterfind(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


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
    problems = []
    lanes = _lanes(root)
    for task in root.xpath(_HUMAN_TASKS, namespaces=NS):
        lane = _lane_of(task, lanes)
        props = _properties(task)
        if lane is None and not props.get("assignee") and not props.get("candidateGroups"):
            problems.append(DeployProblem(name, task.sourceline, task.get("id"), _(
                "A user task must sit in a lane (its role) or name an assignee or candidate group."
            )))
        role = props.get("candidateGroups") or (lane[0] if lane else "")
        if known_roles is not None and role and role not in known_roles:
            problems.append(DeployProblem(name, task.sourceline, task.get("id"), _(
                "The role '%(role)s' is not known to the directory."
            ) % {"role": role}))
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
        if not isinstance(element.tag, str) or etree.QName(element).localname != "text":
            continue
        parent = etree.QName(element.getparent()).localname if element.getparent() is not None else ""
        source = (element.text or "").strip()
        if not source or source == "-":
            continue
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
    """spec name -> BPMN id -> what the task projection needs for each user task; and under
    ``__start__``, process id -> the roles of the lanes its start events sit in (who may start it)."""
    meta: dict[str, dict] = {"__start__": {}}
    for root in bpmn_roots.values():
        lanes = _lanes(root)
        for process in root.iterfind(".//bpmn:process", NS):
            roles = {lanes[s.get("id")][0] for s in process.iterfind("bpmn:startEvent", NS) if s.get("id") in lanes}
            meta["__start__"][process.get("id")] = sorted(roles)
        for task in root.xpath(_HUMAN_TASKS, namespaces=NS):
            container = task.getparent()
            while container is not None and container.tag not in _CONTAINER_TAGS:
                container = container.getparent()
            lane = _lane_of(task, lanes)
            props = _properties(task)
            meta.setdefault(container.get("id"), {})[task.get("id")] = {
                "name": task.get("name") or task.get("id"),
                "lane": lane[1] if lane else "",
                "role": props.get("candidateGroups") or (lane[0] if lane else ""),
                "form_key": props.get("formKey") or props.get("formJsonSchemaFilename", "").removesuffix(
                    "-schema.json").removesuffix(".json"),
                "assignee": props.get("assignee", ""),
                "due": props.get("dueDate", ""),
                "priority": props.get("priority", ""),
            }
    return meta


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
