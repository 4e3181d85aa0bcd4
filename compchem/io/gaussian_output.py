"""Gaussian 16 output (.log) reader: a pure function over the text, no program execution.

cclib reads most values (energies, geometry, frequencies, thermochemistry sums, basis size, version);
this module reads itself only what cclib does not give: the route (``compchem.io.gaussian_route``), the
thermal corrections of the thermochemistry block and the counterpoise summary. Units are in the field
names: energies in Hartree, coordinates in Å, frequencies in cm⁻¹, temperature in K, pressure in atm.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compchem import __version__
from compchem.chem import gradient_norms
from compchem.errors import ParseError
from compchem.io.gaussian_route import (
    check_normal_termination,
    counterpoise_fragment_count,
    optimization_step,
    split_steps,
    step_routes,
)
from compchem.models import CalcResult, fragment_records

_FLOAT = r"(-?\d+\.\d+)"

# Thermochemistry block (printed once per frequency job), e.g.
# " Thermal correction to Energy=                    0.186016"
_THERMAL_ENERGY = re.compile(r"^ Thermal correction to Energy=\s+" + _FLOAT, re.MULTILINE)
# " Thermal correction to Enthalpy=                  0.186960"
_THERMAL_ENTHALPY = re.compile(r"^ Thermal correction to Enthalpy=\s+" + _FLOAT, re.MULTILINE)
# " Thermal correction to Gibbs Free Energy=         0.143352"
_THERMAL_GIBBS = re.compile(r"^ Thermal correction to Gibbs Free Energy=\s+" + _FLOAT, re.MULTILINE)
# " Sum of electronic and zero-point Energies=           -382.131135"
_SUM_ZPE = re.compile(r"^ Sum of electronic and zero-point Energies=\s+" + _FLOAT, re.MULTILINE)
# " Sum of electronic and thermal Energies=              -382.122251"
_SUM_THERMAL = re.compile(r"^ Sum of electronic and thermal Energies=\s+" + _FLOAT, re.MULTILINE)

# Counterpoise summary of a Counterpoise=N job (Gaussian 16), e.g.
# " Counterpoise corrected energy =    -200.665575667261"
# "                    BSSE energy =       0.001681932370"
# Leading blanks are not relied on; the value is the number after "=".
_CP_ENERGY = re.compile(r"^\s*Counterpoise corrected energy\s*=\s*" + _FLOAT, re.MULTILINE)
_BSSE = re.compile(r"^\s*BSSE energy\s*=\s*" + _FLOAT, re.MULTILINE)
# Total charge and multiplicity of a fragment job (cclib may keep a fragment's pair instead), e.g.
# " Charge =  0 Multiplicity = 1 in supermolecule"
_SUPERMOLECULE = re.compile(r"^ Charge =\s*(-?\d+) Multiplicity =\s*(\d+) in supermolecule", re.MULTILINE)


@dataclass(frozen=True)
class GaussianOutput:
    """Values read from one Gaussian 16 output; ``None`` (or empty) where the job did not print them.

    ``energy_hartree`` is the last SCF energy of the full system (for a counterpoise job, the complex in
    its own basis, not a fragment). ``coordinates_angstrom`` is the last standard orientation.
    ``opt_converged`` is ``None`` unless the route requests ``Opt``; ``n_opt_steps`` counts the geometries
    (gradient evaluations) of the optimization, 0 for other jobs. Thermal corrections and the sums are as
    printed at ``temperature_k`` and ``pressure_atm``.
    """

    normal_termination: bool
    program_version: str
    route: str
    energy_hartree: float
    symbols: list[str]
    coordinates_angstrom: list[list[float]]
    charge: int
    multiplicity: int
    n_basis_functions: int
    opt_converged: bool | None = None
    n_opt_steps: int = 0
    n_scf_cycles_last: int = 0
    frequencies_cm1: list[float] = field(default_factory=list)
    zpe_hartree: float | None = None
    thermal_correction_energy_hartree: float | None = None
    thermal_correction_enthalpy_hartree: float | None = None
    thermal_correction_gibbs_hartree: float | None = None
    electronic_plus_zpe_hartree: float | None = None
    electronic_plus_thermal_energy_hartree: float | None = None
    enthalpy_hartree: float | None = None
    gibbs_free_energy_hartree: float | None = None
    temperature_k: float | None = None
    pressure_atm: float | None = None
    counterpoise_energy_hartree: float | None = None
    bsse_hartree: float | None = None
    gradient_rms_hartree_per_bohr: float | None = None
    gradient_max_hartree_per_bohr: float | None = None
    opt_history: list[dict[str, float]] = field(default_factory=list)
    n_processors: int | None = None
    routes: list[str] = field(default_factory=list)


def _ccparse(text: str) -> Any:
    """cclib's data object for ``text`` (its Gaussian parser directly, no format guessing)."""
    import cclib

    try:
        data = cclib.parser.Gaussian(io.StringIO(text), loglevel=logging.ERROR).parse()
    except Exception as exc:  # cclib raises assorted errors on malformed text
        raise ParseError(f"cclib could not read the Gaussian output: {type(exc).__name__}: {exc}") from exc
    if data is None:
        raise ParseError("cclib found no data in the Gaussian output")
    return data


