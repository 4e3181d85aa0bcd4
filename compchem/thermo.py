"""Harmonic ideal-gas thermochemistry (rigid rotor, harmonic oscillator) from harmonic frequencies.

The partition-function sums are ASE's :class:`ase.thermochemistry.IdealGasThermo` (translation, rigid
rotation with a symmetry number, harmonic vibrations with zero-point energy, electronic spin degeneracy),
the same terms and the same definitions as Gaussian's ``Freq`` thermochemistry block:

- ``thermal_correction_energy_hartree`` = ZPE + thermal translational, rotational and vibrational energy
  (Gaussian's "Thermal correction to Energy"),
- ``thermal_correction_enthalpy_hartree`` = that + k_B·T ("Thermal correction to Enthalpy"),
- ``thermal_correction_gibbs_hartree`` = that − T·S ("Thermal correction to Gibbs Free Energy"),

all per molecule in Hartree, at ``temperature_k`` and ``pressure_atm`` (1 atm ideal-gas standard state by
default). The electronic energy ``E`` is the bottom of the well; ``H = E + thermal enthalpy correction`` and
``G = E + thermal Gibbs correction``.

Choices stated in every result's ``notes``:

- Masses are those of the most common isotope (¹H 1.00783, ¹²C 12.00000, ...), Gaussian's default; the
  frequencies should come from a Hessian mass-weighted with the same masses.
- The rotational symmetry number σ comes from a point-group analysis with pymatgen's
  ``PointGroupAnalyzer`` unless given.
- Imaginary frequencies (given as negative numbers) are counted, reported and left out of every sum: such a
  structure is not a minimum (displace along the mode and re-optimize).
- Optional quasi-RRHO (Grimme, Chem. Eur. J. 2012, 18, 9955): the entropy of each vibration is a
  damped interpolation between the harmonic-oscillator and a free-rotor entropy, so that very low modes do
  not dominate −T·S. Energies and enthalpies stay harmonic, as in Grimme's paper.
- Optional 1 M standard state: ``G(1 M) = G(P) + R·T·ln(V_m / 1 L)`` with ``V_m = R·T/P`` the molar volume
  of the ideal gas at the pressure used (24.46 L at 298.15 K and 1 atm, +1.89 kcal/mol per species). For
  an association ``A + B -> AB`` this makes ΔG more negative by that amount.

Reactions use ``Δ = Σ products − Σ reactants``; for the association ``Li⁺ + L -> C`` the binding energy of
SCIENCE.md §2 is ``−ΔE`` (positive = bound).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from compchem import units
from compchem.errors import InputError
from compchem.thermochem.rotor import (
    SYMMETRY_TOLERANCE_ANGSTROM,
    checked_coordinates,
    masses_with_note,
    rotor_geometry,
    symmetry_number,
    symmetry_with_note,
)
from compchem.thermochem.terms import (
    GRIMME_AVERAGE_MOMENT_OF_INERTIA_KG_M2,
    RRHOTerms,
    apply_qrrho,
    apply_standard_state,
    rrho_terms,
    standard_state_correction_hartree,
)

__all__ = [
    "GRIMME_AVERAGE_MOMENT_OF_INERTIA_KG_M2",
    "STANDARD_STATES",
    "SYMMETRY_TOLERANCE_ANGSTROM",
    "StandardState",
    "Thermo",
    "reaction_thermo",
    "standard_state_correction_hartree",
    "symmetry_number",
    "thermochemistry",
]

#: Standard states accepted by :func:`thermochemistry`.
STANDARD_STATES: tuple[str, ...] = ("1atm", "1M")

StandardState = Literal["1atm", "1M"]


@dataclass(frozen=True)
class Thermo:
    """Ideal-gas thermochemistry of one species, per molecule, in Hartree (entropies in Hartree/K).

    Corrections are relative to the electronic energy ``energy_hartree`` (bottom of the well), in the
    definitions of Gaussian's thermochemistry block; ``enthalpy_hartree`` and ``gibbs_hartree`` are
    ``energy_hartree`` plus the corrections. ``entropy_hartree_per_k`` is the total entropy in the
    chosen ``standard_state`` (so ``gibbs = enthalpy − T·entropy`` holds); its parts are given at
    ``pressure_atm`` and the standard-state and quasi-RRHO changes of G are listed separately.
    """

    energy_hartree: float
    zpe_hartree: float
    thermal_correction_energy_hartree: float
    thermal_correction_enthalpy_hartree: float
    thermal_correction_gibbs_hartree: float
    entropy_hartree_per_k: float
    enthalpy_hartree: float
    gibbs_hartree: float
    temperature_k: float
    pressure_atm: float
    symmetry_number: int
    multiplicity: int
    geometry: str
    point_group: str | None
    n_imaginary: int
    imaginary_frequencies_cm1: tuple[float, ...]
    entropy_translational_hartree_per_k: float
    entropy_rotational_hartree_per_k: float
    entropy_vibrational_hartree_per_k: float
    entropy_electronic_hartree_per_k: float
    qrrho: bool
    qrrho_cutoff_cm1: float | None
    qrrho_correction_gibbs_hartree: float
    standard_state: str
    standard_state_correction_gibbs_hartree: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def zpe_corrected_energy_hartree(self) -> float:
        """``E + ZPE`` (Hartree): the 0 K energy, whose reaction difference is ΔE₀ (≈ −D₀ for binding)."""
        return self.energy_hartree + self.zpe_hartree


def _checked_frequencies(
    frequencies_cm1: Sequence[float],
    standard_state: str,
    temperature_k: float,
    pressure_atm: float,
    multiplicity: int,
    qrrho: bool,
    qrrho_cutoff_cm1: float,
) -> np.ndarray:
    """The frequencies as a flat array, once the conditions and the frequencies are physical; an
    InputError naming the first that is not."""
    if standard_state not in STANDARD_STATES:
        raise InputError(f"standard_state must be one of {STANDARD_STATES}, got {standard_state!r}")
    if not (math.isfinite(temperature_k) and temperature_k > 0):
        raise InputError(f"temperature_k must be > 0, got {temperature_k}")
    if not (math.isfinite(pressure_atm) and pressure_atm > 0):
        raise InputError(f"pressure_atm must be > 0, got {pressure_atm}")
    if multiplicity < 1:
        raise InputError(f"multiplicity must be >= 1, got {multiplicity}")
    if qrrho and not (math.isfinite(qrrho_cutoff_cm1) and qrrho_cutoff_cm1 > 0):
        raise InputError(f"qrrho_cutoff_cm1 must be > 0, got {qrrho_cutoff_cm1}")
    frequencies = np.asarray(list(frequencies_cm1), dtype=float).ravel()
    if not np.all(np.isfinite(frequencies)):
        raise InputError("frequencies_cm1 holds non-finite values")
    if np.any(frequencies == 0.0):
        raise InputError("frequencies_cm1 holds a zero frequency (translations/rotations must be removed)")
    return frequencies


def _rrho_notes(
    geometry: str,
    temperature_k: float,
    pressure_atm: float,
    mass_note: str,
    sigma_note: str,
    imaginary: tuple[float, ...],
) -> list[str]:
    """The choices of the RRHO terms, as the result's ``notes`` state them."""
    notes = [
        f"ideal gas, rigid rotor ({geometry}), harmonic oscillator: ASE IdealGasThermo at "
        f"{temperature_k} K, {pressure_atm} atm; frequencies unscaled",
        mass_note,
        sigma_note,
    ]
    if imaginary:
        notes.append(
            f"{len(imaginary)} imaginary frequencies {list(imaginary)} cm-1 left out of the sums: not a "
            "minimum, displace along the mode and re-optimize"
        )
    return notes


