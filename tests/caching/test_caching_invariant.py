"""The rule every cache depends on: every write to releases, categories or attachments goes
through publishing/, whose functions bump feed_state in the write's own transaction.

A new write path elsewhere (a view updating a release, a command inserting a category) would
leave caches keyed by the old state serving stale content: this check finds it in the source.
"""
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "feedserver"
ALLOWED = ("publishing", "models", "migrations")
WRITE = re.compile(
    r"\b(Release|Category|Attachment)\s*\.\s*(create|update|delete|insert|insert_many|insert_from|replace|"
    r"bulk_create|bulk_update|get_or_create)\b"
    r"|\.(save|delete_instance)\("
    r"|\b(UPDATE|INSERT\s+INTO|DELETE\s+FROM|REPLACE\s+INTO)\s+[`\"]?(release|category|attachment)\b",
    re.IGNORECASE)


def writes_outside_publishing(root=PACKAGE):
    """Return 'file:line: text' for every write to the syndicated tables outside publishing/."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).parts[0] in ALLOWED:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if WRITE.search(line) and not line.lstrip().startswith("#"):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_every_write_to_syndicated_tables_goes_through_publishing():
    assert writes_outside_publishing() == []


@pytest.mark.parametrize("line", [
    "    Release.update(title=x).where(Release.id == 1).execute()",
    "    Category.create(slug='x', name='y')",
    "    item.save()",
    '    database.execute_sql("UPDATE release SET title = %s")',
    "    Attachment.delete().where(Attachment.id == 3).execute()",
])
def test_the_check_finds_a_forgotten_write(tmp_path, line):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "views.py").write_text(f"def view():\n{line}\n")
    assert len(writes_outside_publishing(tmp_path)) == 1