def _last_float(pattern: re.Pattern[str], text: str) -> float | None:
    values = pattern.findall(text)
    return float(values[-1]) if values else None


def _counterpoise_values(text: str) -> tuple[float | None, float | None]:
    """The last counterpoise-corrected energy and BSSE (Hartree) printed in ``text``."""
    return _last_float(_CP_ENERGY, text), _last_float(_BSSE, text)


def _to_hartree(energy_ev: float) -> float:
    """cclib's eV (its own factor) back to Hartree; rounding to 1e-10 drops float noise from the round trip
    (Gaussian prints SCF energies to 1e-9 Ha)."""
    from cclib.parser.utils import convertor

    return round(float(convertor(float(energy_ev), "eV", "hartree")), 10)


def _optional(data: Any, name: str) -> float | None:
    value = getattr(data, name, None)
    return None if value is None else float(value)


def parse_gaussian_output(text: str) -> GaussianOutput:
    """Read a Gaussian 16 output (.log text) into a GaussianOutput.

    Normal termination is checked first: the last non-blank line must be ``Normal termination of
    Gaussian``. For a compound job (``Opt Freq``, internal ``Link1`` steps) the final values come from
    the last step and the optimization values from the step whose route requests ``Opt``.

    Raises
    ------
    ParseError
        The job did not terminate normally (the message quotes the last lines), or cclib cannot read it,
        or it holds no SCF energy or geometry.
    """
    from cclib.parser.utils import PeriodicTable

    text = text.replace("\r\n", "\n")
    check_normal_termination(text)
    steps = split_steps(text)
    routes = step_routes(steps)
    data = _ccparse(text)
    metadata = getattr(data, "metadata", {}) or {}

    scf_ev = getattr(data, "scfenergies", None)
    coords = getattr(data, "atomcoords", None)
    if scf_ev is None or len(scf_ev) == 0 or coords is None or len(coords) == 0:
        raise ParseError("Gaussian output holds no SCF energy or no geometry")
    # cclib stores energies in eV with its own factor; convertor undoes it exactly.
    scf_hartree = [_to_hartree(e) for e in scf_ev]

    route_lc = [r.lower() for r in routes]
    n_fragments = counterpoise_fragment_count(route_lc)
    counterpoise_energy, bsse = _counterpoise_values(text)
    energy = _full_system_energy(scf_hartree, n_fragments)
    opt_converged, n_opt_steps, opt_history = _optimization(data, steps, route_lc, n_fragments)
    charge, multiplicity = _charge_multiplicity(data, text)

    grads = getattr(data, "grads", None)
    grms, gmax = gradient_norms(grads[-1]) if grads is not None and len(grads) else (None, None)
    scfvalues = getattr(data, "scfvalues", None)
    table = PeriodicTable()

    return GaussianOutput(
        normal_termination=True,
        program_version=str(metadata.get("package_version") or metadata.get("legacy_package_version") or ""),
        route=routes[0] if routes else "",
        routes=routes,
        energy_hartree=energy,
        symbols=[table.element[int(z)] or "X" for z in data.atomnos],
        coordinates_angstrom=np.asarray(coords[-1], dtype=float).tolist(),
        charge=charge,
        multiplicity=multiplicity,
        n_basis_functions=int(getattr(data, "nbasis", 0) or 0),
        opt_converged=opt_converged,
        n_opt_steps=n_opt_steps,
        n_scf_cycles_last=len(scfvalues[-1]) if scfvalues is not None and len(scfvalues) else 0,
        **_thermochemistry(data, text),
        counterpoise_energy_hartree=counterpoise_energy,
        bsse_hartree=bsse,
        gradient_rms_hartree_per_bohr=grms,
        gradient_max_hartree_per_bohr=gmax,
        opt_history=opt_history,
        n_processors=int(metadata["num_cpu"]) if metadata.get("num_cpu") else None,
    )


