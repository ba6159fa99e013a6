"""The test suite's own layout: folders mirror the feedserver packages, and fixtures come from
conftest.py files, never from helper modules imported by name."""
import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
PACKAGE = TESTS.parent / "feedserver"
# Folders that mirror no package: Chromium tests, and the modules behind the fixtures.
OWN_FOLDERS = {"browser", "support"}
# The helper modules tests once imported by name, before they became fixtures.
OLD_HELPERS = {"conftest", "helpers", "publishing_helpers", "websub_helpers", "crawl_helpers", "widget_host"}


def suite_modules():
    return sorted(TESTS.rglob("test_*.py"))


def folders():
    return sorted(p for p in TESTS.rglob("*") if p.is_dir() and p.name != "__pycache__")


def imported_from_the_suite(path):
    """Return the imports of a test module that reach into tests/ instead of asking for a fixture."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            names = [("." * node.level) + (node.module or "")]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if name.startswith(".") or top == "tests" or top in OLD_HELPERS or top.startswith("test_"):
                found.append(f"{path.relative_to(TESTS)}:{node.lineno}: {name}")
    return found


def test_no_test_module_imports_helpers_conftest_or_other_tests():
    """Helpers reach a test as fixtures from conftest.py; tests/support is for conftest files only."""
    found = [line for path in suite_modules() for line in imported_from_the_suite(path)]
    assert found == [], found


def test_each_test_folder_mirrors_a_feedserver_package():
    """tests/web tests feedserver/web, and so on; only browser/ and support/ are the suite's own."""
    strays = []
    for folder in folders():
        parts = folder.relative_to(TESTS).parts
        if parts[0] in OWN_FOLDERS:
            continue
        if not (PACKAGE.joinpath(*parts) / "__init__.py").is_file():
            strays.append("/".join(parts))
    assert strays == [], f"test folders that mirror no feedserver package: {strays}"


def test_support_holds_no_tests_and_every_folder_is_a_package():
    """Packages let two folders hold test modules of the same name (default import mode)."""
    assert not list((TESTS / "support").rglob("test_*.py"))
    assert [f for f in folders() if not (f / "__init__.py").is_file()] == []
