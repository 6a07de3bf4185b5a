"""The sandbox for BPMN scripts, gateway conditions and expressions.

BPMN files come from administrators' uploads, so their Python is untrusted. SpiffWorkflow's
default engine runs it with full builtins (``__import__('os')`` works, as root). Here every
script is compiled with RestrictedPython plus our own rules and runs with guards:

- no imports, no dunder or ``_private`` names or attributes, no ``open``/``eval``/``exec``/
  ``compile``/``getattr``/``type``…, no classes; only whitelisted builtins and helper functions
  (never modules: a module exposes ``os`` through its public attributes);
- a time budget per evaluation, checked on every loop iteration;
- a size budget: ``*``, ``**``, ``+``, ``<<`` and the string padding/joining methods refuse to
  build values over the limit before allocating them, and the data a script leaves behind must
  be storable (JSON) and under the limit.

The same rules run at deploy time (``check_source``) so a forbidden script is refused with its
element id before it can ever run; what slips past is stopped here at run time. Refusals and run-time
failures are told in our own words (English msgids, the reader's language through gettext), by what
they are about: RestrictedPython's and Python's English never reaches a reader.
"""

import ast
import builtins
import functools
import json
import re
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import cast

from django.utils.translation import gettext as _
from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from RestrictedPython.Limits import limited_builtins
from RestrictedPython.transformer import FORBIDDEN_FUNC_NAMES, INSPECT_ATTRIBUTES
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer.helpers.registry import DefaultRegistry

from . import conf
from .exceptions import EngineError, SandboxViolation, ScriptError

#: Names a script may never use, refused at deploy with a clear message.
FORBIDDEN_NAMES = frozenset(
    {
        "open", "eval", "exec", "compile", "__import__", "globals", "locals", "vars", "dir",
        "getattr", "setattr", "delattr", "hasattr", "input", "breakpoint", "help", "exit", "quit",
        "memoryview", "type", "object", "super", "classmethod", "staticmethod", "property",
        "bytearray", "bytes", "print",
    }
)

_REMOVED_BUILTINS = {"__build_class__", "id", "hash", "pow", "range", "list", "tuple"}
_EXTRA_BUILTINS = {
    name: getattr(builtins, name)
    for name in ("sum", "min", "max", "any", "all", "enumerate", "sorted", "reversed", "zip", "map",
                 "filter", "dict", "set", "frozenset")
}


class Refusal(str):
    """Why the policy refuses a script (the text, in the reader's language), and where: ``line``
    within the script (None: unknown). A string, as RestrictedPython keeps its errors."""

    line: int | None

    def __new__(cls, line: int | None, message: str):
        refusal = super().__new__(cls, message)
        refusal.line = line
        return refusal


_SCRIPT_FILE = "<bpmn>"
#: A Camunda (JUEL) expression, ``${…}`` or ``#{…}``: not Python, and common in files from Camunda Modeler.
_JUEL = re.compile(r"\s*[$#]\{(?P<inner>.*)\}\s*", re.DOTALL)


def _underscore_name(name: str) -> str:
    return _("The name '%(name)s' starts with '_', which process scripts may not use.") % {"name": name}


