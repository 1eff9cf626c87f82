"""spendrecon.yaml: read with yaml.safe_load, validated by pydantic, overridden by the environment.

A wrong key or value stops the program at start with a message naming the key and the reason.
The SAM.gov API key is deliberately *not* part of the settings: it is read from ``SAM_API_KEY``
only at the moment a client is built, so it can never be serialised with the settings (Prefect
parameters, logs, reports, the warehouse).
"""
from __future__ import annotations

import os
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from spendrecon.fiscal import default_fiscal_years, fiscal_year_of, parse_fiscal_years
from warehouse.annotations import ABS_TOLERANCE, REL_TOLERANCE
from warehouse.keys import key_text

DEFAULT_CONFIG_NAME = "spendrecon.yaml"
SAM_API_KEY_ENV = "SAM_API_KEY"
USASPENDING_SEARCH_FIRST_FY = 2008  # the search API rejects dates before 2007-10-01


class ConfigError(Exception):
    """A configuration problem, worded for the person who wrote the file.

    ``issues`` holds each problem as (key, reason), without the file name, for a caller that knows
    better where the value came from (the CLI says ``--fiscal-years: ...`` for its own options)."""

    def __init__(self, message: str, issues: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or []


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpSettings(_Strict):
    timeout_seconds: float = Field(60.0, gt=0, le=600)
    max_attempts: int = Field(6, ge=1, le=20)
    backoff_initial_seconds: float = Field(1.0, ge=0, le=60)
    backoff_max_seconds: float = Field(60.0, ge=0, le=3600)
    max_retry_after_seconds: float = Field(300.0, ge=0, le=3600)


class SamSettings(_Strict):
    base_url: str = "https://api.sam.gov"
    mode: Literal["api", "public"] = "api"  # public: the keyless sam.gov front-end endpoints (no daily quota)
    status: Literal["All", "Active", "Inactive", "ALL", "ACTIVE", "INACTIVE"] = "All"
    page_size: int = Field(100, ge=1, le=100)
    daily_request_budget: int = Field(1000, ge=1)
    concurrency: int = Field(1, ge=1, le=8)
    public_base_url: str = "https://sam.gov"
    public_concurrency: int = Field(4, ge=1, le=8)
    public_pace_seconds: float = Field(0.25, ge=0)  # between request starts: the endpoints are unmetered, be polite


class UsaspendingSettings(_Strict):
    base_url: str = "https://api.usaspending.gov"
    mode: Literal["api", "archive"] = "api"
    page_size: int = Field(100, ge=1, le=100)
    concurrency: int = Field(3, ge=1, le=8)
    archive_store: str | None = None  # DuckDB file of archive transactions (archive mode)
    # Award Data Archive files (paths or URLs) a scheduled archive-mode run ingests before it
    # reconciles; files already in the store are skipped by name and checksum.
    archive_sources: list[str] = Field(default_factory=list)
    archive_download_dir: str | None = None  # default: <data_dir>/archive_downloads
    # CSV parts parsed side by side (and DuckDB threads). Parsing is CPU-bound, so one per core; past
    # 8, memory for parts in flight grows faster than the gain.
    archive_workers: int = Field(default_factory=lambda: max(1, min(os.cpu_count() or 2, 8)), ge=1, le=16)
    archive_memory_limit: str = Field("1GB", pattern=r"^\s*\d+(\.\d+)?\s*([KMGT]i?B)\s*$")


class RuleOverride(_Strict):
    enabled: bool | None = None
    severity: Literal["error", "warning", "info"] | None = None
    message: str | None = None
    min_amount: Decimal | None = Field(None, ge=0)
    abs_tolerance: Decimal | None = Field(None, ge=0)
    rel_tolerance: Decimal | None = Field(None, ge=0, le=1)


class DropGuardSettings(_Strict):
    """The mid-reload guard: a complete answer that lost more than ``max_share`` of the programs (or, for
    USAspending, of the dollars) the source held in its last run stops the run before it publishes - a
    source caught mid-reload must not flip a year. Sources holding fewer than ``min_held`` programs or
    listings before (a small --programs scope) are not judged."""

    max_share: Decimal = Field(Decimal("0.05"), ge=0, le=1)
    min_held: int = Field(20, ge=1)


class ReviewSettings(_Strict):
    """When an analyst's review stops applying: its finding's difference moved past both (as
    amount_mismatch judges a gap) since the review was given."""

    abs_tolerance: Decimal = Field(ABS_TOLERANCE, ge=0)
    rel_tolerance: Decimal = Field(REL_TOLERANCE, ge=0, le=1)


class ScheduleSettings(_Strict):
    # USAspending refreshes its monthly files around the 15th; run a few days after.
    cron: str = "0 6 20 * *"
    timezone: str = "UTC"

    @field_validator("cron")
    @classmethod
    def _cron_has_five_fields(cls, v: str) -> str:
        if len(v.split()) != 5:
            raise ValueError("must be a five-field cron expression, e.g. '0 6 20 * *'")
        return v


WAREHOUSE_DEFAULT = "data/spendrecon.duckdb"


class Settings(_Strict):
    warehouse: str = Field(WAREHOUSE_DEFAULT, min_length=1)
    reports_dir: str = "reports"
    data_dir: str = "data"
    fiscal_years: list[int] | None = None  # None: the five most recent completed fiscal years
    programs: list[str] | None = None  # None: every program
    # The run date the run judges timing by (which fiscal years are complete, partial_year, the default
    # window): None is today. A replay of an older snapshot sets the snapshot's date. The SAM.gov daily
    # request budget always counts real days.
    as_of: date | None = None
    sam: SamSettings = SamSettings()
    usaspending: UsaspendingSettings = UsaspendingSettings()
    http: HttpSettings = HttpSettings()
    drop_guard: DropGuardSettings = DropGuardSettings()
    reviews: ReviewSettings = ReviewSettings()
    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    explanations: dict[str, dict[str, Decimal]] = Field(default_factory=dict)  # per-explanation parameters
    schedule: ScheduleSettings = ScheduleSettings()

    # Where relative paths are anchored: the config file's folder (or the working directory).
    base_dir: str = Field(".", exclude=True)

    @field_validator("sam", "usaspending", "http", "drop_guard", "reviews", "schedule", "rules", "explanations",
                     mode="before")
    @classmethod
    def _empty_section_is_defaults(cls, v: Any) -> Any:
        # `sam:` with nothing under it is YAML null: the section's defaults, as if it were left out
        # (and likewise `rules: {amount_mismatch: }` overrides nothing).
        if v is None:
            return {}
        if isinstance(v, dict):
            return {k: ({} if item is None else item) for k, item in v.items()}
        return v

    @field_validator("fiscal_years", mode="before")
    @classmethod
    def _years(cls, v: Any) -> Any:
        if isinstance(v, str):
            return parse_fiscal_years(v)
        if isinstance(v, bool) or (isinstance(v, list) and any(isinstance(y, bool) for y in v)):
            raise ValueError("fiscal years must be numbers like 2023, not true/false")
        if isinstance(v, int):
            return [v]
        return v

    @field_validator("fiscal_years")
    @classmethod
    def _years_sorted(cls, v: list[int] | None) -> list[int] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("must name at least one fiscal year (or be left out)")
        latest = fiscal_year_of(date.today())
        for y in v:
            if not 1990 <= y <= 2100:
                raise ValueError(f"fiscal year {y} is out of range (1990-2100)")
            if y > latest:
                raise ValueError(f"fiscal year {y} has not started yet (the current one is {latest})")
        return sorted(set(v))

    @field_validator("as_of", mode="before")
    @classmethod
    def _as_of_is_a_date(cls, v: Any) -> Any:
        if isinstance(v, str):
            return parse_as_of(v)
        if isinstance(v, datetime):
            raise ValueError("must be a date like 2024-01-15, not a date and time")
        return v

    @field_validator("as_of")
    @classmethod
    def _as_of_not_future(cls, v: date | None) -> date | None:
        if v is not None and v > date.today():
            raise ValueError(f"{v.isoformat()} is in the future; the run date is today or earlier")
        return v

    @field_validator("programs", mode="before")
    @classmethod
    def _programs(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [p for p in (s.strip() for s in v.split(",")) if p]
        if isinstance(v, list):
            for p in v:
                if not isinstance(p, str):
                    # 10.10 written unquoted in YAML arrives as the float 10.1: refuse, never guess.
                    raise ValueError(
                        f"program number {p!r} must be quoted in YAML (e.g. '10.100'); "
                        "unquoted numbers lose trailing zeros"
                    )
            return [p.strip() for p in v if p.strip()] or None
        return v

    @model_validator(mode="after")
    def _rules_exist(self) -> "Settings":
        # Checked against the registry now, so a typo fails at start rather than after extraction.
        from warehouse.rules.registry import RuleConfigError, load_rules

        try:
            load_rules({k: v.model_dump(exclude_none=True) for k, v in self.rules.items()})
        except RuleConfigError as exc:
            raise ValueError(str(exc)) from None
        from warehouse.explanations.registry import ExplanationConfigError, load_explanations

        try:
            load_explanations(self.explanations)
        except ExplanationConfigError as exc:
            raise ValueError(str(exc)) from None
        return self

    @model_validator(mode="after")
    def _api_floor(self) -> "Settings":
        if self.usaspending.mode == "api" and self.fiscal_years:
            early = [y for y in self.fiscal_years if y < USASPENDING_SEARCH_FIRST_FY]
            if early:
                raise ValueError(
                    f"fiscal_years: {', '.join(f'FY{y}' for y in early)} "
                    f"{'is' if len(early) == 1 else 'are'} before FY{USASPENDING_SEARCH_FIRST_FY}, which "
                    "USAspending's search API does not serve; use usaspending.mode: archive"
                )
        return self

    # --- resolved values -------------------------------------------------------------------
    def path(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else Path(self.base_dir) / p

    @property
    def warehouse_path(self) -> Path:
        return self.path(self.warehouse)

    # Which setting chose the warehouse path (load_settings fills it in), for messages about the path.
    _warehouse_from: str = PrivateAttr(default="")

    @property
    def warehouse_setting(self) -> str:
        """Where the warehouse path came from, as a message names it: ``SPENDRECON_WAREHOUSE``,
        ``warehouse: in spendrecon.yaml``, or the default and how to change it."""
        return self._warehouse_from or (f"the default; warehouse: in {DEFAULT_CONFIG_NAME} or "
                                        "SPENDRECON_WAREHOUSE sets another")

    @property
    def reports_path(self) -> Path:
        return self.path(self.reports_dir)

    @property
    def data_path(self) -> Path:
        return self.path(self.data_dir)

    @property
    def annotations_path(self) -> Path:
        """The review log `spendrecon annotate` appends to and every run re-reads."""
        return self.data_path / "annotations.jsonl"

    def resolved_fiscal_years(self, today: date | None = None) -> list[int]:
        return self.fiscal_years or default_fiscal_years(today or self.as_of or date.today())


def parse_as_of(text: str) -> date:
    """``--as-of`` and ``as_of:``: an ISO date, YYYY-MM-DD, nothing else (no guessing of 01/02/2024)."""
    value = text.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"{text!r} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None


# pydantic's prefixes on errors raised by our own validators: the reason reads better without them.
_LIBRARY_PREFIXES = ("Value error, ", "Assertion failed, ")
_KEYED = re.compile(r"^([a-z_]+(?:\.[\w.-]+)?): (.+)$", re.S)  # "rules.x.severity: reason"


def _issues(err: ValidationError) -> list[tuple[str, str]]:
    issues = []
    for e in err.errors():
        where = ".".join(key_text(p) for p in e["loc"])
        msg = e["msg"]
        for prefix in _LIBRARY_PREFIXES:
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling: docs/configuration.md lists every key)"
        elif "input" in e and e["type"] not in ("missing",) and e["loc"]:  # top level: the whole file
            msg = f"{msg} (got {e['input']!r})"
        if not where:  # a check across keys names its key at the start of its message
            keyed = _KEYED.match(msg)
            where, msg = (keyed.group(1), keyed.group(2)) if keyed else ("(top level)", msg)
        issues.append((where, msg))
    return issues


def _format_validation_error(err: ValidationError, source: str) -> str:
    return "\n".join(f"{source}: {where}: {msg}" for where, msg in _issues(err))


def load_settings(
    config_path: str | Path | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Read the config file (if any), apply environment and explicit overrides, validate.

    With no path, ``./spendrecon.yaml`` is used when it exists, else the defaults.
    """
    env = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    source = "environment"  # with no file, only SPENDRECON_* variables can be wrong
    base_dir = Path.cwd()
    if config_path is None and Path(DEFAULT_CONFIG_NAME).exists():
        config_path = DEFAULT_CONFIG_NAME
    if config_path is not None:
        path = Path(config_path)
        source = str(path)
        if not path.exists():
            raise ConfigError(f"config file {path} does not exist")
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise ConfigError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the top level must be a mapping of keys, not {type(loaded).__name__}")
        odd = [k for k in loaded if not isinstance(k, str)]
        if odd:
            # YAML reads `1:`, `true:` or `null:` as a number, boolean or null; no key is one of those.
            raise ConfigError("\n".join(f"{path}: {key_text(k)}: unknown key (check the spelling: docs/configuration.md lists every key)"
                                         for k in odd))
        data = loaded
        base_dir = path.resolve().parent

    data = _deep_copy(data)
    if env.get("SPENDRECON_SAM_BASE_URL"):
        _section(data, "sam", source)["base_url"] = env["SPENDRECON_SAM_BASE_URL"]
    if env.get("SPENDRECON_SAM_PUBLIC_BASE_URL"):
        _section(data, "sam", source)["public_base_url"] = env["SPENDRECON_SAM_PUBLIC_BASE_URL"]
    if env.get("SPENDRECON_USASPENDING_BASE_URL"):
        _section(data, "usaspending", source)["base_url"] = env["SPENDRECON_USASPENDING_BASE_URL"]
    if env.get("SPENDRECON_USASPENDING_MODE"):  # e.g. one archive-mode run: api or archive
        _section(data, "usaspending", source)["mode"] = env["SPENDRECON_USASPENDING_MODE"]
    if env.get("SPENDRECON_WAREHOUSE"):
        data["warehouse"] = env["SPENDRECON_WAREHOUSE"]
    for key, value in (overrides or {}).items():
        if value is not None:
            data[key] = value
    data["base_dir"] = str(base_dir)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_validation_error(err, source), _issues(err)) from None
    if env.get("SPENDRECON_WAREHOUSE"):
        settings._warehouse_from = "from SPENDRECON_WAREHOUSE"
    elif "warehouse" in (overrides or {}) and (overrides or {})["warehouse"] is not None:
        settings._warehouse_from = "as given"
    elif config_path is not None and "warehouse" in data:
        settings._warehouse_from = f"from warehouse: in {config_path}"
    return settings


def _section(data: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    """The ``name:`` mapping an environment variable writes into: created when absent or left empty."""
    value = data.get(name)
    if value is None:
        value = data[name] = {}
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: {name}: must be a mapping of keys (e.g. base_url: ...), "
                          f"not {type(value).__name__} (got {value!r})")
    return value


def _deep_copy(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (_deep_copy(v) if isinstance(v, dict) else v) for k, v in d.items()}


def sam_api_key(environ: dict[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    key = env.get(SAM_API_KEY_ENV, "").strip()
    return key or None
