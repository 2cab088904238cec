"""Where the app's code makes plain text of a :class:`~labeldesk.gui.full_disk.FailureText`
(an f-string, ``.format``, ``+`` or ``%`` with it): the text made is a plain ``str``,
without the disk the failure found full, and mypy sees nothing wrong (a FailureText is a
``str``). Read from the source, without running it:

- what holds one: a call of ``said`` or ``FailureText`` (imported from
  :mod:`labeldesk.gui.full_disk`, under any name), of ``write_failure`` or
  ``unsaved_text`` (:mod:`labeldesk.gui.workers`), of ``X.describe(exc)`` (a job's words
  for a failure: one argument) or ``X.reworded(text)``; a name assigned one in the same
  function; a parameter annotated ``FailureText``; and a parameter of a function of the
  same module that some call there hands one (``self._failed(job.describe(exc))``).
- what holds one, too: either side of ``a if c else b`` and of ``a or b``; an item of a
  container that holds one (``errors[0]``; a loop's or a comprehension's name over it),
  where a container holds one when made with one (``[said, x]``, a tuple, a set) or
  given one (``errors.append(said)``, ``.add``, ``.insert``, ``.extend``), in the same
  function: ``"; ".join(errors)`` makes plain text of every item.
- what is allowed: text made inside the arguments of a call that gives a FailureText
  again (``said.reworded(f"{name}: {said}")``, ``said(f"… {x}", exc)``), and
  ``f"{x!s}"`` (or ``str(x)``): the plain text asked for by name, where no notice needs
  the disk (a label of the form itself).

Not followed: a value handed on through a Qt signal, and a container kept beyond one
function (an attribute, a dict's values). A signal is named by its attribute alone
(``failed`` is a Job's, which carries an exception, and a page's, which carries a
FailureText), and its slot often lives in another module (``shell.notify_error``):
following one by name would take every Job's failure for a FailureText; telling them
apart needs the types mypy infers."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

MAKERS = {  # module -> the functions of it that return a FailureText
    "labeldesk.gui.full_disk": {"said", "FailureText"},
    "labeldesk.gui.workers": {"write_failure", "unsaved_text"},
}
METHODS = {"describe": 1, "reworded": 1}  # X.name(one argument) returns one
FILLS = {"append", "add", "insert", "extend"}  # X.name(…, item) puts one in container X
BOX = "[]"  # held as f"{BOX}{name}": the name of a container that holds one


@dataclass(frozen=True)
class Use:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def makers_in(tree: ast.Module, module: str) -> set[str]:
    """The names a module calls the FailureText makers by (imported, or its own)."""
    names = set(MAKERS.get(module, ()))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in MAKERS:
            for alias in node.names:
                if alias.name in MAKERS[node.module]:
                    names.add(alias.asname or alias.name)
    return names


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _params(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.arg]:
    return [*function.args.posonlyargs, *function.args.args]


class _Module:
    def __init__(self, tree: ast.Module, module: str):
        self.tree = tree
        self.makers = makers_in(tree, module)
        # function node -> the names in it that hold a FailureText
        self.held: dict[ast.AST, set[str]] = {}
        self._find_held()

    def makes(self, node: ast.AST) -> bool:
        """Whether ``node`` is a call that returns a FailureText."""
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        if isinstance(func, ast.Name):
            return func.id in self.makers
        if isinstance(func, ast.Attribute) and func.attr in METHODS:
            return len(node.args) == METHODS[func.attr] and not node.keywords
        return False

    def holds(self, node: ast.AST, names: set[str]) -> bool:
        if isinstance(node, ast.IfExp):
            return self.holds(node.body, names) or self.holds(node.orelse, names)
        if isinstance(node, ast.BoolOp):
            return any(self.holds(value, names) for value in node.values)
        if isinstance(node, ast.Subscript):  # an item of a container that holds one
            return self.boxes(node.value, names)
        return self.makes(node) or (isinstance(node, ast.Name) and node.id in names)

    def boxes(self, node: ast.AST, names: set[str]) -> bool:
        """Whether ``node`` is a container that holds a FailureText: a list, tuple or set
        made with one, a name of such a container, a comprehension of them."""
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return any(self.holds(e, names) or self.boxes(e, names) for e in node.elts)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            return self.holds(node.elt, names)
        return isinstance(node, ast.Name) and BOX + node.id in names

    def _fill(self, node: ast.AST, names: set[str]) -> bool:
        """Mark what ``node`` makes hold one, in ``names``: a container given one, a loop's
        or comprehension's name over such a container; whether any is new."""
        marked: list[str] = []
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            box, items = node.func.value, node.args[-1:]
            if node.func.attr in FILLS and isinstance(box, ast.Name) and items:
                filled = self.boxes(items[0], names) if node.func.attr == "extend" else False
                if filled or self.holds(items[0], names):
                    marked.append(BOX + box.id)
        loop = isinstance(node, ast.For | ast.comprehension)
        if loop and isinstance(node.target, ast.Name) and self.boxes(node.iter, names):
            marked.append(node.target.id)
        fresh = [name for name in marked if name not in names]
        names.update(fresh)
        return bool(fresh)

    def _find_held(self) -> None:
        functions = _functions(self.tree)
        by_name: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        for function in functions:
            by_name.setdefault(function.name, []).append(function)
            annotated = {
                p.arg
                for p in _params(function)
                if p.annotation is not None and "FailureText" in ast.unparse(p.annotation)
            }
            self.held[function] = annotated
        changed = True
        while changed:  # names assigned one, and parameters handed one, until none is new
            changed = False
            for function in functions:
                names = self.held[function]
                for node in ast.walk(function):
                    if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                        held = self.holds(node.value, names)
                        boxed = not held and self.boxes(node.value, names)
                        for target in targets:
                            name = target.id if isinstance(target, ast.Name) else None
                            name = name if held or name is None else BOX + name
                            if (held or boxed) and name is not None and name not in names:
                                names.add(name)
                                changed = True
                    changed |= self._fill(node, names)
                    if isinstance(node, ast.Call):
                        changed |= self._hand_on(node, names, by_name)

    def _hand_on(
        self,
        call: ast.Call,
        names: set[str],
        by_name: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]],
    ) -> bool:
        """Mark the parameters of this module's functions that ``call`` hands one."""
        func = call.func
        method = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
        name = func.attr if method else func.id if isinstance(func, ast.Name) else None
        if name is None or name in self.makers:
            return False
        changed = False
        for target in by_name.get(name, []):
            params = _params(target)
            if method and params and params[0].arg in ("self", "cls"):
                params = params[1:]
            for i, arg in enumerate(call.args):
                fresh = i < len(params) and params[i].arg not in self.held[target]
                if fresh and self.holds(arg, names):
                    self.held[target].add(params[i].arg)
                    changed = True
        return changed

    def uses(self, path: str) -> list[Use]:
        found: list[Use] = []
        for function, names in self.held.items():
            allowed = self._inside_makers(function)
            for node in ast.walk(function):
                if id(node) in allowed:
                    continue
                what = self._plain_text(node, names)
                if what:
                    found.append(Use(path, node.lineno, what))  # type: ignore[attr-defined]
        return sorted(set(found), key=lambda u: u.line)

    def _inside_makers(self, function: ast.AST) -> set[int]:
        """The nodes inside the arguments of a call that makes a FailureText again."""
        inside: set[int] = set()
        for node in ast.walk(function):
            if self.makes(node):
                assert isinstance(node, ast.Call)
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    inside.update(id(n) for n in ast.walk(arg))
        return inside

    def _plain_text(self, node: ast.AST, names: set[str]) -> str:
        if (
            isinstance(node, ast.FormattedValue)
            and node.conversion != ord("s")  # f"{x!s}": plain text asked for by name
            and self.holds(node.value, names)
        ):
            return f"an f-string of {ast.unparse(node.value)}"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            for side in (node.left, node.right):
                if self.holds(side, names):
                    return f"{ast.unparse(node)}"
        added = isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add)
        if added and (self.holds(node.target, names) or self.holds(node.value, names)):
            return f"{ast.unparse(node)}"
        call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if call and node.func.attr == "format":
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if self.holds(arg, names):
                    return f".format of {ast.unparse(arg)}"
        joined = call and node.func.attr == "join" and len(node.args) == 1
        if joined and self.boxes(node.args[0], names):
            return f"a join of {ast.unparse(node.args[0])}"
        return ""


def plain_text_made(source: str, module: str = "", path: str = "<text>") -> list[Use]:
    """Where ``source`` (the module ``module``) makes plain text of a FailureText."""
    return _Module(ast.parse(source), module).uses(path)


def plain_text_made_in(package: Path) -> list[Use]:
    """The same of every module under ``package`` (the folder of ``labeldesk.gui``)."""
    found: list[Use] = []
    root = package.parent.parent
    for file in sorted(package.rglob("*.py")):
        module = ".".join(file.relative_to(root).with_suffix("").parts)
        found += plain_text_made(file.read_text(encoding="utf-8"), module, str(file))
    return found
