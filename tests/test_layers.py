"""The package layers hold: import-linter checks the contracts in pyproject.toml."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(cwd):
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([command, "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_import_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_a_model_importing_flask_breaks_the_contracts(tmp_path):
    """The contracts can fail: a copy of the tree whose models import Flask is refused."""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "feedserver", copy / "feedserver", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    base = copy / "feedserver" / "models" / "base.py"
    base.write_text("import flask  # noqa: F401 - breaks a layer on purpose\n" + base.read_text())
    result = lint_imports(copy)
    assert result.returncode != 0 and "Models import no Flask BROKEN" in result.stdout


def test_function_level_imports_say_why():
    """An import inside a function names its cycle or optional dependency in a comment."""
    import ast
    silent = []
    for path in sorted((ROOT / "feedserver").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)) and "#" not in lines[inner.lineno - 1]:
                        silent.append(f"{path.relative_to(ROOT)}:{inner.lineno}: {lines[inner.lineno - 1].strip()}")
    assert silent == [], silent
