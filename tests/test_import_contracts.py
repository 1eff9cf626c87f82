"""The layers are contracts that import-linter checks ([tool.importlinter] in pyproject.toml,
explained in docs/architecture.md). `make test` runs `lint-imports` before pytest; this module runs it
too, so `pytest` alone fails on a broken contract, and shows that the check can fail: a new import
across a layer breaks it, and so does an exception whose import has gone. No exception is left but
the two that are the design."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("connectors", "warehouse", "flows", "spendrecon")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# The ignore_imports lines that are the design, not a debt; there is no other.
ALLOWED = {
    "warehouse.** -> connectors.records",  # the connectors' contract module
    "spendrecon.** -> spendrecon.demo.transport",  # the demo's one entry point
}


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH first, so a copied tree in cwd is analysed rather than the installed one
    env = {**os.environ, "PYTHONPATH": str(cwd), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _copy_tree(tmp_path: Path) -> Path:
    """The four packages' Python sources and pyproject.toml, to break one import without touching
    the repository."""
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            target = tmp_path / source.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_every_contract_is_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: (\d+) kept, 0 broken\.", result.stdout)
    assert "BROKEN" not in result.stdout


def test_a_new_import_across_a_layer_breaks_the_build(tmp_path: Path):
    tree = _copy_tree(tmp_path)
    amounts = tree / "connectors" / "amounts.py"
    amounts.write_text(amounts.read_text(encoding="utf-8") + "\nimport warehouse.db  # noqa\n", encoding="utf-8")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "Connectors import no warehouse, flows or app code, no DuckDB and no Prefect BROKEN" in result.stdout
    assert "connectors.amounts -> warehouse.db" in result.stdout


def test_a_new_import_of_demo_code_breaks_the_build(tmp_path: Path):
    tree = _copy_tree(tmp_path)
    fiscal = tree / "spendrecon" / "fiscal.py"
    fiscal.write_text(fiscal.read_text(encoding="utf-8") + "\nimport spendrecon.demo.apis  # noqa\n", encoding="utf-8")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "spendrecon.fiscal -> spendrecon.demo.apis" in result.stdout


def test_an_exception_whose_import_is_gone_must_leave_the_list(tmp_path: Path):
    tree = _copy_tree(tmp_path)
    # an exception issue 10 removed, put back although its import has gone (warehouse.load now takes
    # family_of from warehouse.assistance_types)
    assert "connectors.assistance_types" not in (tree / "warehouse" / "load.py").read_text(encoding="utf-8")
    pyproject = tree / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    allowed = '    "warehouse.** -> connectors.records",\n'
    assert allowed in text
    pyproject.write_text(
        text.replace(allowed, allowed + '    "warehouse.load -> connectors.assistance_types",\n'), encoding="utf-8"
    )
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "No matches for ignored import warehouse.load -> connectors.assistance_types" in result.stdout + result.stderr


def _ignored_imports() -> list[tuple[str, str]]:
    """Each ignore_imports line of pyproject.toml with the comment above it."""
    lines = (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines()
    found, comment = [], ""
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            comment = stripped
        elif re.fullmatch(r'"[\w.*]+ -> [\w.*]+",', stripped):
            found.append((stripped.strip('",'), comment))
        elif not stripped.startswith('"'):
            comment = ""
    return found


def test_no_import_breaks_a_contract_but_the_design():
    # issue 10 moved every import that broke a contract: the only exceptions left are the design
    ignored = _ignored_imports()
    assert {expression for expression, _ in ignored} == ALLOWED
    assert len(ignored) == len(ALLOWED)


def test_the_architecture_doc_lists_every_exception():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for expression, _ in _ignored_imports():
        if expression not in ALLOWED:
            assert f"`{expression}`" in doc, f"docs/architecture.md does not list {expression}"
    for expression in ALLOWED:
        assert f"`{expression}`" in doc, f"docs/architecture.md does not name {expression}"
