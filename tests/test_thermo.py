"""Ideal-gas thermochemistry (compchem.thermo), pure functions, no SCF.

The reference is the real Gaussian 16 frequency job on divinylbenzene (B3LYP/STO-3G, cclib regression
data, tests/data/gaussian/dvb_ir.out.gz): its frequencies, geometry and SCF energy go into
``thermochemistry`` and the result is compared with the thermochemistry block Gaussian printed from them.
Gaussian prints the corrections to 1e-6 Ha and the frequencies to 1e-4 cm⁻¹ (unscaled, most common
isotope masses, as compchem uses), so the agreement is at the rounding of the printed values (< 1e-6 Ha);
the tolerances below leave room only for that and for the CODATA version of the constants.
"""

from __future__ import annotations

import gzip
import math
import re
from dataclasses import replace
from pathlib import Path

import pytest

from compchem import units
from compchem.errors import InputError
from compchem.io.gaussian_output import parse_gaussian_output
from compchem.thermo import (
    GRIMME_AVERAGE_MOMENT_OF_INERTIA_KG_M2,
    Thermo,
    reaction_thermo,
    standard_state_correction_hartree,
    symmetry_number,
    thermochemistry,
)

GAUSSIAN_DATA = Path(__file__).resolve().parent / "data" / "gaussian"
T_298 = 298.15
# Printed rounding (1e-6 Ha, half of it either way) plus constants; observed differences are < 5e-7 Ha.
TOL_ZPE_HARTREE = 2e-6
TOL_H_HARTREE = 2e-6
TOL_G_HARTREE = 2e-6
# A made-up electronic energy for Li+ in the synthetic association below (only differences matter).
E_LI_HARTREE = -7.2845


def _to_cal_per_mol_k(entropy_hartree_per_k: float) -> float:
    return entropy_hartree_per_k * units.HARTREE_TO_KCAL_PER_MOL * 1000.0


def _to_j_per_mol_k(entropy_hartree_per_k: float) -> float:
    return entropy_hartree_per_k * units.HARTREE_TO_KJ_PER_MOL * 1000.0


@pytest.fixture(scope="module")
def dvb_text() -> str:
    with gzip.open(GAUSSIAN_DATA / "dvb_ir.out.gz", "rt") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def dvb(dvb_text):
    return parse_gaussian_output(dvb_text)


@pytest.fixture(scope="module")
def dvb_thermo(dvb) -> Thermo:
    return thermochemistry(
        dvb.symbols,
        dvb.coordinates_angstrom,
        dvb.frequencies_cm1,
        dvb.energy_hartree,
        temperature_k=dvb.temperature_k,
        pressure_atm=dvb.pressure_atm,
    )


# --- parity with Gaussian 16 -----------------------------------------------------------------------------


def test_parsed_reference_values(dvb):
    # " Temperature   298.150 Kelvin.  Pressure   1.00000 Atm."
    assert dvb.temperature_k == pytest.approx(298.15)
    assert dvb.pressure_atm == pytest.approx(1.0)
    assert len(dvb.frequencies_cm1) == 3 * len(dvb.symbols) - 6
    # "Frequencies --     53.1981                84.7415               149.4005"
    assert dvb.frequencies_cm1[0] == pytest.approx(53.1981)


def test_corrections_match_gaussian(dvb_thermo):
    # " Zero-point correction=                           0.177132 (Hartree/Particle)"
    assert dvb_thermo.zpe_hartree == pytest.approx(0.177132, abs=TOL_ZPE_HARTREE)
    # " Thermal correction to Energy=                    0.186016"
    assert dvb_thermo.thermal_correction_energy_hartree == pytest.approx(0.186016, abs=TOL_H_HARTREE)
    # " Thermal correction to Enthalpy=                  0.186960"
    assert dvb_thermo.thermal_correction_enthalpy_hartree == pytest.approx(0.186960, abs=TOL_H_HARTREE)
    # " Thermal correction to Gibbs Free Energy=         0.143352"
    assert dvb_thermo.thermal_correction_gibbs_hartree == pytest.approx(0.143352, abs=TOL_G_HARTREE)