def _not_usable(name: str) -> str:
    return _("'%(name)s' cannot be used in process scripts.") % {"name": name}


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's rules, plus guards on loops, size-amplifying operators and f-strings.

    Each refusal is a ``Refusal`` in our words, chosen by what it is about; the checks whose
    RestrictedPython text a reader would otherwise see are made here first."""

    _GUARDED_OPS = {ast.Mult: "*", ast.Pow: "**", ast.Add: "+", ast.LShift: "<<", ast.Mod: "%"}

    def refuse(self, node, message: str) -> None:
        self.errors.append(Refusal(getattr(node, "lineno", None), message))

    def error(self, node, info):
        """A refusal of RestrictedPython's own (its ``info`` is English): told by the kind of node."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_NAMES:
            return  # "Eval calls are not allowed": the name itself is refused already
        if isinstance(node, ast.AugAssign):
            self.refuse(node, _("+=, -= and the like cannot change an attribute or an item in process scripts; "
                                "write the assignment out in full."))
            return
        self.refuse(node, _("This kind of statement (%(kind)s) is not allowed in process scripts.") % {
            "kind": type(node).__name__})

    def check_name(self, node, name, allow_magic_methods=False):
        if name is None:
            return
        if name.startswith("_") and name != "_":
            self.refuse(node, _underscore_name(name))
        elif name.endswith("__roles__") or name in FORBIDDEN_FUNC_NAMES or name in FORBIDDEN_NAMES:
            self.refuse(node, _not_usable(name))

    def visit_Name(self, node):
        if node.id in FORBIDDEN_NAMES:
            self.refuse(node, _not_usable(node.id))
            return node
        return super().visit_Name(node)

    def visit_Attribute(self, node):
        name = node.attr
        if name.startswith("_") and name != "_":
            self.refuse(node, _("The attribute '%(name)s' starts with '_', which process scripts may not use.") % {
                "name": name})
        elif name.endswith("__roles__") or name in INSPECT_ATTRIBUTES:
            self.refuse(node, _("The attribute '%(name)s' cannot be used in process scripts.") % {"name": name})
        else:
            return super().visit_Attribute(node)
        return self.node_contents_visit(node)  # what else is wrong inside is reported too

    def visit_Import(self, node):
        modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [
            "." * node.level + (node.module or "")]
        self.refuse(node, _("Process scripts may not import modules (%(modules)s).") % {
            "modules": ", ".join(modules)})
        return node

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node):
        self.refuse(node, _("Classes cannot be defined in process scripts."))
        return node

    def visit_Global(self, node):
        self.refuse(node, _("global and nonlocal cannot be used in process scripts."))
        return node

    visit_Nonlocal = visit_Global

    def visit_AsyncFunctionDef(self, node):
        self.refuse(node, _("async, await and yield cannot be used in process scripts."))
        return node

    visit_Await = visit_AsyncFor = visit_AsyncWith = visit_Yield = visit_YieldFrom = visit_AsyncFunctionDef

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        symbol = self._GUARDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(
            func=ast.Name("_binop_", ast.Load()), args=[ast.Constant(symbol), node.left, node.right], keywords=[]
        )
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_While(self, node):
        node = self.node_contents_visit(node)
        tick = ast.Expr(ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[]))
        node.body.insert(0, ast.copy_location(tick, node))
        ast.fix_missing_locations(node)
        return node

    def visit_FormattedValue(self, node):
        spec = node.format_spec
        if spec is not None:
            if not all(isinstance(v, ast.Constant) for v in spec.values):
                self.refuse(node, _("The format of an f-string field must be written out, not computed."))
            elif _too_wide("".join(v.value for v in spec.values)):
                self.refuse(node, _("f-string fields wider than 1000 characters are not allowed."))
        return self.node_contents_visit(node)


def _too_wide(format_spec: str) -> bool:
    """True if a format spec asks for a field wider than 1000 characters (or a computed width)."""
    return "*" in format_spec or any(int(n) > 1000 for n in re.findall(r"\d+", format_spec))


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?")


def _percent_too_wide(template: str) -> bool:
    """True if a %-format template asks for a width or precision over 1000 (or a computed one)."""
    for width, precision in _PERCENT_SPEC.findall(template):
        for n in (width, precision):
            if n == "*" or (n and int(n) > 1000):
                return True
    return False


class ScriptPolicyError(SandboxViolation):
    """A script breaks the sandbox rules (found when compiling it); ``errors``: (line, message) pairs."""


@functools.lru_cache(maxsize=4096)
def compile_script(source: str, mode: str):
    """Compile under the policy; cached because the same expressions run on every step."""
    try:
        tree = cast(ast.Module | ast.Expression, ast.parse(source, _SCRIPT_FILE, mode))
    except SyntaxError as err:
        refusals = [_syntax_refusal(source, err)]
    else:
        compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
        result = compiler(tree, _SCRIPT_FILE, policy=_Policy)
        if not result.errors:
            return result.code
        refusals = [r if isinstance(r, Refusal) else Refusal(None, str(r)) for r in result.errors]
    raise ScriptPolicyError("; ".join(refusals), errors=[(r.line, str(r)) for r in refusals])


