"""Whether a notebook's function uses a reference implementation, read by the grader from the
notebook's source (the code cells it sends to the sandbox), so nothing the submission runs can hide it.

A name counts as a reference where it is bound, at the notebook's top level or inside the
function, to one of the package objects the checker compares with: ``from M import f``,
``import M`` then ``M.f``, ``importlib.import_module("M")``, ``__import__("M")`` or
``sys.modules["M"]`` then ``.f`` or ``getattr(..., "f")``; a re-export counts (the name is looked
up in the package and compared by identity), and so does another function of the notebook that
the graded one calls. Names built while the notebook runs (``"goal" + "misgen"``) are not read
here; the sandbox's own report adds what it sees of those.
"""

from __future__ import annotations

import ast
import importlib

_BUILTINS = {"__import__": "builtins.__import__", "getattr": "builtins.getattr"}
_IMPORTERS = ("importlib.import_module", "builtins.__import__")


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def dotted(node: ast.AST, scope: dict[str, str]) -> str | None:
    """The dotted name of the module or object that ``node`` evaluates to, where it can be read
    from the source alone; None elsewhere."""
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute):
        base = dotted(node.value, scope)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Subscript) and dotted(node.value, scope) == "sys.modules":
        return _text(node.slice)
    if isinstance(node, ast.Call) and node.args:
        function = dotted(node.func, scope)
        if function in _IMPORTERS:
            return _text(node.args[0])
        if function == "builtins.getattr" and len(node.args) >= 2 and _text(node.args[1]):
            base = dotted(node.args[0], scope)
            return f"{base}.{_text(node.args[1])}" if base else None
    return None


def _bind(statement: ast.AST, scope: dict[str, str]) -> set[str]:
    """Record in ``scope`` the names that an import or a simple assignment binds; those names."""
    bound: dict[str, str | None] = {}
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            bound[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
    elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
        for alias in statement.names:
            if alias.name == "*":
                bound.update({name: f"{statement.module}.{name}" for name in _public(statement.module)})
            else:
                bound[alias.asname or alias.name] = f"{statement.module}.{alias.name}"
    elif isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        bound.update({target.id: dotted(statement.value, scope) for target in targets if isinstance(target, ast.Name)})
    for name, value in bound.items():
        if value:
            scope[name] = value
        else:
            scope.pop(name, None)
    return set(bound)


def _public(module: str) -> list[str]:
    if not module.startswith("goalmisgen"):
        return []
    try:
        return [name for name in vars(importlib.import_module(module)) if not name.startswith("_")]
    except Exception:  # a module name the package does not have
        return []


def _lookup(name: str) -> object | None:
    """The package object that the dotted ``name`` names, or None (outside ``goalmisgen`` too)."""
    parts = name.split(".")
    if parts[0] != "goalmisgen":
        return None
    for split in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:split]))
        except Exception:  # not a module: try a shorter prefix
            continue
        try:
            for attribute in parts[split:]:
                value = getattr(value, attribute)
        except AttributeError:
            return None
        return value
    return None


def _parse(sources: list[str]) -> list[ast.AST]:
    trees = []
    for source in sources:
        try:
            trees.append(ast.parse(source))
        except (SyntaxError, ValueError):
            continue  # IPython syntax, or a broken cell: it defines nothing the grader can read
    return trees


def uses_reference(sources: list[str], function: str, references: list[object]) -> bool:
    """Whether the notebook's ``function`` (code cells ``sources``) is, or uses, one of ``references``."""
    scope, functions = dict(_BUILTINS), {}
    for tree in _parse(sources):
        for statement in tree.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                functions[statement.name] = statement
                scope.pop(statement.name, None)
            else:
                for name in _bind(statement, scope):
                    functions.pop(name, None)

    def is_reference(name: str | None) -> bool:
        found = _lookup(name) if name else None
        return found is not None and any(found is reference for reference in references)

    seen, todo = set(), [function]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in functions:
            if is_reference(scope.get(name)):
                return True
            continue
        local = dict(scope)
        for node in ast.walk(functions[name]):
            _bind(node, local)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Name) and node.id in functions:
                todo.append(node.id)
            elif isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)) and is_reference(dotted(node, local)):
                return True
    return False
