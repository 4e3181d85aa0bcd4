"""``CalcResult``: the outcome of one calculation as written to one JSON record (field order is the
record's key order), rebuilt from a record with unknown newer keys kept, and turned back into a
``CalcSpec`` of the same structure at another level."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from compchem.models.level import LevelOfTheory
from compchem.models.spec import CalcSpec, coordinate_rows


@dataclass(frozen=True)
class CalcResult:
    """The outcome of one calculation, written as one JSON record (see ``compchem.records``)."""

    label: str
    task: str
    program: str
    program_version: str
    spec_hash: str
    level: dict[str, Any]
    charge: int
    multiplicity: int
    symbols: list[str]
    coordinates_angstrom: list[list[float]]
    energy_hartree: float
    converged: bool
    n_opt_steps: int = 0
    n_scf_cycles_last: int = 0
    gradient_rms_hartree_per_bohr: float | None = None
    gradient_max_hartree_per_bohr: float | None = None
    n_basis_functions: int = 0
    wall_time_s: float = 0.0
    threads: int = 1
    fragments: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, float]] = field(default_factory=list)
    software: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    schema_version: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)

    def spec_at(self, level: LevelOfTheory, task: str) -> CalcSpec:
        """A new calculation of this result's structure (geometry, charge, multiplicity, label and
        fragments) at ``level``, task ``task``."""
        return CalcSpec(
            tuple(self.symbols),
            coordinate_rows(self.coordinates_angstrom),
            self.charge,
            self.multiplicity,
            level,
            task,
            label=self.label,
            fragments=tuple((f["name"], tuple(f["atom_indices"])) for f in self.fragments),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CalcResult:
        """Rebuild from a record mapping; unknown keys from newer records are kept in ``extra``."""
        names = {f.name for f in fields(cls)}
        known = {k: v for k, v in data.items() if k in names}
        rest = {k: v for k, v in data.items() if k not in names}
        if rest:
            known.setdefault("extra", {})
            known["extra"] = {**known["extra"], **rest}
        return cls(**known)
