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
from compchem.errors import BackendUnavailableError, InputError

#: Average moment of inertia B_av of the free-rotor entropy in the quasi-RRHO model, kg m²
#: (Grimme, Chem. Eur. J. 2012, 18, 9955, below eq. 5).
GRIMME_AVERAGE_MOMENT_OF_INERTIA_KG_M2: float = 1.0e-44

#: Standard states accepted by :func:`thermochemistry`.
STANDARD_STATES: tuple[str, ...] = ("1atm", "1M")

#: Default distance tolerance (Å) of the point-group analysis (pymatgen's default).
SYMMETRY_TOLERANCE_ANGSTROM: float = 0.3

# The smallest principal moment of inertia (amu Å²) below which a geometry counts as linear, and above
# which a geometry said to be linear (3N-5 frequencies) is rejected as bent.
_LINEAR_INERTIA_AMU_A2: float = 1.0e-3
_BENT_INERTIA_AMU_A2: float = 1.0e-1

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


def _point_group(
    symbols: Sequence[str], coordinates_angstrom: npt.ArrayLike, tolerance_angstrom: float
) -> tuple[str, int]:
    """Schoenflies symbol and rotational symmetry number of a molecule (pymatgen's PointGroupAnalyzer)."""
    try:
        from pymatgen.core import Molecule
        from pymatgen.symmetry.analyzer import PointGroupAnalyzer
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BackendUnavailableError(
            "symmetry numbers need pymatgen (pip install 'pymatgen>=2024.1'), or pass symmetry_number"
        ) from exc
    coords = _coordinates(symbols, coordinates_angstrom)
    if len(symbols) == 1:
        return "Kh", 1
    analyzer = PointGroupAnalyzer(Molecule(list(symbols), coords), tolerance=tolerance_angstrom)
    return str(analyzer.sch_symbol), int(analyzer.get_rotational_symmetry_number())


def _coordinates(symbols: Sequence[str], coordinates_angstrom: npt.ArrayLike) -> np.ndarray:
    coords = np.asarray(coordinates_angstrom, dtype=float)
    if len(symbols) == 0:
        raise InputError("thermochemistry needs at least one atom")
    if coords.shape != (len(symbols), 3):
        raise InputError(
            f"coordinates_angstrom has shape {coords.shape}, expected ({len(symbols)}, 3) for "
            f"{len(symbols)} atoms"
        )
    if not np.all(np.isfinite(coords)):
        raise InputError("coordinates_angstrom holds non-finite values")
    return coords


def symmetry_number(
    symbols: Sequence[str],
    coordinates_angstrom: npt.ArrayLike,
    *,
    tolerance_angstrom: float = SYMMETRY_TOLERANCE_ANGSTROM,
) -> int:
    """Rotational symmetry number σ from the molecule's point group.

    σ is the number of proper rotations (identity included) of the point group: the number of
    indistinguishable orientations of the rigid molecule. It divides the rotational partition function.
    The point group is found with pymatgen's ``PointGroupAnalyzer`` and σ is its
    ``get_rotational_symmetry_number()``.

    Parameters
    ----------
    symbols : sequence of str
        Element symbols, one per atom.
    coordinates_angstrom : array_like, shape (n_atoms, 3)
        Cartesian coordinates in Å.
    tolerance_angstrom : float, optional
        Distance within which atoms count as symmetry-equivalent (pymatgen's default, 0.3 Å).

    Returns
    -------
    int
        σ: 1 for a single atom and for C1, Cs, Ci and C∞v; 2 for D∞h (H2, CO2) and C2v (H2O);
        12 for Td; and so on.

    Raises
    ------
    InputError
        The coordinates do not match the symbols.
    BackendUnavailableError
        pymatgen is not installed.
    """
    return _point_group(symbols, coordinates_angstrom, tolerance_angstrom)[1]


def _common_isotope_masses(symbols: Sequence[str]) -> list[float]:
    from ase.data import atomic_masses_common, atomic_numbers

    masses = []
    for symbol in symbols:
        if symbol not in atomic_numbers:
            raise InputError(f"unknown element symbol {symbol!r}")
        masses.append(float(atomic_masses_common[atomic_numbers[symbol]]))
    return masses