def test_totals_match_gaussian(dvb_thermo):
    # " Sum of electronic and zero-point Energies=           -382.131135"
    assert dvb_thermo.zpe_corrected_energy_hartree == pytest.approx(-382.131135, abs=TOL_ZPE_HARTREE)
    # " Sum of electronic and thermal Enthalpies=            -382.121307"
    assert dvb_thermo.enthalpy_hartree == pytest.approx(-382.121307, abs=TOL_H_HARTREE)
    # " Sum of electronic and thermal Free Energies=         -382.164915"
    assert dvb_thermo.gibbs_hartree == pytest.approx(-382.164915, abs=TOL_G_HARTREE)


def test_entropy_parts_match_gaussian(dvb_thermo):
    # "                     E (Thermal)             CV                S"
    # " Total                  116.727             33.556             91.781"
    # " Electronic               0.000              0.000              0.000"
    # " Translational            0.889              2.981             40.502"
    # " Rotational               0.889              2.981             28.143"
    # " Vibrational            114.949             27.594             23.136"
    tol = 2e-3  # printed to 1e-3 cal/(mol K)
    assert _to_cal_per_mol_k(dvb_thermo.entropy_hartree_per_k) == pytest.approx(91.781, abs=tol)
    assert _to_cal_per_mol_k(dvb_thermo.entropy_electronic_hartree_per_k) == pytest.approx(0.0, abs=tol)
    assert _to_cal_per_mol_k(dvb_thermo.entropy_translational_hartree_per_k) == pytest.approx(40.502, abs=tol)
    assert _to_cal_per_mol_k(dvb_thermo.entropy_rotational_hartree_per_k) == pytest.approx(28.143, abs=tol)
    assert _to_cal_per_mol_k(dvb_thermo.entropy_vibrational_hartree_per_k) == pytest.approx(23.136, abs=tol)
    # G = H - T S holds for the returned values.
    assert dvb_thermo.thermal_correction_gibbs_hartree == pytest.approx(
        dvb_thermo.thermal_correction_enthalpy_hartree - T_298 * dvb_thermo.entropy_hartree_per_k, abs=1e-12
    )


def test_symmetry_number_matches_gaussian(dvb, dvb_text, dvb_thermo):
    # " Full point group                 C2H     NOp   4" ... " Rotational symmetry number  2."
    printed = re.findall(r"Rotational symmetry number\s+(\d+)\.", dvb_text)
    assert printed and int(printed[-1]) == 2
    assert symmetry_number(dvb.symbols, dvb.coordinates_angstrom) == int(printed[-1])
    assert dvb_thermo.symmetry_number == 2
    assert dvb_thermo.point_group == "C2h"
    assert dvb_thermo.geometry == "nonlinear"


def test_symmetry_number_is_used(dvb, dvb_thermo):
    # S_rot contains -R ln(sigma): sigma = 1 instead of 2 lowers G by RT ln 2.
    sigma_1 = thermochemistry(
        dvb.symbols, dvb.coordinates_angstrom, dvb.frequencies_cm1, dvb.energy_hartree, symmetry_number=1
    )
    expected = units.BOLTZMANN_HARTREE_PER_K * T_298 * math.log(2.0)
    assert dvb_thermo.gibbs_hartree - sigma_1.gibbs_hartree == pytest.approx(expected, rel=1e-6)
    assert sigma_1.enthalpy_hartree == dvb_thermo.enthalpy_hartree
    assert sigma_1.point_group is None


# --- symmetry numbers of textbook molecules -------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbols", "coordinates", "sigma"),
    [
        (["Li"], [[0.0, 0.0, 0.0]], 1),
        (["H", "H"], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.74]], 2),
        (["O", "C", "O"], [[0.0, 0.0, -1.16], [0.0, 0.0, 0.0], [0.0, 0.0, 1.16]], 2),
        (["H", "C", "N"], [[0.0, 0.0, -1.06], [0.0, 0.0, 0.0], [0.0, 0.0, 1.16]], 1),
        (["O", "H", "H"], [[0.0, 0.0, 0.1173], [0.0, 0.7572, -0.4692], [0.0, -0.7572, -0.4692]], 2),
        (
            ["N", "H", "H", "H"],
            [[0.0, 0.0, 0.1], [0.94, 0.0, -0.27], [-0.47, 0.814064, -0.27], [-0.47, -0.814064, -0.27]],
            3,
        ),
        (
            ["C", "H", "H", "H", "H"],
            [
                [0, 0, 0],
                [0.629, 0.629, 0.629],
                [-0.629, -0.629, 0.629],
                [-0.629, 0.629, -0.629],
                [0.629, -0.629, -0.629],
            ],
            12,
        ),
    ],
    ids=["Li", "H2", "CO2", "HCN", "H2O", "NH3", "CH4"],
)
def test_symmetry_numbers(symbols, coordinates, sigma):
    assert symmetry_number(symbols, coordinates) == sigma