def _full_system_energy(scf_hartree: Sequence[float], n_fragments: int) -> float:
    """The last SCF energy of the full system, not of a counterpoise fragment."""
    if not n_fragments:
        return scf_hartree[-1]
    # Per geometry a counterpoise job prints 2N+1 SCF energies: the complex first, then each fragment
    # in the complex's basis, then each fragment in its own basis. The complex's is 2N+1 from the end.
    per_geometry = 2 * n_fragments + 1
    if len(scf_hartree) < per_geometry:
        raise ParseError(
            f"counterpoise job with {n_fragments} fragments prints {len(scf_hartree)} SCF energies, "
            f"expected at least {per_geometry}"
        )
    return scf_hartree[-per_geometry]


def _optimization(
    data: Any, steps: Sequence[str], route_lc: Sequence[str], n_fragments: int
) -> tuple[bool | None, int, list[dict[str, float]]]:
    """Convergence (None: no ``Opt`` in any route), step count and per-step history (energy and
    gradient norms; empty for a counterpoise optimization, whose SCF energies mix fragments) of the
    step whose route requests ``Opt``."""
    opt_step = optimization_step(route_lc)
    if opt_step is None:
        return None, 0, []
    opt_data = data if len(steps) == 1 else _ccparse(steps[opt_step])
    opt_converged = bool(getattr(opt_data, "optdone", False))
    # cclib appends one optstatus entry per optimization step (one per gradient evaluation).
    status = getattr(opt_data, "optstatus", None)
    n_opt_steps = len(status) if status is not None else len(getattr(opt_data, "atomcoords", []))
    step_energies = getattr(opt_data, "scfenergies", [])
    step_grads = getattr(opt_data, "grads", [])
    opt_history: list[dict[str, float]] = []
    if not n_fragments and len(step_energies) == n_opt_steps:
        for k, e in enumerate(step_energies):
            entry = {"energy_hartree": _to_hartree(e)}
            if len(step_grads) == n_opt_steps:
                rms, big = gradient_norms(step_grads[k])
                entry["gradient_rms_hartree_per_bohr"] = rms
                entry["gradient_max_hartree_per_bohr"] = big
            opt_history.append(entry)
    return opt_converged, n_opt_steps, opt_history


def _charge_multiplicity(data: Any, text: str) -> tuple[int, int]:
    """Total charge and multiplicity: the supermolecule's of a fragment job (cclib may keep a
    fragment's), else cclib's."""
    charge, multiplicity = int(getattr(data, "charge", 0)), int(getattr(data, "mult", 1))
    supermolecule = _SUPERMOLECULE.search(text)
    if supermolecule:
        charge, multiplicity = int(supermolecule.group(1)), int(supermolecule.group(2))
    return charge, multiplicity