def _rotor_geometry(n_atoms: int, n_frequencies: int, moments_amu_a2: np.ndarray) -> str:
    """'monatomic', 'linear' or 'nonlinear', from the number of frequencies, checked against the geometry."""
    if n_atoms == 1:
        if n_frequencies:
            raise InputError(f"a single atom has no vibrations, got {n_frequencies} frequencies")
        return "monatomic"
    smallest = float(np.min(moments_amu_a2))
    if n_frequencies == 3 * n_atoms - 5:
        if smallest > _BENT_INERTIA_AMU_A2:
            raise InputError(
                f"{n_frequencies} frequencies (3N-5) mean a linear molecule, but the geometry is not linear "
                f"(smallest moment of inertia {smallest:.3g} amu Å²)"
            )
        return "linear"
    if n_frequencies == 3 * n_atoms - 6:
        if smallest < _LINEAR_INERTIA_AMU_A2:
            raise InputError(
                f"the geometry is linear but {n_frequencies} frequencies (3N-6) were given; a linear "
                f"molecule of {n_atoms} atoms has 3N-5 = {3 * n_atoms - 5}"
            )
        return "nonlinear"
    raise InputError(
        f"{n_frequencies} frequencies for {n_atoms} atoms: expected 3N-6 = {3 * n_atoms - 6} (nonlinear) or "
        f"3N-5 = {3 * n_atoms - 5} (linear), translations and rotations removed, imaginary modes included "
        "as negative numbers"
    )


def _qrrho_entropy_change_ev_per_k(
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
        change += float(mode.get_entropy(temperature_k, contributions=False))
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
    from ase.thermochemistry import IdealGasThermo

    coords = _coordinates(symbols, coordinates_angstrom)
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

    if masses_amu is None:
        masses = _common_isotope_masses(symbols)
        mass_note = "masses: most common isotope of each element (Gaussian's default)"
    else:
        masses = [float(m) for m in masses_amu]
        if len(masses) != len(symbols) or not all(m > 0 for m in masses):
            raise InputError(f"masses_amu needs {len(symbols)} positive masses, got {masses}")
        mass_note = "masses: given by the caller"
    atoms = Atoms(list(symbols), positions=coords, masses=masses)
    geometry = _rotor_geometry(len(symbols), frequencies.size, atoms.get_moments_of_inertia())

    point_group: str | None = None
    if symmetry_number is None:
        point_group, sigma = _point_group(symbols, coords, SYMMETRY_TOLERANCE_ANGSTROM)
        sigma_note = f"symmetry number {sigma} from point group {point_group} (pymatgen PointGroupAnalyzer)"
    else:
        sigma = int(symmetry_number)
        if sigma < 1 or sigma != symmetry_number:
            raise InputError(f"symmetry_number must be a positive integer, got {symmetry_number}")
        sigma_note = f"symmetry number {sigma} given by the caller"

    imaginary = tuple(float(f) for f in frequencies if f < 0)
    real_cm1 = frequencies[frequencies > 0]
    vib_energies_ev = [units.hartree_to_ev(units.cm1_to_hartree(float(f))) for f in real_cm1]

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
    s_trans = units.ev_to_hartree(float(parts["S_t"] + parts.get("S_p", 0.0)))
    s_rot = units.ev_to_hartree(float(parts["S_r"]))
    s_vib = units.ev_to_hartree(float(parts.get("S_v", 0.0)))
    s_elec = units.ev_to_hartree(float(parts["S_e"]))
    entropy = units.ev_to_hartree(float(entropy_ev))

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

    qrrho_g = 0.0
    if qrrho and vib_energies_ev:
        ds = units.ev_to_hartree(
            _qrrho_entropy_change_ev_per_k(vib_energies_ev, temperature_k, qrrho_cutoff_cm1)
        )
        s_vib += ds
        entropy += ds
        qrrho_g = -temperature_k * ds
    if qrrho:
        notes.append(
            f"quasi-RRHO vibrational entropy (Grimme 2012, cutoff {qrrho_cutoff_cm1} cm-1, "
            f"B_av {GRIMME_AVERAGE_MOMENT_OF_INERTIA_KG_M2} kg m2): G changed by {qrrho_g:+.6f} Ha"
        )

    state_g = 0.0
    if standard_state == "1M":
        state_g = standard_state_correction_hartree(temperature_k, pressure_atm)
        entropy -= state_g / temperature_k
        notes.append(f"1 M standard state: G + RT ln(RT/P per 1 mol/L) = {state_g:+.6f} Ha")

    g_corr = h_corr - temperature_k * entropy
    return Thermo(
        energy_hartree=float(energy_hartree),
        zpe_hartree=zpe,
        thermal_correction_energy_hartree=u_corr,
        thermal_correction_enthalpy_hartree=h_corr,
        thermal_correction_gibbs_hartree=g_corr,
        entropy_hartree_per_k=entropy,
        enthalpy_hartree=float(energy_hartree) + h_corr,
        gibbs_hartree=float(energy_hartree) + g_corr,
        temperature_k=float(temperature_k),
        pressure_atm=float(pressure_atm),
        symmetry_number=sigma,
        multiplicity=int(multiplicity),
        geometry=geometry,
        point_group=point_group,
        n_imaginary=len(imaginary),
        imaginary_frequencies_cm1=imaginary,
        entropy_translational_hartree_per_k=s_trans,
        entropy_rotational_hartree_per_k=s_rot,
        entropy_vibrational_hartree_per_k=s_vib,
        entropy_electronic_hartree_per_k=s_elec,
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