# --- association: signs --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def li_thermo() -> Thermo:
    return thermochemistry(["Li"], [[0.0, 0.0, 0.0]], [], E_LI_HARTREE)


def _complex_inputs(dvb):
    """A synthetic Li+ complex of dvb: Li+ 2 Å above the ring centroid, dvb's modes plus the 6 modes that
    replace the lost relative translations/rotations (Li+ has no rotations: 3 intermolecular modes, 3N-6
    grows by 3), bound by 0.06 Ha electronically. Made up for the signs, not a computed structure."""
    import numpy as np

    coords = np.asarray(dvb.coordinates_angstrom)
    ring = coords[[i for i, s in enumerate(dvb.symbols) if s == "C"][:6]]
    centroid = ring.mean(axis=0)
    normal = np.linalg.svd(ring - centroid)[2][2]
    symbols = [*dvb.symbols, "Li"]
    complex_coords = [*coords.tolist(), (centroid + 2.0 * normal).tolist()]
    frequencies = sorted([*dvb.frequencies_cm1, 180.0, 210.0, 390.0])
    energy = dvb.energy_hartree + E_LI_HARTREE - 0.06
    return symbols, complex_coords, frequencies, energy


def test_association_signs(dvb, dvb_thermo, li_thermo):
    symbols, coords, freqs, energy = _complex_inputs(dvb)
    cplx = thermochemistry(symbols, coords, freqs, energy)
    delta = reaction_thermo([li_thermo, dvb_thermo], [cplx])
    # Sign convention: delta = products - reactants, so an association of a bound complex is negative
    # and the binding energy of SCIENCE.md section 2 is -delta_energy_hartree.
    assert delta["delta_energy_hartree"] == pytest.approx(-0.06, abs=1e-9)
    assert delta["delta_enthalpy_hartree"] < 0
    # Entropy is lost (3 translations + 3 rotations become vibrations): Delta S < 0 and Delta G
    # = Delta H - T Delta S is less negative than Delta H.
    assert delta["delta_entropy_hartree_per_k"] < 0
    assert delta["delta_gibbs_hartree"] > delta["delta_enthalpy_hartree"]
    assert delta["delta_gibbs_hartree"] - delta["delta_enthalpy_hartree"] == pytest.approx(
        -T_298 * delta["delta_entropy_hartree_per_k"], abs=1e-10
    )
    # Delta(E + ZPE) - Delta E is the ZPE of the three new modes.
    new_zpe = 0.5 * units.cm1_to_hartree(180.0 + 210.0 + 390.0)
    assert delta["delta_zpe_corrected_energy_hartree"] - delta["delta_energy_hartree"] == pytest.approx(
        new_zpe, abs=1e-9
    )


def test_reaction_thermo_rejects_mixed_conditions(dvb, dvb_thermo, li_thermo):
    hot = thermochemistry(["Li"], [[0.0, 0.0, 0.0]], [], E_LI_HARTREE, temperature_k=400.0)
    with pytest.raises(InputError, match="temperature_k"):
        reaction_thermo([hot, dvb_thermo], [dvb_thermo])
    molar = thermochemistry(["Li"], [[0.0, 0.0, 0.0]], [], E_LI_HARTREE, standard_state="1M")
    with pytest.raises(InputError, match="standard_state"):
        reaction_thermo([molar, dvb_thermo], [dvb_thermo])
    with pytest.raises(InputError):
        reaction_thermo([], [dvb_thermo])


# --- quasi-RRHO -----------------------------------------------------------------------------------------


