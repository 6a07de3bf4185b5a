"""The shape of the code stays as docs/ARCHITECTURE.md draws it: apps import downwards only, no
import circle inside an app, and an import hidden inside a function says why."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["engine", "processes", "directory", "forms", "signing", "documents", "api", "config"]


def test_imports_go_one_way_and_never_in_a_circle():
    # import-linter reads the contracts from pyproject.toml ([tool.importlinter]); its report names
    # the import that breaks one.
    done = subprocess.run([Path(sys.executable).with_name("lint-imports"), "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def _imports_inside_functions(path: Path):
    lines = path.read_text(encoding="utf-8").splitlines()
    for function in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                yield node.lineno, lines


def _explained(lineno: int, lines: list[str]) -> bool:
    """A comment on the import, or on the line above the block of imports it belongs to."""
    index = lineno - 1
    while True:
        if "#" in lines[index]:
            return True
        above = lines[index - 1].strip() if index > 0 else ""
        if above.startswith("#"):
            return True
        if not above.startswith(("import ", "from ")):
            return False
        index -= 1


def test_an_import_inside_a_function_says_why():
    unexplained = [f"{path.relative_to(ROOT)}:{lineno}: {lines[lineno - 1].strip()}"
                   for app in APPS for path in sorted((ROOT / app).rglob("*.py")) if "migrations" not in path.parts
                   for lineno, lines in _imports_inside_functions(path) if not _explained(lineno, lines)]
    assert not unexplained, "imports inside functions without a comment saying why:\n" + "\n".join(unexplained)
