"""What the runner needs to know about a notebook, read from its SOURCE copy.

Everything here comes from the instructor's source notebook
(`autograde/source/NAME/NAME.ipynb`), never from the submission:

- whether the runner grades this notebook at all: notebook metadata
  `course.trusted_runner: true` (opt-in per notebook, because hidden tests
  written for in-kernel execution, e.g. ones that seed np.random and expect
  the kernel's generator to follow, do not pass unchanged in the runner);
- each graded test cell's source by grade id (the runner runs the source's
  text, whatever the submission holds);
- trusted bindings: top-level `import m [as n]` / `from m import a [as b]`
  statements of provided cells, for allow-listed modules. The runner makes
  these bindings itself, so `np` in a test is the runner's numpy even when
  the student rebinds the kernel's `np` to a look-alike object or hooks
  `__import__` (a name that a provided cell also assigns otherwise is not
  trusted);
- protected names: what the solution cells define at top level (functions,
  classes, assigned names; not their imports); these may only arrive as data
  or handles, never as a module or library function;
- notebook names: everything the notebook's code cells bind at top level,
  so that a test's free name shadowing a builtin (`input`, `max`) is looked
  up in the kernel when the notebook defines it.

The free names of a test cell (`free_names`) are worked out with symtable:
names the cell binds (assignments, imports, defs) are its own, names used
at module level or as globals inside its functions and classes are looked
up, builtins aside.
"""
from __future__ import annotations

import ast
import builtins
import symtable
from dataclasses import dataclass, field

from .proxy import allowed

METADATA_KEY = "course"
FLAG = "trusted_runner"


@dataclass
class TestCell:
    """A graded test cell of the source: its code, and the lines of its hidden blocks."""

    grade_id: str
    source: str
    hidden_lines: frozenset = frozenset()

    @property
    def filename(self) -> str:
        return f"<test cell {self.grade_id}>"


@dataclass
class NotebookPlan:
    """The runner's view of one source notebook."""

    tests: dict = field(default_factory=dict)  # grade id -> TestCell
    trusted: dict = field(default_factory=dict)  # name -> ("module", m) or ("from", m, attr)
    protected: frozenset = frozenset()
    notebook_names: frozenset = frozenset()

    def to_json(self) -> dict:
        return {"trusted": self.trusted, "protected": sorted(self.protected),
                "notebook_names": sorted(self.notebook_names)}


def runner_enabled(source_nb) -> bool:
    return bool(source_nb.metadata.get(METADATA_KEY, {}).get(FLAG, False))


def python_source(cell_source: str) -> str:
    """A cell's code as plain Python (IPython magics transformed), for parsing only."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(cell_source)


def hidden_lines(source: str) -> frozenset:
    """1-based line numbers inside `### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS`."""
    lines, inside = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == "### BEGIN HIDDEN TESTS":
            inside = True
        elif marker == "### END HIDDEN TESTS":
            inside = False
        elif inside:
            lines.add(number)
    return frozenset(lines)


def top_level_bindings(tree: ast.Module):
    """(imports, other names) a module binds at top level: imports maps a name
    to ("module", m) or ("from", m, attr)."""
    imports, others = {}, set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = ("module", alias.name)
                else:
                    top = alias.name.split(".")[0]
                    imports[top] = ("module", top)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if alias.name != "*":
                    imports[alias.asname or alias.name] = ("from", node.module, alias.name)
        else:
            others |= stored_names(node)
    return imports, others


def stored_names(node) -> set:
    """Names a statement binds in its own scope (not inside the functions,
    classes or lambdas it defines, whose own names it does bind)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.Lambda):
        return set()
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
        return {node.id}
    names = set()
    for child in ast.iter_child_nodes(node):
        names |= stored_names(child)
    return names


def load_plan(source_nb) -> NotebookPlan:
    """The plan of a source notebook (see the module docstring)."""
    from course.grading.masters import cell_kind, grade_id  # jupytext: not needed in the runner process

    plan = NotebookPlan()
    trusted, rebound, protected, names = {}, set(), set(), set()
    other_imports = []  # (name, binding) imported by solution and free cells
    for cell in source_nb.cells:
        kind = cell_kind(cell)
        if kind == "test":
            plan.tests[grade_id(cell)] = TestCell(grade_id(cell), cell.source, hidden_lines(cell.source))
            continue
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(python_source(cell.source))
        except SyntaxError:
            continue
        imports, others = top_level_bindings(tree)
        names |= set(imports) | others
        rebound |= others
        if kind == "solution":  # its imports are modules whoever writes them: not protected
            protected |= others
        if kind == "provided":
            trusted.update({n: b for n, b in imports.items() if allowed(b[1])})
        else:
            other_imports += imports.items()
    rebound |= {n for n, b in other_imports if trusted.get(n, b) != b}
    plan.trusted = {n: b for n, b in trusted.items() if n not in rebound}
    plan.protected = frozenset(protected)
    plan.notebook_names = frozenset(names)
    return plan


def free_names(source: str, filename: str, notebook_names=frozenset()) -> set:
    """Global names a test cell uses but does not bind (builtins aside, unless
    the notebook binds them)."""
    top = symtable.symtable(source, filename, "exec")
    local = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    used = set()

    def visit(table, is_top):
        for symbol in table.get_symbols():
            if not symbol.is_referenced():
                continue
            if is_top or symbol.is_global() or (table.get_type() == "class" and not symbol.is_assigned()):
                used.add(symbol.get_name())
        for child in table.get_children():
            visit(child, False)

    visit(top, True)
    builtin_names = set(dir(builtins)) - set(notebook_names)
    return used - local - builtin_names
