"""PySCF reproduces Gaussian 16's B3LYP/STO-3G SCF energy of divinylbenzene (dvb_sp.out).

Gaussian 16 prints `SCF Done:  E(RB3LYP) =  -382.308266602` (tests/data/gaussian/dvb_sp.out.gz).
PySCF's b3lyp is Gaussian's B3LYP (VWN-RPA); with grid level 5 the two agree to < 1e-6 Ha
(SCIENCE.md §4), and the issue asks for 1e-5 Ha.
"""

import gzip
import io

import cclib
import numpy as np
import pytest

from compchem.analysis.parity import compare_records, format_parity
from compchem.backends.pyscf_backend import run_pyscf
from compchem.chem import kabsch_rmsd
from compchem.io.gaussian_output import parse_gaussian_output, to_calc_result
from compchem.models import CalcSpec, LevelOfTheory, Resources

pytestmark = pytest.mark.dft

GAUSSIAN_SCF_HARTREE = -382.308266602


def test_pyscf_matches_gaussian_b3lyp_sto3g(data_dir):
    with gzip.open(data_dir / "gaussian" / "dvb_sp.out.gz", "rt") as handle:
        text = handle.read()
    data = cclib.io.ccread(io.StringIO(text))
    # cclib reports eV (with its own conversion factor); back to the printed Hartree value
    scf_hartree = cclib.parser.utils.convertor(data.scfenergies[-1], "eV", "hartree")
    assert scf_hartree == pytest.approx(GAUSSIAN_SCF_HARTREE, abs=1e-8)
    symbols = [cclib.parser.utils.PeriodicTable().element[z] for z in data.atomnos]
    level = LevelOfTheory.from_dict(
        "g16", {"basis": "sto-3g", "density_fitting": False, "grid_level": 5, "scf_conv_tol": 1e-10}
    )
    spec = CalcSpec(
        tuple(symbols), tuple(map(tuple, data.atomcoords[-1].tolist())), 0, 1, level, "energy", label="dvb"
    )
    res = run_pyscf(spec, Resources(threads=2, memory_mb=2000))
    assert res.energy_hartree == pytest.approx(GAUSSIAN_SCF_HARTREE, abs=1e-5)
    # the same comparison through the parity tool, with the Gaussian record made by our parser
    gaussian = to_calc_result(
        parse_gaussian_output(text), label="dvb", spec_hash="", level=level.to_dict(), task="energy"
    )
    parity = compare_records(res, gaussian)
    assert abs(parity["energy_difference_hartree"]) < 1e-5
    assert parity["geometry_rmsd_angstrom"] < 1e-6
    assert "energy difference" in format_parity(parity)


def test_kabsch_rmsd_ignores_rotation_and_translation():
    rng = np.random.default_rng(0)
    xyz = rng.normal(size=(6, 3))
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.linalg.det(q))  # a proper rotation
    assert kabsch_rmsd(xyz, xyz @ q.T + 1.5) < 1e-10
    moved = xyz.copy()
    moved[0] += [0.3, 0.0, 0.0]
    assert kabsch_rmsd(xyz, moved) > 0.05
