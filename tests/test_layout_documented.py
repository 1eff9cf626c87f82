"""docs/layout.md names every module of the program, with one line each, and nothing that is not
there: a new module shows up here or the suite fails."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYOUT = ROOT / "docs" / "layout.md"
PACKAGES = ("connectors", "warehouse", "flows", "spendrecon")


def _layout() -> list[str]:
    """docs/layout.md's code block, line by line."""
    page = LAYOUT.read_text(encoding="utf-8")
    block = re.search(r"^```\n(.*?)^```$", page, re.MULTILINE | re.DOTALL)
    assert block, "docs/layout.md has no code block"
    return block.group(1).splitlines()


def _named_modules() -> dict[str, str]:
    """Module path (e.g. spendrecon/report/html.py) -> its line. A package heading
    (`spendrecon/`) starts a block; an indented `report/html.py` below it is relative to it."""
    named: dict[str, str] = {}
    package = ""
    for line in _layout():
        heading = re.match(r"^(\w+)/\s", line)
        if heading:
            package = heading.group(1) if heading.group(1) in PACKAGES else ""
            continue
        entry = re.match(r"^  ([\w/]+\.py)\s+(\S.*)$", line)
        if package and entry:
            named[f"{package}/{entry.group(1)}"] = entry.group(2)
    return named


def _holds_code(path: Path) -> bool:
    """A package's __init__.py is a module of its own when it defines something (the CLI's commands,
    the report's entry points); one that only re-exports names is not."""
    return path.name != "__init__.py" or bool(
        re.search(r"^(async def |def |class |@)", path.read_text(encoding="utf-8"), re.MULTILINE))


def _modules() -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if _holds_code(path) and "__pycache__" not in path.parts
    }


def test_every_module_is_named_in_the_layout():
    missing = sorted(_modules() - set(_named_modules()))
    assert not missing, f"docs/layout.md does not name: {', '.join(missing)}"


def test_the_layout_names_no_module_that_does_not_exist():
    stale = sorted(set(_named_modules()) - _modules())
    assert not stale, f"docs/layout.md names modules that do not exist: {', '.join(stale)}"


def test_each_module_has_its_own_line_that_says_what_it_holds():
    for module, description in _named_modules().items():
        assert len(description.split()) >= 3, f"{module}: '{description}' says too little"


def test_the_layout_links_the_architecture_doc_and_the_readme_links_the_layout():
    assert "(architecture.md)" in LAYOUT.read_text(encoding="utf-8")
    assert "(docs/layout.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
