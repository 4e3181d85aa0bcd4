import pytest

from compchem import units


def test_hartree_ev_roundtrip():
    # CODATA 2018: 1 Eh = 27.211386245988 eV
    assert units.hartree_to_ev(1.0) == pytest.approx(27.211386245988)
    assert units.ev_to_hartree(units.hartree_to_ev(0.123)) == pytest.approx(0.123)


def test_kcal_kj():
    assert units.hartree_to_kcal_per_mol(1.0) == pytest.approx(627.5094740631)
    assert units.hartree_to_kj_per_mol(1.0) == pytest.approx(2625.4996394799)


def test_multiplicity_spin():
    assert units.multiplicity_to_spin(1) == 0
    assert units.multiplicity_to_spin(3) == 2
    assert units.spin_to_multiplicity(1) == 2
    with pytest.raises(ValueError):
        units.multiplicity_to_spin(0)