def _syntax_refusal(source: str, err: SyntaxError) -> Refusal:
    juel = _JUEL.fullmatch(source)
    if juel:
        return Refusal(1, _("'%(expression)s' is a Camunda (JUEL) expression, which quytrinh does not read: write "
                            "it in Python, e.g. %(python)s") % {"expression": source.strip(),
                                                                 "python": juel.group("inner").strip()})
    text = (err.text or "").strip()
    if not err.lineno:
        return Refusal(None, _("The script is not valid Python."))
    if not text:
        return Refusal(err.lineno, _("Syntax error in line %(line)s.") % {"line": err.lineno})
    column = err.offset or len((err.text or "").rstrip()) + 1  # 0: the script ended too early
    return Refusal(err.lineno, _("Syntax error in line %(line)s, column %(column)s: %(text)s") % {
        "line": err.lineno, "column": column, "text": text})


def check_source(source: str, mode: str) -> list[tuple[int | None, str]]:
    """The policy problems of one script or expression, as (line, message), for deploy checks."""
    try:
        compile_script(source, mode)
    except ScriptPolicyError as err:
        return list(err.details.get("errors", []))
    return []


def read_names(source: str) -> set[str]:
    """The names an expression reads and does not bind itself (comprehension variables, lambda
    arguments are its own), helpers and builtins included; empty when it is not valid Python."""
    try:
        tree = ast.parse(source.strip(), _SCRIPT_FILE, "eval")
    except SyntaxError:
        return set()
    loaded: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return loaded - bound


_OWN_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp,
               ast.DictComp, ast.GeneratorExp)


def assigned_names(source: str) -> set[str]:
    """The variables a script leaves in the process data: the names it assigns outside functions
    and comprehensions (whose names stay theirs); empty when it is not valid Python."""
    try:
        tree = ast.parse(source, _SCRIPT_FILE, "exec")
    except SyntaxError:
        return set()
    found: set[str] = set()
    pending: list[ast.AST] = [tree]
    while pending:
        for child in ast.iter_child_nodes(pending.pop()):
            if isinstance(child, _OWN_SCOPES):
                continue
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store) and not child.id.startswith("_"):
                found.add(child.id)
            pending.append(child)
    return found


def provided_names() -> frozenset[str]:
    """What every script finds without the process data: the builtins and the default helpers
    (the engine adds the calendar's, ``engine.expressions.HELPERS``)."""
    return frozenset(_BUILTINS) | {"range", "list", "tuple", "pow"} | frozenset(default_helpers())


class ScriptFailed(ScriptError):
    """A script or expression failed while running, said in our words. Details: ``source`` and
    ``mode`` (``eval`` or ``exec``), then ``variable`` (a name without a value) or ``reason``, and
    the ``line`` of a script; ``engine.failures`` names the BPMN element around them."""


def _failure(err: Exception, source: str, mode: str, line: int | None = None) -> ScriptFailed:
    variable = getattr(err, "name", None) if isinstance(err, NameError) else None
    if variable:
        return ScriptFailed(_("The variable '%(variable)s' has no value yet.") % {"variable": variable},
                            source=source, mode=mode, variable=variable, line=line)
    reason = _reason(err)
    return ScriptFailed(_("The script failed: %(reason)s.") % {"reason": reason}, source=source, mode=mode,
                        reason=reason, line=line)


def _reason(err: Exception) -> str:
    """What went wrong, by the kind of error (Python's own text is English)."""
    if isinstance(err, ZeroDivisionError):
        return _("division by zero")
    if isinstance(err, KeyError) and err.args:
        return _("the key %(key)s is missing") % {"key": repr(err.args[0])}
    if isinstance(err, IndexError):
        return _("a list has no item at that position")
    if isinstance(err, AttributeError) and getattr(err, "name", None):
        return _("a value has no attribute '%(name)s'") % {"name": err.name}
    if isinstance(err, TypeError):
        return _("values of different types cannot be used together here (TypeError)")
    if isinstance(err, ValueError):
        return _("a value is not valid here (ValueError)")
    return _("an error of type %(type)s") % {"type": type(err).__name__}