def _thermochemistry(data: Any, text: str) -> dict[str, Any]:
    """The frequency job's values (GaussianOutput fields): frequencies, ZPE, the thermal corrections and
    sums Gaussian prints, H and G, at the printed temperature and pressure; None where not printed."""
    return {
        "frequencies_cm1": [float(f) for f in getattr(data, "vibfreqs", [])],
        "zpe_hartree": _optional(data, "zpve"),
        "thermal_correction_energy_hartree": _last_float(_THERMAL_ENERGY, text),
        "thermal_correction_enthalpy_hartree": _last_float(_THERMAL_ENTHALPY, text),
        "thermal_correction_gibbs_hartree": _last_float(_THERMAL_GIBBS, text),
        "electronic_plus_zpe_hartree": _last_float(_SUM_ZPE, text),
        "electronic_plus_thermal_energy_hartree": _last_float(_SUM_THERMAL, text),
        "enthalpy_hartree": _optional(data, "enthalpy"),
        "gibbs_free_energy_hartree": _optional(data, "freeenergy"),
        "temperature_k": _optional(data, "temperature"),
        "pressure_atm": _optional(data, "pressure"),
    }


def to_calc_result(
    parsed: GaussianOutput,
    *,
    label: str,
    spec_hash: str,
    level: dict[str, Any],
    task: str,
    wall_time_s: float = 0.0,
    fragments: Sequence[tuple[str, Sequence[int]]] = (),
) -> CalcResult:
    """The CalcResult of a parsed Gaussian job, in the form the PySCF backend records.

    ``converged`` is the optimization's convergence for task ``optimize`` and True otherwise (a job that
    did not terminate normally never gets here). ``extra`` holds the route, frequencies, thermochemistry
    and counterpoise values.

    Raises
    ------
    ParseError
        Task ``optimize`` but the output's route requests no optimization.
    """
    import cclib

    if task == "optimize" and parsed.opt_converged is None:
        raise ParseError(f"{label}: task 'optimize' but the Gaussian route '{parsed.route}' has no Opt")
    converged = bool(parsed.opt_converged) if task == "optimize" else True
    history = [dict(step) for step in parsed.opt_history] if task == "optimize" else []
    extra = {
        "route": parsed.route,
        "routes": list(parsed.routes),
        "frequencies_cm1": list(parsed.frequencies_cm1),
        "n_imaginary_frequencies": sum(1 for f in parsed.frequencies_cm1 if f < 0),
        "zpe_hartree": parsed.zpe_hartree,
        "thermal_correction_energy_hartree": parsed.thermal_correction_energy_hartree,
        "thermal_correction_enthalpy_hartree": parsed.thermal_correction_enthalpy_hartree,
        "thermal_correction_gibbs_hartree": parsed.thermal_correction_gibbs_hartree,
        "enthalpy_hartree": parsed.enthalpy_hartree,
        "gibbs_free_energy_hartree": parsed.gibbs_free_energy_hartree,
        "temperature_k": parsed.temperature_k,
        "pressure_atm": parsed.pressure_atm,
        "counterpoise_energy_hartree": parsed.counterpoise_energy_hartree,
        "bsse_hartree": parsed.bsse_hartree,
    }
    return CalcResult(
        label=label,
        task=task,
        program="gaussian",
        program_version=parsed.program_version,
        spec_hash=spec_hash,
        level=dict(level),
        charge=parsed.charge,
        multiplicity=parsed.multiplicity,
        symbols=list(parsed.symbols),
        coordinates_angstrom=np.asarray(parsed.coordinates_angstrom).round(8).tolist(),
        energy_hartree=parsed.energy_hartree,
        converged=converged,
        n_opt_steps=parsed.n_opt_steps,
        n_scf_cycles_last=parsed.n_scf_cycles_last,
        gradient_rms_hartree_per_bohr=parsed.gradient_rms_hartree_per_bohr,
        gradient_max_hartree_per_bohr=parsed.gradient_max_hartree_per_bohr,
        n_basis_functions=parsed.n_basis_functions,
        wall_time_s=round(float(wall_time_s), 2),
        threads=parsed.n_processors or 1,
        fragments=fragment_records(fragments),
        history=history,
        software={"compchem": __version__, "gaussian": parsed.program_version, "cclib": cclib.__version__},
        extra=extra,
    )