def _corrections(
    terms: RRHOTerms,
    vib_energies_ev: list[float],
    notes: list[str],
    qrrho: bool,
    qrrho_cutoff_cm1: float,
    standard_state: str,
    temperature_k: float,
    pressure_atm: float,
) -> tuple[float, float]:
    """The optional quasi-RRHO entropy, then the optional 1 M standard state, applied to ``terms`` and
    stated in ``notes``; returns the change of G of each (Hartree, 0.0 when not asked for)."""
    qrrho_g = 0.0
    if qrrho and vib_energies_ev:
        qrrho_g = apply_qrrho(terms, vib_energies_ev, temperature_k, qrrho_cutoff_cm1)
    if qrrho:
        notes.append(
            f"quasi-RRHO vibrational entropy (Grimme 2012, cutoff {qrrho_cutoff_cm1} cm-1, "
            f"B_av {GRIMME_AVERAGE_MOMENT_OF_INERTIA_KG_M2} kg m2): G changed by {qrrho_g:+.6f} Ha"
        )
    state_g = 0.0
    if standard_state == "1M":
        state_g = apply_standard_state(terms, temperature_k, pressure_atm)
        notes.append(f"1 M standard state: G + RT ln(RT/P per 1 mol/L) = {state_g:+.6f} Ha")
    return qrrho_g, state_g


