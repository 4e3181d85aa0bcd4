"""The "is it a minimum?" loop of SCIENCE.md §2, for any backend's frequencies.

``ensure_minimum`` checks an optimized structure: while it has an imaginary frequency below
``IMAGINARY_THRESHOLD_CM1`` it displaces along that mode (the sign of lower energy) and re-optimizes, at
most ``max_tries`` times, and records every try. Frequencies, single points and optimizations are
callables, PySCF's through the content cache by default; GFN-xTB's plug in the same way. The loop
depends on the registry and the cached runner, never on a concrete backend module.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from compchem.backends.registry import get_backend
from compchem.backends.vibrations import IMAGINARY_THRESHOLD_CM1, frequency_spec
from compchem.errors import InputError
from compchem.models import CalcResult, CalcSpec, Resources
from compchem.records import Cache
from compchem.runner import run_cached

#: the logger of the module this code came from, so that log lines stay the same
log = logging.getLogger("compchem.backends.pyscf_hessian")

#: Energies of the two displaced structures closer than this (Hartree) count as equal (a symmetric saddle
#: point, e.g. planar NH3, whose two displacements are mirror images); the + direction is then taken.
SIGN_TIE_HARTREE: float = 1e-8


def ensure_minimum(
    spec: CalcSpec,
    resources: Resources,
    optimize: Callable[[CalcSpec], CalcResult],
    max_tries: int = 2,
    displacement_angstrom: float = 0.1,
    cache: Cache | None = None,
    stream: IO[str] | None = None,
    frequencies: Callable[[CalcSpec], dict[str, Any]] | None = None,
    single_point: Callable[[CalcSpec], float] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Make sure an optimized structure is a minimum: displace along an imaginary mode and re-optimize.

    Frequencies are computed at ``spec``'s geometry (an optimized structure). While the lowest one is
    below ``IMAGINARY_THRESHOLD_CM1`` and tries remain, the structure is displaced along that mode (unit
    Cartesian vector times ``displacement_angstrom``, so the displacement has that length in all), with
    the sign of lower energy (both evaluated by a single point; a tie, as at a symmetric saddle point,
    takes +), re-optimized with ``optimize`` (called with the displaced spec, task ``optimize``), and
    its frequencies are recomputed. A structure still imaginary after ``max_tries`` is returned with
    ``is_minimum: False`` and a warning; nothing is raised.

    Parameters
    ----------
    spec : CalcSpec
        The optimized structure and its level.
    resources : Resources
        Threads and memory of the frequency and single-point calculations.
    optimize : callable
        ``CalcSpec -> CalcResult``, e.g. ``lambda s: run_cached(s, resources, cache)``.
    max_tries : int
        Displacements at most.
    displacement_angstrom : float
        Length of each displacement (Å).
    cache : Cache, optional
        Stores frequencies and single points.
    stream : file, optional
        PySCF's output.
    frequencies, single_point : callable, optional
        ``CalcSpec -> frequencies dict`` and ``CalcSpec -> energy (Hartree)`` at a spec's geometry; by
        default PySCF at ``spec``'s level (``frequencies_cached``, ``run_cached``). Another method plugs in
        here (GFN-xTB: ``compchem.backends.xtb``).

    Returns
    -------
    (dict, list of dict)
        The final structure: ``symbols``, ``coordinates_angstrom``, ``charge``, ``multiplicity``,
        ``energy_hartree`` (single point at the final geometry), ``is_minimum``, ``n_imaginary``,
        ``n_displacements``, ``frequencies`` (the ``harmonic_frequencies`` dict), ``optimization`` (the
        last re-optimization's CalcResult as a dict, or None) and ``note``; and the history, one entry
        per try: the imaginary frequency followed, the displacement, the energies before and at ±, the
        chosen sign, the re-optimized energy, its lowest frequency and number of optimization steps.
    """
    if max_tries < 0 or displacement_angstrom <= 0:
        raise InputError("ensure_minimum needs max_tries >= 0 and displacement_angstrom > 0")
    frequencies = _pyscf_frequencies(resources, cache, stream) if frequencies is None else frequencies
    single_point = _pyscf_single_point(resources, cache, stream) if single_point is None else single_point
    current = spec
    freq = frequencies(current)
    initial_lowest = min(freq["frequencies_cm1"], default=None)
    history: list[dict[str, Any]] = []
    last_opt: CalcResult | None = None
    tries = 0
    while (
        freq["frequencies_cm1"]
        and min(freq["frequencies_cm1"]) < IMAGINARY_THRESHOLD_CM1
        and tries < max_tries
    ):
        tries += 1
        step = _displace_and_reoptimize(
            spec, current, freq, tries, max_tries, displacement_angstrom, optimize, single_point
        )
        last_opt = step["optimization"]
        current = dataclasses.replace(
            spec, coordinates_angstrom=tuple(map(tuple, np.asarray(last_opt.coordinates_angstrom).tolist()))
        )
        energy_before = freq["energy_hartree"]
        freq = frequencies(current)
        history.append(_try_entry(step, displacement_angstrom, energy_before, last_opt, freq))
    return _final_structure(spec, current, freq, tries, initial_lowest, last_opt), history


def _pyscf_frequencies(
    resources: Resources, cache: Cache | None, stream: IO[str] | None
) -> Callable[[CalcSpec], dict[str, Any]]:
    """``ensure_minimum``'s default frequencies: PySCF's at the spec's level, through the cache."""

    def frequencies(s: CalcSpec) -> dict[str, Any]:
        return get_backend("pyscf").frequencies(s, resources, cache, stream)

    return frequencies


