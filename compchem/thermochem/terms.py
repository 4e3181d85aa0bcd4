"""The terms of the partition functions: ASE's rigid-rotor harmonic-oscillator sums, Grimme's
quasi-RRHO entropy and the change to the 1 M standard state.

``RRHOTerms`` holds the corrections of one species in Hartree while they are assembled; the
quasi-RRHO and standard-state steps change its entropy in place, in the order the module docstring
of ``compchem.thermo`` states (quasi-RRHO first, then the standard state), so that G = H − T·S holds
for the final entropy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from compchem import units
from compchem.errors import BackendUnavailableError
from compchem.thermochem.rotor import RotorGeometry

#: Average moment of inertia B_av of the free-rotor entropy in the quasi-RRHO model, kg m²
#: (Grimme, Chem. Eur. J. 2012, 18, 9955, below eq. 5).
GRIMME_AVERAGE_MOMENT_OF_INERTIA_KG_M2: float = 1.0e-44


@dataclass
class RRHOTerms:
    """ZPE, thermal corrections of U and H, and the entropy and its parts (Hartree, Hartree/K)."""

    zpe: float
    u_corr: float
    h_corr: float
    s_trans: float
    s_rot: float
    s_vib: float
    s_elec: float
    entropy: float


def rrho_terms(
    vib_energies_ev: list[float],
    geometry: RotorGeometry,
    atoms: Any,
    sigma: int,
    multiplicity: int,
    temperature_k: float,
    pressure_atm: float,
) -> RRHOTerms:
    """Translation, rigid rotation, harmonic vibration and electronic spin degeneracy: ASE's
    ``IdealGasThermo`` at ``temperature_k`` and ``pressure_atm``, converted to Hartree."""
    from ase.thermochemistry import IdealGasThermo

    ideal_gas = IdealGasThermo(
        vib_energies_ev,
        geometry,
        potentialenergy=0.0,
        atoms=atoms,
        symmetrynumber=sigma,
        spin=units.multiplicity_to_spin(multiplicity) / 2.0,
        vib_selection="all",
    )
    pressure_pa = pressure_atm * units.ATM_TO_PASCAL
    zpe = units.ev_to_hartree(float(ideal_gas.get_ZPE_correction()))
    u_corr = units.ev_to_hartree(float(ideal_gas.get_internal_energy(temperature_k, verbose=False)))
    h_corr = units.ev_to_hartree(float(ideal_gas.get_enthalpy(temperature_k, verbose=False)))
    entropy_ev, parts = ideal_gas.get_ideal_entropy(
        temperature_k,
        translation=True,
        vibration=True,
        rotation=True,
        geometry=geometry,
        electronic=True,
        pressure=pressure_pa,
        symmetrynumber=sigma,
    )
    return RRHOTerms(
        zpe=zpe,
        u_corr=u_corr,
        h_corr=h_corr,
        s_trans=units.ev_to_hartree(float(parts["S_t"] + parts.get("S_p", 0.0))),
        s_rot=units.ev_to_hartree(float(parts["S_r"])),
        s_vib=units.ev_to_hartree(float(parts.get("S_v", 0.0))),
        s_elec=units.ev_to_hartree(float(parts["S_e"])),
        entropy=units.ev_to_hartree(float(entropy_ev)),
    )


def apply_qrrho(
    terms: RRHOTerms, vib_energies_ev: Sequence[float], temperature_k: float, cutoff_cm1: float
) -> float:
    """Replace the harmonic vibrational entropy of ``terms`` by the quasi-RRHO one; returns the change
    of G (Hartree)."""
    ds = units.ev_to_hartree(qrrho_entropy_change_ev_per_k(vib_energies_ev, temperature_k, cutoff_cm1))
    terms.s_vib += ds
    terms.entropy += ds
    return -temperature_k * ds


def apply_standard_state(terms: RRHOTerms, temperature_k: float, pressure_atm: float) -> float:
    """Move ``terms`` from the ideal gas at ``pressure_atm`` to 1 mol/L (the entropy takes the change);
    returns the change of G (Hartree)."""
    state_g = standard_state_correction_hartree(temperature_k, pressure_atm)
    terms.entropy -= state_g / temperature_k
    return state_g


def qrrho_entropy_change_ev_per_k(
    vib_energies_ev: Sequence[float], temperature_k: float, cutoff_cm1: float
) -> float:
    """Σ over modes of (quasi-RRHO entropy − harmonic entropy), eV/K, by ASE's ``RRHOMode``.

    ASE's ``RRHOMode`` implements Grimme, Chem. Eur. J. 2012, 18, 9955, eqs. 3-8: free-rotor entropy
    S_R = R(1/2 + ln[(8π³μ'k_BT/h²)^(1/2)]) with μ = h/(8π²ν) and μ' = μB_av/(μ + B_av), mixed with the
    harmonic entropy S_V by the damping w = 1/(1 + (ν₀/ν)⁴), S = w·S_V + (1 − w)·S_R, ν₀ = ``cutoff_cm1``.
    """
    try:
        from ase.thermochemistry import RRHOMode
    except ImportError as exc:  # pragma: no cover - depends on the ASE version
        raise BackendUnavailableError(
            "quasi-RRHO needs ase.thermochemistry.RRHOMode (ASE >= 3.25); upgrade ASE or set qrrho=False"
        ) from exc
    mean_inertia_amu_a2 = GRIMME_AVERAGE_MOMENT_OF_INERTIA_KG_M2 / units.AMU_ANGSTROM2_TO_KG_M2
    change = 0.0
    for energy in vib_energies_ev:
        mode = RRHOMode(energy, mean_inertia=mean_inertia_amu_a2, tau=cutoff_cm1)
        # ASE types the return as float-or-(float, dict); contributions=False gives the float
        change += float(cast(float, mode.get_entropy(temperature_k, contributions=False)))
        change -= float(mode.get_vib_entropy_contribution(temperature_k))
    return change


def standard_state_correction_hartree(temperature_k: float, pressure_atm: float = 1.0) -> float:
    """Change of G (Hartree, per molecule) from the ideal gas at ``pressure_atm`` to 1 mol/L.

    ``ΔG = R·T·ln(V_m / 1 L)`` with ``V_m = R·T/P`` the molar volume of the ideal gas: at 298.15 K and
    1 atm ``V_m = 24.46 L`` and ``ΔG = +0.003012 Ha = +1.89 kcal/mol`` (compressing to 1 M lowers the
    translational entropy). Per molecule, R·T is k_B·T.

    Parameters
    ----------
    temperature_k : float
        Temperature in K.
    pressure_atm : float, optional
        Pressure of the gas-phase standard state in atm.

    Returns
    -------
    float
        The correction in Hartree to add to G.
    """
    molar_volume_litre = (
        units.GAS_CONSTANT_J_PER_MOL_K
        * temperature_k
        / (pressure_atm * units.ATM_TO_PASCAL)
        / units.LITRE_TO_CUBIC_METRE
    )
    return units.BOLTZMANN_HARTREE_PER_K * temperature_k * math.log(molar_volume_litre)