def _grimme_entropy_change_hartree_per_k(frequencies_cm1, temperature_k, cutoff_cm1):
    """Independent evaluation of Grimme, Chem. Eur. J. 2012, 18, 9955, eqs. 3-8 (SI units, per molecule):
    S_V harmonic; S_R = k(1/2 + ln sqrt(8 pi^3 mu' k T / h^2)), mu = h/(8 pi^2 nu), mu' = mu B/(mu + B);
    S = w S_V + (1 - w) S_R, w = 1/(1 + (nu0/nu)^4). Returns sum(S - S_V) in Hartree/K."""
    # The exact SI defining constants, written here so that this check depends on neither ASE nor units.py.
    h = 6.62607015e-34  # J s
    k = 1.380649e-23  # J/K
    c_cm = 2.99792458e10  # cm/s
    b_av = GRIMME_AVERAGE_MOMENT_OF_INERTIA_KG_M2
    change = 0.0
    for nu_cm in frequencies_cm1:
        x = h * c_cm * nu_cm / (k * temperature_k)
        s_v = x / math.expm1(x) - math.log(-math.expm1(-x))
        mu = h / (8 * math.pi**2 * c_cm * nu_cm)
        mu_eff = mu * b_av / (mu + b_av)
        s_r = 0.5 + math.log(math.sqrt(8 * math.pi**3 * mu_eff * k * temperature_k / h**2))
        w = 1.0 / (1.0 + (cutoff_cm1 / nu_cm) ** 4)
        change += (1.0 - w) * (s_r - s_v)
    return change * units.BOLTZMANN_HARTREE_PER_K


def test_qrrho_changes_only_entropy_through_low_modes(dvb, dvb_thermo):
    args = (dvb.symbols, dvb.coordinates_angstrom, dvb.frequencies_cm1, dvb.energy_hartree)
    qrrho = thermochemistry(*args, qrrho=True)
    assert qrrho.zpe_hartree == dvb_thermo.zpe_hartree
    assert qrrho.enthalpy_hartree == dvb_thermo.enthalpy_hartree
    shift = qrrho.gibbs_hartree - dvb_thermo.gibbs_hartree
    assert shift == pytest.approx(qrrho.qrrho_correction_gibbs_hartree, abs=1e-12)
    # The free-rotor entropy of a 53 cm-1 mode is below its (diverging) harmonic entropy: S drops, G rises,
    # by a fraction of a kcal/mol (0.49 kcal/mol here).
    assert 0 < shift < 1.6e-3
    # The independent Grimme formula gives the same, and dvb's 53 cm-1 mode carries most of it.
    expected = -T_298 * _grimme_entropy_change_hartree_per_k(dvb.frequencies_cm1, T_298, 100.0)
    assert shift == pytest.approx(expected, rel=1e-5)
    lowest = -T_298 * _grimme_entropy_change_hartree_per_k(dvb.frequencies_cm1[:1], T_298, 100.0)
    assert dvb.frequencies_cm1[0] == pytest.approx(53.1981)
    assert lowest > 0.5 * shift
    # Modes far above the cutoff hardly matter (their weight 1 - w is about (nu0/nu)^4 < 1e-4): moving every
    # mode above 1000 cm-1 by 25 cm-1 changes the quasi-RRHO shift by 2e-8 Ha (of 7.8e-4 Ha).
    moved = [f + 25.0 if f > 1000.0 else f for f in dvb.frequencies_cm1]
    harmonic_moved = thermochemistry(*args[:2], moved, args[3])
    qrrho_moved = thermochemistry(*args[:2], moved, args[3], qrrho=True)
    assert qrrho_moved.gibbs_hartree - harmonic_moved.gibbs_hartree == pytest.approx(shift, abs=1e-7)


def test_qrrho_cutoff_must_be_positive(dvb):
    with pytest.raises(InputError, match="qrrho_cutoff_cm1"):
        thermochemistry(
            dvb.symbols, dvb.coordinates_angstrom, dvb.frequencies_cm1, 0.0, qrrho=True, qrrho_cutoff_cm1=0.0
        )


# --- standard state -------------------------------------------------------------------------------------


