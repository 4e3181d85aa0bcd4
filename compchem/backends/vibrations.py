"""Harmonic analysis shared by every backend that computes frequencies: the spec frequencies are keyed
on, masses, the projection and diagonalization of a Cartesian Hessian into frequencies and normal modes
(``harmonic_analysis``), the fields every frequency dict carries (``frequency_fields``) and the threshold
below which a frequency marks a structure as not a minimum. PySCF's Hessians
(``compchem.backends.pyscf.hessian``) and xTB's (``compchem.backends.xtb``) both end here; this module
imports neither.

Masses are those of the most common isotope of each element (ASE's table, Gaussian's default), the same
masses ``compchem.thermo.thermochemistry`` uses, so frequencies and thermochemistry agree. Imaginary
frequencies are returned as negative numbers (cm⁻¹), as Gaussian prints them and ``thermochemistry``
expects.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import numpy as np

from compchem.errors import InputError
from compchem.models import CalcSpec
from compchem.units import ANGSTROM_TO_BOHR

#: A frequency below this (cm⁻¹, imaginary ones are negative) marks a structure as not a minimum.
#: Numerical noise (DFT integration grid, loosely converged optimization, the projection of translations
#: and rotations) gives floppy molecules spurious imaginary values of a few to ~20i cm⁻¹ that are not a
#: real saddle point; genuine transition-state-like modes are far below that.
IMAGINARY_THRESHOLD_CM1: float = -20.0


def common_isotope_masses(symbols: list[str] | tuple[str, ...]) -> np.ndarray:
    """Masses (amu) of the most common isotope of each element (ASE's table; compchem.thermo's masses)."""
    from ase.data import atomic_masses_common, atomic_numbers

    try:
        return np.array([float(atomic_masses_common[atomic_numbers[s]]) for s in symbols])
    except KeyError as exc:
        raise InputError(f"unknown element symbol {exc.args[0]!r}") from None


def frequency_spec(spec: CalcSpec) -> CalcSpec:
    """The single-point spec at ``spec``'s geometry that frequencies are keyed on (task ``energy``,
    without a pre-optimization stage, which only concerns optimizations)."""
    return dataclasses.replace(spec, task="energy", level=spec.level.single_point_level())


class _Geometry:
    """What ``pyscf.hessian.thermo.harmonic_analysis`` reads from a molecule when masses are given: the
    coordinates in Bohr (no basis set needed)."""

    #: PySCF >= 2.15 logs through the molecule (``lib.logger.note``): quiet
    verbose = 0
    stdout = sys.stdout

    def __init__(self, coordinates_bohr: np.ndarray) -> None:
        self._coords = coordinates_bohr

    def atom_coords(self) -> np.ndarray:
        return self._coords


def harmonic_analysis(
    symbols: list[str] | tuple[str, ...], coordinates_angstrom: Any, hessian: np.ndarray
) -> dict[str, Any]:
    """Frequencies (cm⁻¹, imaginary as negative) and normalized Cartesian normal modes of a Hessian.

    ``hessian`` has shape (natm, natm, 3, 3) in Hartree/Bohr² (PySCF's layout). Translations and
    rotations are projected out by ``pyscf.hessian.thermo.harmonic_analysis``; masses are the most common
    isotopes. Modes are sorted by frequency; each is the Cartesian displacement (mass-weighted eigenvector
    times m^-1/2) normalized to unit length.
    """
    from pyscf.hessian import thermo as pyscf_thermo

    masses = common_isotope_masses(symbols)
    if len(symbols) == 1:
        return {
            "frequencies_cm1": [],
            "normal_modes_cartesian": [],
            "reduced_masses_amu": [],
            "masses": masses,
        }
    mol = _Geometry(np.asarray(coordinates_angstrom, dtype=float) * ANGSTROM_TO_BOHR)
    res = pyscf_thermo.harmonic_analysis(mol, np.asarray(hessian), imaginary_freq=False, mass=masses)
    freqs = np.asarray(res["freq_wavenumber"], dtype=float)
    modes = np.asarray(res["norm_mode"], dtype=float)  # (nmode, natm, 3), Cartesian displacements
    norms = np.linalg.norm(modes.reshape(len(modes), -1), axis=1)
    modes = modes / norms[:, None, None]
    return {
        "frequencies_cm1": freqs.tolist(),
        "normal_modes_cartesian": modes.round(8).tolist(),
        "reduced_masses_amu": np.asarray(res["reduced_mass"], dtype=float).tolist(),
        "masses": masses,
    }


def frequency_fields(spec: CalcSpec, energy_hartree: float, analysis: dict[str, Any]) -> dict[str, Any]:
    """The structure, energy and ``harmonic_analysis`` results as every frequency dict carries them
    (PySCF's here, xTB's in ``compchem.backends.xtb``), with the imaginary modes counted."""
    freqs = analysis["frequencies_cm1"]
    return {
        "symbols": list(spec.symbols),
        "coordinates_angstrom": [list(map(float, r)) for r in spec.coordinates_angstrom],
        "charge": spec.charge,
        "multiplicity": spec.multiplicity,
        "energy_hartree": energy_hartree,
        "frequencies_cm1": freqs,
        "normal_modes_cartesian": analysis["normal_modes_cartesian"],
        "reduced_masses_amu": analysis["reduced_masses_amu"],
        "masses_amu": analysis["masses"].tolist(),
        "n_imaginary": sum(1 for f in freqs if f < IMAGINARY_THRESHOLD_CM1),
        "imaginary_threshold_cm1": IMAGINARY_THRESHOLD_CM1,
    }