def _script_line(tb) -> int | None:
    """The line of the script where an error was raised (its last frame in the traceback)."""
    lines = [frame.lineno for frame in traceback.extract_tb(tb) if frame.filename == _SCRIPT_FILE]
    return lines[-1] if lines else None


class _Budget:
    """Time and size limits of one evaluation; its bound methods are the runtime guards."""

    __slots__ = ("deadline", "max_size")

    def __init__(self, seconds: float, max_size: int):
        self.deadline = time.monotonic() + seconds
        self.max_size = max_size

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise SandboxViolation(_("The script ran longer than its time limit and was stopped."))

    def too_big(self, size: int) -> None:
        if size > self.max_size:
            raise SandboxViolation(
                _("The script tried to build a value of %(size)s items (limit %(limit)s).")
                % {"size": f"{size:,}", "limit": f"{self.max_size:,}"}
            )

    def getiter(self, iterable: Iterable):
        for i, item in enumerate(iterable):
            if not i & 0x3FF:
                self.tick()
            yield item

    def binop(self, op: str, left, right):
        if op == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int):
                    self.too_big(len(seq) * max(n, 0))
            return left * right
        if op == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
                self.too_big(len(left) + len(right))
            return left + right
        if op == "**":
            return self.pow(left, right)
        if op == "%":
            if isinstance(left, str) and _percent_too_wide(left):
                raise SandboxViolation(_("String formatting with widths over 1000 is not allowed."))
            return left % right
        if isinstance(left, int) and isinstance(right, int) and right > 4096:  # "<<"
            self.too_big(right)
        return left << right

    def pow(self, base, exponent, modulo=None):
        if (isinstance(base, int) and isinstance(exponent, int) and modulo is None and abs(base) > 1
                and exponent * abs(base).bit_length() > 64_000):
            self.too_big(exponent * abs(base).bit_length())
        return pow(base, exponent, modulo) if modulo is not None else base**exponent

    def range(self, *args):
        span = range(*args)
        self.too_big(len(span))
        return span

    def list(self, iterable=()):
        if isinstance(iterable, str):
            raise TypeError("cannot convert string to list")
        return list(self.getiter(iterable))

    def tuple(self, iterable=()):
        return tuple(self.list(iterable))

    def inplacevar(self, op: str, left, right):
        symbol = op[:-1]
        if symbol in ("*", "+", "**", "<<", "%"):
            return self.binop(symbol, left, right)
        operations = {
            "-": lambda: left - right, "/": lambda: left / right, "//": lambda: left // right,
            "|": lambda: left | right, "&": lambda: left & right,
            "^": lambda: left ^ right, ">>": lambda: left >> right,
        }
        if symbol not in operations:
            raise SandboxViolation(_("The operator %(op)s is not allowed.") % {"op": op})
        return operations[symbol]()

    def getattr(self, obj, name, default=None):
        try:
            value = safer_getattr(obj, name, default)
        except NotImplementedError:  # str.format & co: a way to reach dunder attributes
            raise SandboxViolation(_("'%(name)s' cannot be used in process scripts; write an f-string instead.") % {
                "name": name}) from None
        except AttributeError:
            if isinstance(name, str) and (name.startswith("_") or name in INSPECT_ATTRIBUTES):
                raise SandboxViolation(_("The attribute '%(name)s' cannot be used in process scripts.") % {
                    "name": name}) from None
            raise
        if isinstance(obj, str) and name in _STR_SIZE_CHECKS:
            return functools.partial(_STR_SIZE_CHECKS[name], self, obj)
        return value


def _str_join(budget: _Budget, sep: str, iterable):
    items = list(budget.getiter(iterable))
    budget.too_big(sum(len(i) for i in items if isinstance(i, str)) + len(sep) * max(len(items) - 1, 0))
    return sep.join(items)


def _str_replace(budget: _Budget, s: str, old: str, new: str, count: int = -1):
    hits = s.count(old) if old else len(s) + 1
    if count >= 0:
        hits = min(hits, count)
    budget.too_big(len(s) + hits * (len(new) - len(old)))
    return s.replace(old, new, count)


