"""The one place for unit conversions and multiplicity <-> 2S.

Energies are Hartree inside the package; convert only at the edges (tables, plots, logs).
Values are CODATA 2018, as used by ASE and PySCF.
"""

from __future__ import annotations

HARTREE_TO_EV: float = 27.211386245988
HARTREE_TO_KCAL_PER_MOL: float = 627.5094740631
HARTREE_TO_KJ_PER_MOL: float = 2625.4996394799
BOHR_TO_ANGSTROM: float = 0.529177210903
ANGSTROM_TO_BOHR: float = 1.0 / BOHR_TO_ANGSTROM
EV_TO_HARTREE: float = 1.0 / HARTREE_TO_EV


def hartree_to_ev(energy_hartree: float) -> float:
    """Convert an energy from Hartree to eV."""
    return energy_hartree * HARTREE_TO_EV


def ev_to_hartree(energy_ev: float) -> float:
    """Convert an energy from eV to Hartree."""
    return energy_ev * EV_TO_HARTREE


def hartree_to_kcal_per_mol(energy_hartree: float) -> float:
    """Convert an energy from Hartree to kcal/mol."""
    return energy_hartree * HARTREE_TO_KCAL_PER_MOL


def hartree_to_kj_per_mol(energy_hartree: float) -> float:
    """Convert an energy from Hartree to kJ/mol."""
    return energy_hartree * HARTREE_TO_KJ_PER_MOL


def multiplicity_to_spin(multiplicity: int) -> int:
    """Return PySCF's ``spin`` (2S, number of unpaired electrons) for a multiplicity 2S+1."""
    if multiplicity < 1:
        raise ValueError(f"multiplicity must be >= 1, got {multiplicity}")
    return multiplicity - 1


def spin_to_multiplicity(spin: int) -> int:
    """Return the multiplicity 2S+1 for PySCF's ``spin`` (2S)."""
    if spin < 0:
        raise ValueError(f"spin (2S) must be >= 0, got {spin}")
    return spin + 1


# --- thermochemistry (compchem.thermo); CODATA 2018 like the values above ------------------------------
#: 1 Hartree in cm⁻¹ (wavenumbers); frequencies are printed in cm⁻¹, energies are kept in Hartree.
HARTREE_TO_CM1: float = 219474.6313632
CM1_TO_HARTREE: float = 1.0 / HARTREE_TO_CM1
#: Boltzmann constant k_B in Hartree/K (per particle; per mole it is R in Hartree/(mol K)).
BOLTZMANN_HARTREE_PER_K: float = 3.1668115634556e-6
#: Molar gas constant R = N_A k_B in J/(mol K) (exact since the 2019 SI: 6.02214076e23 × 1.380649e-23).
GAS_CONSTANT_J_PER_MOL_K: float = 8.31446261815324
#: One standard atmosphere in Pa (exact by definition).
ATM_TO_PASCAL: float = 101325.0
#: One litre in m³ (exact by definition).
LITRE_TO_CUBIC_METRE: float = 1.0e-3
#: 1 amu Å² (moment of inertia) in kg m²: atomic mass constant (kg) times (1e-10 m)².
AMU_ANGSTROM2_TO_KG_M2: float = 1.66053906660e-27 * 1.0e-20


def cm1_to_hartree(wavenumber_cm1: float) -> float:
    """Convert a wavenumber (cm⁻¹, e.g. a harmonic frequency) to the energy h·c·ν̃ in Hartree."""
    return wavenumber_cm1 * CM1_TO_HARTREE