def _pyscf_single_point(
    resources: Resources, cache: Cache | None, stream: IO[str] | None
) -> Callable[[CalcSpec], float]:
    """``ensure_minimum``'s default single point: ``run_cached`` at the spec's frequency spec."""

    def single_point(s: CalcSpec) -> float:
        return run_cached(frequency_spec(s), resources, cache, stream).energy_hartree

    return single_point


def _displace_and_reoptimize(
    spec: CalcSpec,
    current: CalcSpec,
    freq: dict[str, Any],
    tries: int,
    max_tries: int,
    displacement_angstrom: float,
    optimize: Callable[[CalcSpec], CalcResult],
    single_point: Callable[[CalcSpec], float],
) -> dict[str, Any]:
    """One try: displace ``current`` along its lowest mode by ``displacement_angstrom`` with the sign
    of lower single-point energy (a tie takes +) and re-optimize from there. Returns the mode followed,
    both energies, the sign and the re-optimization's CalcResult."""
    k = int(np.argmin(freq["frequencies_cm1"]))
    nu = freq["frequencies_cm1"][k]
    vec = np.asarray(freq["normal_modes_cartesian"][k], dtype=float)
    vec /= np.linalg.norm(vec)
    coords0 = np.asarray(current.coordinates_angstrom, dtype=float)
    energies = {}
    for sign in (1, -1):
        displaced = coords0 + sign * displacement_angstrom * vec
        sp = dataclasses.replace(
            current,
            coordinates_angstrom=tuple(map(tuple, displaced.tolist())),
            label=f"{spec.label}.displaced{tries}{'+' if sign > 0 else '-'}",
        )
        energies[sign] = single_point(sp)
    sign = 1 if energies[1] <= energies[-1] + SIGN_TIE_HARTREE else -1
    start = coords0 + sign * displacement_angstrom * vec
    log.warning(
        "%s: imaginary frequency %.1f cm-1 (try %d/%d): displacing %+.3f Å along it "
        "(E+ %.8f, E- %.8f Ha) and re-optimizing",
        spec.label,
        nu,
        tries,
        max_tries,
        sign * displacement_angstrom,
        energies[1],
        energies[-1],
    )
    opt_spec = dataclasses.replace(
        spec,
        coordinates_angstrom=tuple(map(tuple, start.tolist())),
        task="optimize",
        label=f"{spec.label}.reopt{tries}",
    )
    return {
        "try": tries,
        "frequency": nu,
        "mode_index": k,
        "sign": sign,
        "energies": energies,
        "optimization": optimize(opt_spec),
    }


def _try_entry(
    step: dict[str, Any],
    displacement_angstrom: float,
    energy_before: float,
    last_opt: CalcResult,
    freq: dict[str, Any],
) -> dict[str, Any]:
    """The history entry of one try (``freq``: the frequencies after its re-optimization)."""
    return {
        "try": step["try"],
        "imaginary_frequency_cm1": step["frequency"],
        "mode_index": step["mode_index"],
        "displacement_angstrom": displacement_angstrom,
        "sign": step["sign"],
        "energy_before_hartree": energy_before,
        "energy_plus_hartree": step["energies"][1],
        "energy_minus_hartree": step["energies"][-1],
        "energy_reoptimized_hartree": last_opt.energy_hartree,
        "n_opt_steps": last_opt.n_opt_steps,
        "optimization_spec_hash": last_opt.spec_hash,
        "lowest_frequency_cm1_after": min(freq["frequencies_cm1"], default=None),
        "n_imaginary_after": freq["n_imaginary"],
    }


def _final_structure(
    spec: CalcSpec,
    current: CalcSpec,
    freq: dict[str, Any],
    tries: int,
    initial_lowest: float | None,
    last_opt: CalcResult | None,
) -> dict[str, Any]:
    """The result of ``ensure_minimum``: the final structure, its frequencies and a note saying whether
    it is a minimum (a warning when it is not)."""
    is_minimum = freq["n_imaginary"] == 0
    if is_minimum:
        note = f"minimum: no frequency below {IMAGINARY_THRESHOLD_CM1} cm-1" + (
            f" after {tries} displacement(s) along imaginary modes and re-optimization" if tries else ""
        )
    else:
        note = (
            f"NOT a minimum: {freq['n_imaginary']} imaginary frequency(ies) below {IMAGINARY_THRESHOLD_CM1} "
            f"cm-1 (lowest {min(freq['frequencies_cm1']):.1f}) after {tries} displacement(s)"
        )
        log.warning("%s: %s", spec.label, note)
    result = {
        "label": spec.label,
        "symbols": list(current.symbols),
        "coordinates_angstrom": [list(map(float, r)) for r in current.coordinates_angstrom],
        "charge": current.charge,
        "multiplicity": current.multiplicity,
        "energy_hartree": freq["energy_hartree"],
        "is_minimum": is_minimum,
        "n_imaginary": freq["n_imaginary"],
        "imaginary_threshold_cm1": IMAGINARY_THRESHOLD_CM1,
        "initial_lowest_frequency_cm1": initial_lowest,
        "n_displacements": tries,
        "frequencies": freq,
        "optimization": last_opt.to_dict() if last_opt is not None else None,
        "note": note,
    }
    return result
