"""The project's modules import each other without a circle, and the unit-table engine knows
nothing of procedures.

Read from the source (every ``import``, at module level or inside a function), so a circle
held together by an import tucked into a function body is found too.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("parts", "procedures", "shopfloor")


def _modules():
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _imports(path, modules):
    """The project modules ``path`` imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                found.add(name if name in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in modules}


def _graph():
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _circles(graph):
    """Every group of modules that import each other round a circle (Tarjan's algorithm)."""
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph[module]):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return circles


def test_no_module_imports_itself_round_a_circle():
    assert _circles(_graph()) == []


def test_the_check_finds_a_circle_made_of_imports_inside_functions():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


def test_the_unit_table_engine_imports_nothing_from_procedures():
    graph = _graph()
    engine = [name for name in graph if name.startswith("parts.unit_tables")]
    assert engine
    assert {
        name: sorted(imported for imported in graph[name] if imported.startswith("procedures"))
        for name in engine
        if any(imported.startswith("procedures") for imported in graph[name])
    } == {}


def test_parts_models_and_procedures_models_import_the_apply_path_at_the_top():
    graph = _graph()
    assert "procedures.saving" in graph["procedures.models"]
    assert "parts.unit_tables.engine" in graph["procedures.saving"]
    assert not any(name.startswith("procedures") for name in graph["parts.models"])