def _str_pad(method: str):
    def pad(budget: _Budget, s: str, width: int, *args):
        budget.too_big(width)
        return getattr(s, method)(width, *args)

    return pad


def _str_expandtabs(budget: _Budget, s: str, tabsize: int = 8):
    budget.too_big(len(s) * max(tabsize, 1))
    return s.expandtabs(tabsize)


_STR_SIZE_CHECKS: dict[str, Callable] = {
    "join": _str_join,
    "replace": _str_replace,
    "ljust": _str_pad("ljust"),
    "rjust": _str_pad("rjust"),
    "center": _str_pad("center"),
    "zfill": lambda budget, s, width: _str_pad("zfill")(budget, s, width),
    "expandtabs": _str_expandtabs,
}

_BUILTINS = {k: v for k, v in {**safe_builtins, **limited_builtins, **_EXTRA_BUILTINS}.items()
             if k not in _REMOVED_BUILTINS and k not in FORBIDDEN_NAMES}
_REGISTRY = DefaultRegistry()


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment that runs everything through the sandbox."""

    def _globals(self, budget: _Budget, external_context: dict | None) -> dict:
        g = {
            "__builtins__": _BUILTINS,
            "_getattr_": budget.getattr,
            "_getitem_": default_guarded_getitem,
            "_getiter_": budget.getiter,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_write_": full_write_guard,
            "_inplacevar_": budget.inplacevar,
            "_binop_": budget.binop,
            "_tick_": budget.tick,
            "range": budget.range,
            "list": budget.list,
            "tuple": budget.tuple,
            "pow": budget.pow,
        }
        g.update(self.globals)
        if external_context:
            g.update(external_context)
        return g

    @staticmethod
    def _budget() -> _Budget:
        return _Budget(conf.get("SCRIPT_TIME_LIMIT"), conf.get("SCRIPT_MAX_SIZE"))

    def evaluate(self, expression, context, external_context=None):
        budget = self._budget()
        g = dict(context)
        g.update(self._globals(budget, external_context))
        source = expression.strip()
        code = compile_script(source, "eval")
        try:
            result = eval(code, g)
        except EngineError:
            raise
        except Exception as err:
            raise _failure(err, source, "eval") from err
        if isinstance(result, (str, list, tuple, dict)):
            budget.too_big(len(result))
        return result

    def execute(self, script, context, external_context=None):
        budget = self._budget()
        g = self._globals(budget, external_context)
        reserved = set(g)
        clash = reserved & set(context)
        if clash:
            raise ScriptError(
                _("Process data uses reserved names: %(names)s") % {"names": ", ".join(sorted(clash))}
            )
        code = compile_script(script, "exec")
        g = {**context, **g}
        try:
            exec(code, g)
        except EngineError:
            raise
        except Exception as err:
            raise _failure(err, script, "exec", _script_line(err.__traceback__)) from err
        result = {
            k: v for k, v in g.items()
            if k not in reserved and not k.startswith("_") and not callable(v) and not isinstance(v, type)
        }
        check_storable(result, budget.max_size)
        context.clear()
        context.update(result)
        return True

    def call_service(self, context, **kwargs):
        raise ScriptError(_("Service tasks are run by registered handlers, not by scripts."))


def check_storable(data: dict, max_size: int) -> None:
    """Refuse data that cannot be stored as JSON or is larger than the limit, naming the key."""
    for key, value in data.items():
        try:
            encoded = json.dumps(_REGISTRY.convert(value), ensure_ascii=False)
        except (TypeError, ValueError) as err:
            raise ScriptError(
                _("The value of %(key)s cannot be stored (%(type)s).") % {"key": key, "type": type(value).__name__}
            ) from err
        if len(encoded) > max_size:
            raise SandboxViolation(
                _("The value of %(key)s is too large to store (%(size)s characters, limit %(limit)s).")
                % {"key": key, "size": f"{len(encoded):,}", "limit": f"{max_size:,}"}
            )


def default_helpers() -> dict:
    """Functions and value types (never modules) that every script may call."""
    return {"Decimal": Decimal, "date": date, "datetime": datetime, "timedelta": timedelta}
