"""What a SPARQL text does (its form, SERVICE targets, dataset clause, ORDER BY), as the gate or the lexer read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Form = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "UPDATE"]


@dataclass(frozen=True)
class QueryInfo:
    """What a SPARQL text does, read from its parse tree."""

    form: Form
    services: tuple[str, ...] = ()  # SERVICE IRIs (resolved), "?var" for a variable SERVICE
    from_graphs: tuple[str, ...] = ()  # FROM IRIs (resolved); USING IRIs of an update too
    from_named: tuple[str, ...] = ()  # FROM NAMED IRIs (resolved); USING NAMED IRIs of an update too
    loads: tuple[str, ...] = ()  # LOAD sources (updates)
    ordered: bool = False  # top-level ORDER BY
    projection: tuple[str, ...] | None = None  # SELECT variable names in order; None for SELECT * / non-SELECT
    update_ops: tuple[str, ...] = ()  # the update operations, in order, once each ("INSERT DATA", "LOAD", ...)
    prefixes: dict[str, str] = field(default_factory=dict, compare=False)  # PREFIX declarations, resolved

    @property
    def is_update(self) -> bool:
        """Return whether the text is a SPARQL Update request."""
        return self.form == "UPDATE"

    @property
    def has_dataset_clause(self) -> bool:
        """Return whether the text names its dataset (FROM, FROM NAMED, USING, USING NAMED)."""
        return bool(self.from_graphs or self.from_named)
