"""What the rule and explanation registries share: entries listed in a YAML file, each with an id,
a title, Decimal parameters and one SQL file named after it in the same package."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any, ClassVar

import yaml

from warehouse.db import sql_text


class RegistryError(ValueError):
    """A registry entry, or its override in spendrecon.yaml, cannot work; the message names the key."""


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    package: ClassVar[str]  # where the YAML file and the SQL files are

    @property
    def sql(self) -> str:
        return sql_text(self.id, package=self.package)


def read_entries(package: str, file_name: str) -> list[Mapping[str, Any]]:
    """The entries of ``file_name`` in ``package``: the list under its one top-level key."""
    text = resources.files(package).joinpath(file_name).read_text(encoding="utf-8")
    (entries,) = yaml.safe_load(text).values()
    return list(entries)


def decimal_params(entry: Mapping[str, Any]) -> dict[str, Decimal]:
    """An entry's parameters, exact (YAML's floats go through their text, never binary)."""
    return {k: Decimal(str(v)) for k, v in (entry.get("params") or {}).items()}