def _energy_fields(energy_hartree: float, terms: RRHOTerms, temperature_k: float) -> dict[str, float]:
    """The energies, corrections and entropies of a :class:`Thermo`, from the final ``terms``."""
    g_corr = terms.h_corr - temperature_k * terms.entropy
    return {
        "energy_hartree": float(energy_hartree),
        "zpe_hartree": terms.zpe,
        "thermal_correction_energy_hartree": terms.u_corr,
        "thermal_correction_enthalpy_hartree": terms.h_corr,
        "thermal_correction_gibbs_hartree": g_corr,
        "entropy_hartree_per_k": terms.entropy,
        "enthalpy_hartree": float(energy_hartree) + terms.h_corr,
        "gibbs_hartree": float(energy_hartree) + g_corr,
        "entropy_translational_hartree_per_k": terms.s_trans,
        "entropy_rotational_hartree_per_k": terms.s_rot,
        "entropy_vibrational_hartree_per_k": terms.s_vib,
        "entropy_electronic_hartree_per_k": terms.s_elec,
    }


def thermochemistry(
    symbols: Sequence[str],
    coordinates_angstrom: npt.ArrayLike,
    frequencies_cm1: Sequence[float],
    energy_hartree: float,
    *,
    multiplicity: int = 1,
    temperature_k: float = 298.15,
    pressure_atm: float = 1.0,
    symmetry_number: int | None = None,
    qrrho: bool = False,
    qrrho_cutoff_cm1: float = 100.0,
    standard_state: StandardState = "1atm",
    masses_amu: Sequence[float] | None = None,
) -> Thermo:
    """Ideal-gas, rigid-rotor, harmonic-oscillator thermochemistry of one species.

    Translation, rotation, vibration and electronic spin degeneracy are ASE's ``IdealGasThermo``; the
    optional quasi-RRHO entropy is ASE's ``RRHOMode``. See the module docstring for the definitions.

    Parameters
    ----------
    symbols : sequence of str
        Element symbols, one per atom.
    coordinates_angstrom : array_like, shape (n_atoms, 3)
        Optimized Cartesian coordinates in Å (for the moments of inertia and the point group).
    frequencies_cm1 : sequence of float
        The 3N-6 (nonlinear) or 3N-5 (linear) harmonic frequencies in cm⁻¹, translations and rotations
        removed (as Gaussian prints them); imaginary frequencies as negative numbers. Empty for an atom.
        Used unscaled.
    energy_hartree : float
        Electronic energy (bottom of the well) in Hartree.
    multiplicity : int, optional
        Spin multiplicity 2S+1; gives the electronic entropy R·ln(2S+1).
    temperature_k : float, optional
        Temperature in K.
    pressure_atm : float, optional
        Pressure of the ideal gas in atm.
    symmetry_number : int, optional
        Rotational symmetry number σ; by default from the point group (:func:`symmetry_number`).
    qrrho : bool, optional
        Use Grimme's quasi-RRHO vibrational entropy (changes S and G, not ZPE, E or H).
    qrrho_cutoff_cm1 : float, optional
        The damping frequency ν₀ of the quasi-RRHO interpolation in cm⁻¹ (Grimme's 100 cm⁻¹).
    standard_state : {"1atm", "1M"}, optional
        ``"1atm"``: ideal gas at ``pressure_atm``; ``"1M"``: 1 mol/L, G raised by R·T·ln(V_m / 1 L)
        (:func:`standard_state_correction_hartree`).
    masses_amu : sequence of float, optional
        Atomic masses in amu; by default the most common isotope of each element (Gaussian's default).

    Returns
    -------
    Thermo
        The corrections, totals, entropy parts and the choices made.

    Raises
    ------
    InputError
        Inconsistent or unphysical input: wrong number of frequencies, zero or non-finite frequency,
        temperature or pressure not positive, multiplicity < 1, unknown standard state or element.
    BackendUnavailableError
        pymatgen (symmetry number) or a new enough ASE (quasi-RRHO) is missing.
    """
    from ase import Atoms

    coords = checked_coordinates(symbols, coordinates_angstrom)
    frequencies = _checked_frequencies(
        frequencies_cm1, standard_state, temperature_k, pressure_atm, multiplicity, qrrho, qrrho_cutoff_cm1
    )
    masses, mass_note = masses_with_note(symbols, masses_amu)
    atoms = Atoms(list(symbols), positions=coords, masses=masses)
    geometry = rotor_geometry(len(symbols), frequencies.size, atoms.get_moments_of_inertia())
    group, sigma, sigma_note = symmetry_with_note(symbols, coords, symmetry_number)
    imaginary = tuple(float(f) for f in frequencies if f < 0)
    vib_energies_ev = [
        units.hartree_to_ev(units.cm1_to_hartree(float(f))) for f in frequencies[frequencies > 0]
    ]
    terms = rrho_terms(vib_energies_ev, geometry, atoms, sigma, multiplicity, temperature_k, pressure_atm)
    notes = _rrho_notes(geometry, temperature_k, pressure_atm, mass_note, sigma_note, imaginary)
    qrrho_g, state_g = _corrections(
        terms, vib_energies_ev, notes, qrrho, qrrho_cutoff_cm1, standard_state, temperature_k, pressure_atm
    )
    return Thermo(
        **_energy_fields(energy_hartree, terms, temperature_k),
        temperature_k=float(temperature_k),
        pressure_atm=float(pressure_atm),
        symmetry_number=sigma,
        multiplicity=int(multiplicity),
        geometry=geometry,
        point_group=group,
        n_imaginary=len(imaginary),
        imaginary_frequencies_cm1=imaginary,
        qrrho=bool(qrrho),
        qrrho_cutoff_cm1=float(qrrho_cutoff_cm1) if qrrho else None,
        qrrho_correction_gibbs_hartree=qrrho_g,
        standard_state=standard_state,
        standard_state_correction_gibbs_hartree=state_g,
        notes=tuple(notes),
    )


