"""The decisions of a thermochemistry job that need no calculation and no file: at which level and
geometry a species' frequencies are taken (its run level; the geometry level A of a composite run
level ``B//A``; or config ``thermo.frequencies_level``, DFT or GFN-xTB, re-optimized there or at the
run-level geometry as it is), how many displacements along imaginary modes are allowed, which
electronic energy the thermal corrections go on (composite: the record's, at the run level), the
thermochemistry at the configured and the scanned temperatures, and the thermo file's content. The
thermo job (``compchem.jobs.thermo``) runs the calculations these choose and writes the file."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from compchem.artifacts import ThermoRecord
from compchem.errors import InputError
from compchem.models import CalcResult, LevelOfTheory
from compchem.thermo import Thermo, thermochemistry


@dataclasses.dataclass(frozen=True)
class FrequencyPlan:
    """Where the frequencies of a species at run level ``level`` come from."""

    level: LevelOfTheory  # the run level (the record's)
    composite: bool  # frequencies (and thermal corrections) at another level than the energy
    at_run_geometry: bool  # composite, Hessian at the record's geometry (not re-optimized there)
    name: str  # the frequencies level's name (an xTB method's name for GFN-xTB)
    settings: dict[str, Any]  # the frequencies level as written to the thermo file
    spec_level: LevelOfTheory  # the level of the optimize spec handed to the frequency calculations
    xtb_method: str | None  # GFN-xTB through tblite instead of a DFT level

    def reoptimizes(self, n_atoms: int) -> bool:
        """Composite with re-optimization: the record is a stationary point at the run level, not
        at the frequencies level, so a molecule is relaxed there first (an atom needs nothing)."""
        return self.composite and not self.at_run_geometry and n_atoms > 1


def frequency_plan(
    level: dict[str, Any], settings: dict[str, Any], frequencies_level: dict[str, Any] | None
) -> FrequencyPlan:
    """The frequency plan of a thermo job at run level ``level`` (a level dict) with the ``thermo``
    settings and the optional ``thermo.frequencies_level`` (see ``compchem.jobs.thermo_job``)."""
    level_obj = LevelOfTheory.from_record(level)
    if frequencies_level is None and level_obj.geometry is not None:
        # a composite run level B//A: its geometries are minima of A, so the frequencies are A's and
        # their corrections go on B's single-point energies (the usual B//A thermochemistry)
        frequencies_level = level_obj.geometry.to_dict()
    if frequencies_level is None:
        # frequencies at the run level itself, at its own geometries
        return FrequencyPlan(level_obj, False, False, level_obj.name, level_obj.to_dict(), level_obj, None)
    at_run_geometry = settings.get("frequencies_geometry") == "run_level"
    if frequencies_level.get("backend") == "xtb":
        method = frequencies_level["method"]
        return FrequencyPlan(
            level_obj, True, at_run_geometry, method, dict(frequencies_level), level_obj, method
        )
    freq_obj = LevelOfTheory.from_record(frequencies_level)
    return FrequencyPlan(level_obj, True, at_run_geometry, freq_obj.name, freq_obj.to_dict(), freq_obj, None)


def max_imaginary_tries(plan: FrequencyPlan, settings: dict[str, Any]) -> int:
    """Displacements along imaginary modes allowed: none at the run-level geometry (the structure must
    stay where it is), else ``settings['max_imaginary_tries']``."""
    return 0 if plan.at_run_geometry else settings["max_imaginary_tries"]


def check_reoptimized(relaxed: CalcResult, label: str, plan: FrequencyPlan) -> None:
    """Refuse frequencies at a structure whose re-optimization at the frequencies level did not
    converge (a DFT level can be given more steps, xTB's optimizer cannot)."""
    if not relaxed.converged:
        hint = "" if plan.xtb_method else "; raise its opt_maxsteps"
        raise InputError(
            f"{label}: the optimization at the frequencies level {plan.name} did not "
            f"converge in {relaxed.n_opt_steps} steps{hint}"
        )


def atom_minimum(record: CalcResult) -> dict[str, Any]:
    """An atom's "minimum": no vibrations, nothing to compute, the record's energy and position."""
    return {
        "energy_hartree": record.energy_hartree,
        "is_minimum": True,
        "n_imaginary": 0,
        "frequencies": {"frequencies_cm1": []},
        "coordinates_angstrom": record.coordinates_angstrom,
    }


def geometry_shift(record: CalcResult, plan: FrequencyPlan, minimum: dict[str, Any]) -> dict[str, Any] | None:
    """Composite: how far the frequencies level's minimum lies from the record's geometry (RMSD,
    coordination kept or not); None otherwise or for an atom."""
    from compchem.analysis.parity import geometry_change

    if not (plan.composite and len(record.symbols) > 1):
        return None
    return geometry_change(
        list(record.symbols),
        record.fragments,
        np.asarray(record.coordinates_angstrom),
        np.asarray(minimum["coordinates_angstrom"]),
    )


def electronic_energy(plan: FrequencyPlan, record: CalcResult, minimum: dict[str, Any]) -> float:
    """The electronic energy the thermal corrections go on: composite, the record's (only the
    corrections come from the frequencies level); otherwise the minimum's."""
    return record.energy_hartree if plan.composite else minimum["energy_hartree"]


def thermo_at(
    record: CalcResult,
    minimum: dict[str, Any],
    electronic_hartree: float,
    settings: dict[str, Any],
    temperature_k: float,
) -> Thermo:
    """ZPE, H and G of the minimum's frequencies on ``electronic_hartree`` at one temperature."""
    return thermochemistry(
        record.symbols,
        minimum["coordinates_angstrom"],
        minimum["frequencies"]["frequencies_cm1"],
        electronic_hartree,
        multiplicity=record.multiplicity,
        temperature_k=temperature_k,
        pressure_atm=settings["pressure_atm"],
        qrrho=settings["qrrho"],
        standard_state=settings["standard_state"],
    )


def temperature_scan(
    record: CalcResult, minimum: dict[str, Any], electronic_hartree: float, settings: dict[str, Any]
) -> list[dict[str, Any]]:
    """``thermo.temperature_scan_k``: H(T) and G(T) at further temperatures from the same frequencies."""
    return [
        {
            "temperature_k": t.temperature_k,
            "enthalpy_hartree": t.enthalpy_hartree,
            "gibbs_hartree": t.gibbs_hartree,
            "thermal_correction_enthalpy_hartree": t.thermal_correction_enthalpy_hartree,
            "thermal_correction_gibbs_hartree": t.thermal_correction_gibbs_hartree,
        }
        for t in (
            thermo_at(record, minimum, electronic_hartree, settings, float(k))
            for k in settings.get("temperature_scan_k") or []
        )
    ]


def thermo_document(
    record: CalcResult,
    plan: FrequencyPlan,
    settings: dict[str, Any],
    minimum: dict[str, Any],
    history: list[dict[str, Any]],
    moved: dict[str, Any] | None,
    electronic_hartree: float,
    thermo: Thermo,
    scan: list[dict[str, Any]],
) -> ThermoRecord:
    """The content of a species' thermo file (``ThermoRecord.to_dict`` writes its keys in order)."""
    freq = dict(minimum["frequencies"])
    freq.pop("hessian", None)
    freq.pop("normal_modes_cartesian", None)
    return ThermoRecord(
        label=record.label,
        level=plan.level.name,
        # the level of the frequencies, thermal corrections and the geometries below
        frequencies_level=plan.name,
        frequencies_level_settings=plan.settings,
        composite=plan.composite,
        # composite: "reoptimized" (frequencies at the frequencies level's own minimum) or
        # "run_level" (Hessian at the record's geometry)
        frequencies_geometry=("run_level" if plan.at_run_geometry else "reoptimized")
        if plan.composite
        else None,
        # at the frequencies level's minimum (composite: not the energy the corrections go on)
        energy_hartree=minimum["energy_hartree"],
        electronic_energy_hartree=electronic_hartree,
        is_minimum=minimum["is_minimum"],
        n_imaginary=minimum["n_imaginary"],
        coordinates_angstrom=minimum["coordinates_angstrom"],
        frequencies=freq,
        imaginary_mode_history=history,
        # composite: how far the re-optimization at the frequencies level moved the structure
        frequencies_geometry_change=moved,
        thermo=dataclasses.asdict(thermo),
        temperature_scan=scan,
        settings=settings,
    )
