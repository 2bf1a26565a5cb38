"""recommender/'s modules import one another without a cycle (issue 20: model.py and training.py did)."""
import ast
from pathlib import Path

import recommender

PACKAGE = Path(recommender.__file__).parent


def relative_imports(path: Path) -> set:
    """Names of the package's modules that `path` imports (from .x import ..., from . import x)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names |= {node.module.split(".")[0]} if node.module else {alias.name for alias in node.names}
    return names


def test_no_module_of_recommender_imports_itself_through_others():
    graph = {path.stem: relative_imports(path) for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    assert {"model", "scoring", "training"} <= graph.keys()

    def reaches(start, target, seen):
        for name in graph.get(start, ()):
            if name == target or (name not in seen and reaches(name, target, seen | {name})):
                return True
        return False

    assert [name for name in graph if reaches(name, name, {name})] == []