def reaction_thermo(reactants: Sequence[Thermo], products: Sequence[Thermo]) -> dict[str, float]:
    """Reaction energies ``Δ = Σ products − Σ reactants`` in Hartree.

    For the association ``Li⁺ + L -> C`` all Δ are negative for a bound complex, the binding energy of
    SCIENCE.md §2 is ``−delta_energy_hartree`` and ``−delta_zpe_corrected_energy_hartree`` is D₀. An
    association loses translational and rotational entropy (ΔS < 0), so ΔG = ΔH − TΔS is less negative
    than ΔH.

    Parameters
    ----------
    reactants, products : sequence of Thermo
        The species (repeat one to count it twice), all at the same temperature, pressure, standard
        state and quasi-RRHO setting.

    Returns
    -------
    dict of str to float
        ``delta_energy_hartree`` (electronic), ``delta_zpe_corrected_energy_hartree`` (ΔE + ΔZPE, 0 K),
        ``delta_enthalpy_hartree``, ``delta_gibbs_hartree``, ``delta_entropy_hartree_per_k`` and
        ``temperature_k``.

    Raises
    ------
    InputError
        A side is empty, or the species differ in temperature, pressure, standard state or quasi-RRHO.
    """
    if not reactants or not products:
        raise InputError("reaction_thermo needs at least one reactant and one product")
    species = [*reactants, *products]
    for name in ("temperature_k", "pressure_atm", "standard_state", "qrrho", "qrrho_cutoff_cm1"):
        values = {getattr(s, name) for s in species}
        if len(values) > 1:
            raise InputError(f"reaction_thermo: species differ in {name}: {sorted(map(str, values))}")

    def delta(name: str) -> float:
        return sum(getattr(s, name) for s in products) - sum(getattr(s, name) for s in reactants)

    return {
        "delta_energy_hartree": delta("energy_hartree"),
        "delta_zpe_corrected_energy_hartree": delta("zpe_corrected_energy_hartree"),
        "delta_enthalpy_hartree": delta("enthalpy_hartree"),
        "delta_gibbs_hartree": delta("gibbs_hartree"),
        "delta_entropy_hartree_per_k": delta("entropy_hartree_per_k"),
        "temperature_k": species[0].temperature_k,
    }
