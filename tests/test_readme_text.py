"""The README's and the docs' prose, checked against the repository: links (and their anchors) that
resolve inside it, error messages the program really prints, the retry counts the flow really sets, one
spelling of the command, a README that links every reference page and stays short."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *DOCS]
README_MAX_LINES = 300  # a newcomer's start; the reference is in docs/
CODE_DIRS = ("spendrecon", "connectors", "warehouse", "flows")


def _links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", text)


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    return {_anchor(h) for h in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves_inside_the_repository(page: Path):
    text = page.read_text(encoding="utf-8")
    for link in _links(text):
        if link.startswith(("http://", "https://")):
            continue
        target, _, fragment = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        assert path.is_relative_to(ROOT), f"{page.name}: {link} points outside the repository"
        assert path.exists(), f"{page.name}: {link} does not exist"
        if fragment and path.suffix == ".md":
            assert fragment in _anchors(path), f"{page.name}: {link}: #{fragment} names no heading of {path.name}"


def test_the_link_check_sees_a_wrong_anchor(tmp_path: Path):
    """The anchors a page offers, as GitHub makes them: a wrong one is not among them."""
    page = tmp_path / "p.md"
    page.write_text("# The run date: `--as-of`\n\n## verify: the record's own checks\n```\n# not a heading\n```\n")
    assert _anchors(page) == {"the-run-date---as-of", "verify-the-records-own-checks"}


def test_the_readme_links_every_reference_page_and_stays_short():
    assert "../shared" not in README
    linked = set(_links(README))
    assert {f"docs/{p.name}" for p in DOCS} <= linked, "README.md does not link every page of docs/"
    assert "CONTRIBUTING.md" in linked
    lines = len(README.splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; the reference belongs in docs/"


def _code_text() -> str:
    """Every Python source of the program, with adjacent string literals joined (an error message
    is often split over lines: ``"... remain of "`` / ``"today's budget"``)."""
    text = "\n".join(p.read_text(encoding="utf-8") for d in CODE_DIRS for p in sorted((ROOT / d).rglob("*.py")))
    return re.sub(r"\"\s*\n\s*f?\"", "", text)


def _troubleshooting_symptoms() -> list[str]:
    section = (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    return [m.group(1) for m in re.finditer(r"^\| `([^`]+)`", section, re.MULTILINE)]


# Messages of other programs, quoted as the user sees them.
NOT_OURS = ("Could not set lock on file",)


# What varies in a message and is written as a value in the README but as a {field} in the code.
_VALUE = re.compile(r"https?://\S*|\b\d[\d,]*\b|\b(?:GET|POST)\b|^(?:sam|usaspending)\b|\bFY\b|\b(?:demo|live)\b")


@pytest.mark.parametrize("symptom", _troubleshooting_symptoms())
def test_troubleshooting_quotes_a_message_the_program_prints(symptom: str):
    if symptom.startswith(NOT_OURS):
        pytest.skip("DuckDB's own message")
    code = _code_text()
    # "..." stands for what varies (a path, a number, the server's words); so do values such as a URL
    # or a status code. Every literal stretch between them must be in the code.
    # Clauses are checked one by one: the code may build "attempt{s}; last error".
    stretches = [c.strip(" ;.:") for part in symptom.removeprefix("error: ").split("...")
                 for s in _VALUE.split(part.strip()) for c in re.split(r"[;,] ", s)]
    assert any(len(s) >= 10 for s in stretches), f"{symptom!r} quotes too little to check"
    for stretch in (s for s in stretches if len(s) >= 4):
        assert stretch in code, f"no message in the code contains {stretch!r}"


def test_troubleshooting_has_the_errors_users_meet():
    symptoms = " ".join(_troubleshooting_symptoms())
    for message in ("SAM_API_KEY is not set", "was refused with HTTP 401", "archive store", "no warehouse at"):
        assert message in symptoms


def test_the_sources_page_states_the_retries_the_flow_sets():
    from flows.reconcile import (SAM_RETRY_PAUSES, USASPENDING_RETRY_PAUSES, extract_sam_task,
                                 extract_usaspending_task)

    text = " ".join((ROOT / "docs" / "source-apis.md").read_text(encoding="utf-8").split())
    times = {1: "once", 2: "twice", 3: "three times"}

    # The pauses are waited out inside the task (so a failed run can cut them short), not by Prefect.
    def after(task, pauses) -> str:  # type: ignore[no-untyped-def]
        delays = [pauses[min(i, len(pauses) - 1)] for i in range(task.retries)]
        return "after " + " and then ".join(f"{d:g} s" for d in delays)

    assert f"`extract-sam` **{times[extract_sam_task.retries]}**, {after(extract_sam_task, SAM_RETRY_PAUSES)}" in text
    assert (f"`extract-usaspending` fiscal year **{times[extract_usaspending_task.retries]}**, "
            f"{after(extract_usaspending_task, USASPENDING_RETRY_PAUSES)}") in text


def test_one_spelling_of_the_command():
    """After `source .venv/bin/activate` (said once, in the README), every page writes plain `spendrecon`."""
    for page in PAGES:
        assert ".venv/bin/spendrecon" not in page.read_text(encoding="utf-8"), page.name
    assert "source .venv/bin/activate" in README
