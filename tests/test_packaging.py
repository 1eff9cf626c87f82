"""spendrecon as a newcomer installs it: the built wheel, in a virtualenv of its own, run from an
empty folder. `make demo` installs editable and reads every data file from the checkout, so only a
real wheel shows a SQL or YAML file left out of the package.

Both tests build the wheel from a copy of the sources (pip builds in place and would leave a
build/ folder behind). The demo test installs the wheel and its dependencies from the package
registry (or pip's cache), so it takes a minute or two: deselect it with `-m "not wheel"` for a quick
loop. It runs by default and in CI.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
# The top-level packages the wheel holds, read from pyproject.toml's `packages.find.include`.
PACKAGES = sorted(p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"])
IGNORED = ("__pycache__",)


def _source_files(package: str) -> list[str]:
    root = REPO / package
    return sorted(
        p.relative_to(REPO).as_posix() for p in root.rglob("*")
        if p.is_file() and not any(part in IGNORED or part.startswith(".") for part in p.relative_to(REPO).parts)
        and p.suffix != ".pyc"
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The wheel, and what building it printed (pip shows the build backend's warnings)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    for package in PACKAGES:
        shutil.copytree(REPO / package, src / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--quiet", "-w", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel_file] = out.glob("spendrecon-*.whl")
    return wheel_file, done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(built: tuple[Path, str]) -> Path:
    return built[0]


def test_building_prints_no_deprecation_banner_of_ours(built: tuple[Path, str]) -> None:
    # setuptools prints a 12-line banner, twice, for a license written as a TOML table: the first
    # screen of every install. The SPDX string (setuptools >= 77) is the current form.
    output = built[1]
    assert "deprecated" not in output.lower(), output[-3000:]
    assert PYPROJECT["project"]["license"] == "MIT"


def test_every_file_under_the_packages_is_in_the_wheel(wheel: Path) -> None:
    # Data files (SQL, YAML, CSV, templates, the demo bundle) are loaded through importlib.resources
    # at run time; any file on disk that the wheel lacks would fail an installed run.
    on_disk = [f for package in PACKAGES for f in _source_files(package)]
    data_files = [f for f in on_disk if not f.endswith(".py")]
    assert any(f.startswith("warehouse/explanations/") and f.endswith(".yaml") for f in data_files)
    assert len(data_files) > 50
    members = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in on_disk if f not in members]
    assert not missing, f"not in {wheel.name} (add the pattern to [tool.setuptools.package-data]): {missing}"


@pytest.mark.wheel
def test_the_installed_wheel_runs_the_demo_from_an_empty_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    # --no-compile: byte-compiling Prefect would double the install time and proves nothing here.
    install = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--no-compile", str(wheel)],
                             capture_output=True, text=True, timeout=1200)
    assert install.returncode == 0, install.stderr[-3000:]

    empty = tmp_path / "empty"
    empty.mkdir()
    # Nothing of the checkout or of this test run's settings may leak in.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PREFECT_", "SPENDRECON_", "SAM_API", "PYTHON", "VIRTUAL_ENV"))}
    where = subprocess.run([str(bin_dir / "python"), "-c", "import warehouse.explanations, spendrecon; "
                            "print(warehouse.explanations.__file__); print(spendrecon.__file__)"],
                           cwd=empty, env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert Path(line).resolve().is_relative_to(venv.resolve()), f"imported from outside the venv: {line}"

    run = subprocess.run([str(bin_dir / "spendrecon"), "run", "--demo"], cwd=empty, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert "10,852 program-years" in run.stdout
    for rule, n in (("amount_mismatch", "773"), ("actual_not_in_usaspending", "367"),
                    ("obligations_not_in_sam", "1,989"), ("estimate_only", "1,879")):
        assert any(rule in line and n in line for line in run.stdout.splitlines()), run.stdout
    assert (empty / "data" / "spendrecon.duckdb").is_file()
    assert list((empty / "reports").glob("*/report.html")), "no report written"
    assert list((empty / "reports").glob("*/findings.csv")), "no findings.csv written"
