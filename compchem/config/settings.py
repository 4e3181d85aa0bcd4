"""Typed, frozen views of the validated config's settings sections (``thermo``, its ``solvent``,
``build``, ``gaussian``), so that the workflow rules and the package read ``PLAN.thermo.counterpoise``
rather than ``PLAN.config["thermo"]["counterpoise"]``. Each is built from the section after schema
validation (every default filled in) and keeps that section's values unconverted: a setting written
as ``298`` stays the integer 298, so the JSON of a job's params, and with it Snakemake's rerun
decision, is the same as when the rules read the raw mapping. ``ThermoSettings`` also reads as that
mapping (``THERMO["frequencies"]``, ``THERMO.get("solvent")``) for rule text that indexes it by key."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SolventSettings:
    """``thermo.solvent``: implicit-solvent single points at the gas-phase geometries."""

    name: str
    model: str
    eps: float
    #: cavity radii in place of the model's defaults, as (element, radius) pairs in config order
    radii_angstrom: tuple[tuple[str, float], ...] | None = None

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> SolventSettings:
        radii = section.get("radii_angstrom")
        return cls(
            section["name"],
            section["model"],
            section["eps"],
            tuple(radii.items()) if radii is not None else None,
        )


@dataclass(frozen=True)
class ThermoSettings(Mapping[str, Any]):
    """``thermo``: frequencies and thermal corrections, counterpoise, implicit solvent."""

    frequencies: bool
    counterpoise: bool
    temperature_k: float
    temperature_scan_k: tuple[float, ...]
    pressure_atm: float
    qrrho: bool
    standard_state: str
    max_imaginary_tries: int
    frequencies_level: str | None
    frequencies_geometry: str
    solvent: SolventSettings | None
    #: the validated section itself (a copy), which the mapping view reads
    section: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> ThermoSettings:
        """From the validated ``thermo`` section (schema defaults filled in)."""
        solvent = section["solvent"]
        return cls(
            frequencies=section["frequencies"],
            counterpoise=section["counterpoise"],
            temperature_k=section["temperature_k"],
            temperature_scan_k=tuple(section["temperature_scan_k"]),
            pressure_atm=section["pressure_atm"],
            qrrho=section["qrrho"],
            standard_state=section["standard_state"],
            max_imaginary_tries=section["max_imaginary_tries"],
            frequencies_level=section["frequencies_level"],
            frequencies_geometry=section["frequencies_geometry"],
            solvent=SolventSettings.from_config(solvent) if solvent else None,
            section=copy.deepcopy(dict(section)),
        )

    def __getitem__(self, key: str) -> Any:
        return self.section[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.section)

    def __len__(self) -> int:
        return len(self.section)


@dataclass(frozen=True)
class BuildSettings:
    """``build``: conformer and pose search of the structures (``Plan.build`` keeps the mapping, which
    is part of each species' build definition)."""

    seed: int
    n_conformers: int
    n_candidates: int
    n_poses: int
    ligand_candidates: int
    max_denticity: int
    preopt_method: str

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> BuildSettings:
        """From the validated ``build`` section (schema defaults filled in)."""
        return cls(**{name: section[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class GaussianSettings:
    """``gaussian``: how to run Gaussian for levels with backend gaussian."""

    #: command template with {input} and {output}; None: inputs are written for running elsewhere
    command: str | None

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> GaussianSettings:
        """From the validated ``gaussian`` section."""
        return cls(section["command"])