def test_one_molar_standard_state(dvb, dvb_thermo, li_thermo):
    # RT ln(24.46) at 298.15 K: V_m = RT/P = 24.465 L at 1 atm.
    rt_ln = units.BOLTZMANN_HARTREE_PER_K * T_298 * math.log(24.4654)
    assert standard_state_correction_hartree(T_298) == pytest.approx(rt_ln, rel=1e-5)
    assert units.hartree_to_kcal_per_mol(rt_ln) == pytest.approx(1.894, abs=1e-3)
    molar = thermochemistry(
        dvb.symbols, dvb.coordinates_angstrom, dvb.frequencies_cm1, dvb.energy_hartree, standard_state="1M"
    )
    li_molar = thermochemistry(["Li"], [[0.0, 0.0, 0.0]], [], E_LI_HARTREE, standard_state="1M")
    # Compressing the gas from 1 atm (1/24.46 mol/L) to 1 mol/L lowers S: G of each species rises by
    # RT ln(24.46); H and ZPE do not change.
    assert molar.gibbs_hartree - dvb_thermo.gibbs_hartree == pytest.approx(rt_ln, rel=1e-5)
    assert li_molar.gibbs_hartree - li_thermo.gibbs_hartree == pytest.approx(rt_ln, rel=1e-5)
    assert molar.enthalpy_hartree == dvb_thermo.enthalpy_hartree
    assert molar.standard_state_correction_gibbs_hartree == pytest.approx(rt_ln, rel=1e-5)
    assert molar.gibbs_hartree == pytest.approx(molar.enthalpy_hartree - T_298 * molar.entropy_hartree_per_k)
    # For an association A + B -> AB (one mole of gas lost) Delta G drops by RT ln(24.46).
    symbols, coords, freqs, energy = _complex_inputs(dvb)
    gas = reaction_thermo([li_thermo, dvb_thermo], [thermochemistry(symbols, coords, freqs, energy)])
    solution = reaction_thermo(
        [li_molar, molar], [thermochemistry(symbols, coords, freqs, energy, standard_state="1M")]
    )
    assert solution["delta_gibbs_hartree"] - gas["delta_gibbs_hartree"] == pytest.approx(-rt_ln, rel=1e-5)
    assert solution["delta_enthalpy_hartree"] == pytest.approx(gas["delta_enthalpy_hartree"], abs=1e-12)


def test_one_molar_follows_temperature():
    t = 350.0
    molar_volume_l = units.GAS_CONSTANT_J_PER_MOL_K * t / units.ATM_TO_PASCAL / units.LITRE_TO_CUBIC_METRE
    assert molar_volume_l == pytest.approx(28.72, abs=0.01)
    expected = units.BOLTZMANN_HARTREE_PER_K * t * math.log(molar_volume_l)
    assert standard_state_correction_hartree(t) == pytest.approx(expected, rel=1e-12)


# --- imaginary frequencies ------------------------------------------------------------------------------


def test_imaginary_frequencies_are_counted_and_excluded(dvb, dvb_thermo):
    freqs = list(dvb.frequencies_cm1)
    freqs[0] = -freqs[0]
    freqs[1] = -freqs[1]
    ts = thermochemistry(dvb.symbols, dvb.coordinates_angstrom, freqs, dvb.energy_hartree)
    assert ts.n_imaginary == 2
    assert ts.imaginary_frequencies_cm1 == (-53.1981, -84.7415)
    assert any("imaginary" in note for note in ts.notes)
    # The two modes are missing from the ZPE and from the vibrational sums.
    missing_zpe = 0.5 * units.cm1_to_hartree(53.1981 + 84.7415)
    assert dvb_thermo.zpe_hartree - ts.zpe_hartree == pytest.approx(missing_zpe, abs=1e-10)
    assert ts.entropy_vibrational_hartree_per_k < dvb_thermo.entropy_vibrational_hartree_per_k
    assert ts.entropy_rotational_hartree_per_k == dvb_thermo.entropy_rotational_hartree_per_k
    assert dvb_thermo.n_imaginary == 0 and dvb_thermo.imaginary_frequencies_cm1 == ()


# --- single atom, linear molecule, input checks ---------------------------------------------------------


def test_single_atom_has_only_translation(li_thermo):
    rt = units.BOLTZMANN_HARTREE_PER_K * T_298
    assert li_thermo.geometry == "monatomic"
    assert li_thermo.symmetry_number == 1
    assert li_thermo.zpe_hartree == 0.0
    assert li_thermo.thermal_correction_energy_hartree == pytest.approx(1.5 * rt, rel=1e-6)
    assert li_thermo.thermal_correction_enthalpy_hartree == pytest.approx(2.5 * rt, rel=1e-6)
    assert li_thermo.entropy_rotational_hartree_per_k == 0.0
    assert li_thermo.entropy_vibrational_hartree_per_k == 0.0
    assert li_thermo.entropy_electronic_hartree_per_k == 0.0
    assert li_thermo.entropy_hartree_per_k == li_thermo.entropy_translational_hartree_per_k
    assert li_thermo.enthalpy_hartree == pytest.approx(E_LI_HARTREE + 2.5 * rt, rel=1e-9)


def test_single_atom_entropy_is_sackur_tetrode():
    # NIST-JANAF: S(Ar, g, 298.15 K, 1 bar) = 154.845 J/(mol K); natural-abundance mass 39.948.
    argon = thermochemistry(
        ["Ar"], [[0.0, 0.0, 0.0]], [], 0.0, pressure_atm=1.0e5 / units.ATM_TO_PASCAL, masses_amu=[39.948]
    )
    assert _to_j_per_mol_k(argon.entropy_hartree_per_k) == pytest.approx(154.845, abs=0.01)


def test_multiplicity_gives_electronic_entropy():
    doublet = thermochemistry(["Li"], [[0.0, 0.0, 0.0]], [], 0.0, multiplicity=2)
    assert doublet.entropy_electronic_hartree_per_k == pytest.approx(
        units.BOLTZMANN_HARTREE_PER_K * math.log(2.0), rel=1e-6
    )


def test_linear_molecule():
    # CO2 with its fundamentals (cm-1) treated as harmonic; NIST-JANAF S(298.15 K, 1 bar) = 213.79 J/(mol K).
    co2 = thermochemistry(
        ["O", "C", "O"],
        [[0.0, 0.0, -1.16], [0.0, 0.0, 0.0], [0.0, 0.0, 1.16]],
        [667.4, 667.4, 1388.2, 2349.2],
        0.0,
        pressure_atm=1.0e5 / units.ATM_TO_PASCAL,
    )
    rt = units.BOLTZMANN_HARTREE_PER_K * T_298
    assert co2.geometry == "linear"
    assert co2.symmetry_number == 2
    assert _to_j_per_mol_k(co2.entropy_hartree_per_k) == pytest.approx(213.79, abs=0.2)
    # Translation 3/2 RT + rotation RT + vibrations; H = U + RT.
    assert co2.thermal_correction_enthalpy_hartree - co2.thermal_correction_energy_hartree == pytest.approx(
        rt, rel=1e-6
    )


def test_frequency_count_and_geometry_checked(dvb):
    with pytest.raises(InputError, match="3N-6"):
        thermochemistry(dvb.symbols, dvb.coordinates_angstrom, dvb.frequencies_cm1[1:], 0.0)
    with pytest.raises(InputError, match="not linear"):
        thermochemistry(
            ["O", "H", "H"], [[0, 0, 0.1173], [0, 0.7572, -0.4692], [0, -0.7572, -0.4692]], [1, 2, 3, 4], 0.0
        )
    with pytest.raises(InputError, match="3N-5"):
        thermochemistry(
            ["O", "C", "O"], [[0, 0, -1.16], [0, 0, 0], [0, 0, 1.16]], [667.4, 1388.2, 2349.2], 0.0
        )
    with pytest.raises(InputError, match="single atom"):
        thermochemistry(["Li"], [[0, 0, 0]], [100.0], 0.0)
    with pytest.raises(InputError, match="zero"):
        thermochemistry(["H", "H"], [[0, 0, 0], [0, 0, 0.74]], [0.0], 0.0)
    with pytest.raises(InputError, match="shape"):
        thermochemistry(["H", "H"], [[0, 0, 0]], [4400.0], 0.0)
    with pytest.raises(InputError, match="standard_state"):
        thermochemistry(["Li"], [[0, 0, 0]], [], 0.0, standard_state="1bar")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="temperature_k"):
        thermochemistry(["Li"], [[0, 0, 0]], [], 0.0, temperature_k=0.0)


def test_result_is_frozen(dvb_thermo):
    with pytest.raises(AttributeError):
        dvb_thermo.gibbs_hartree = 0.0  # type: ignore[misc]
    assert replace(dvb_thermo, energy_hartree=0.0).energy_hartree == 0.0
