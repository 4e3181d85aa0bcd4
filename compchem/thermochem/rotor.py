"""The molecule as a rigid rotor: checked coordinates, atomic masses, whether it is an atom, linear or
nonlinear, and its point group and rotational symmetry number σ.

These decide the rotational partition function of ``compchem.thermo.thermochemistry`` and are checked
against the number of frequencies given, so that a bent molecule handed 3N-5 frequencies (or a linear
one 3N-6) is an input error instead of a silently wrong entropy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from compchem.errors import BackendUnavailableError, InputError

#: Default distance tolerance (Å) of the point-group analysis (pymatgen's default).
SYMMETRY_TOLERANCE_ANGSTROM: float = 0.3

# The smallest principal moment of inertia (amu Å²) below which a geometry counts as linear, and above
# which a geometry said to be linear (3N-5 frequencies) is rejected as bent.
_LINEAR_INERTIA_AMU_A2: float = 1.0e-3
_BENT_INERTIA_AMU_A2: float = 1.0e-1

#: How the molecule rotates, in the words ASE's ``IdealGasThermo`` takes.
RotorGeometry = Literal["monatomic", "linear", "nonlinear"]


def point_group(
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
    coords = checked_coordinates(symbols, coordinates_angstrom)
    if len(symbols) == 1:
        return "Kh", 1
    analyzer = PointGroupAnalyzer(Molecule(list(symbols), coords), tolerance=tolerance_angstrom)
    return str(analyzer.sch_symbol), int(analyzer.get_rotational_symmetry_number())


def checked_coordinates(symbols: Sequence[str], coordinates_angstrom: npt.ArrayLike) -> np.ndarray:
    """The coordinates as an (n_atoms, 3) float array; an InputError for a shape or value that no
    molecule has, before anything is computed from them."""
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
    return point_group(symbols, coordinates_angstrom, tolerance_angstrom)[1]


def common_isotope_masses(symbols: Sequence[str]) -> list[float]:
    """Masses (amu) of the most common isotope of each element: Gaussian's default, so that its
    thermochemistry block and ours agree."""
    from ase.data import atomic_masses_common, atomic_numbers

    masses = []
    for symbol in symbols:
        if symbol not in atomic_numbers:
            raise InputError(f"unknown element symbol {symbol!r}")
        masses.append(float(atomic_masses_common[atomic_numbers[symbol]]))
    return masses


def rotor_geometry(n_atoms: int, n_frequencies: int, moments_amu_a2: np.ndarray) -> RotorGeometry:
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


def masses_with_note(symbols: Sequence[str], masses_amu: Sequence[float] | None) -> tuple[list[float], str]:
    """The atomic masses and the note that says where they come from."""
    if masses_amu is None:
        return common_isotope_masses(
            symbols
        ), "masses: most common isotope of each element (Gaussian's default)"
    masses = [float(m) for m in masses_amu]
    if len(masses) != len(symbols) or not all(m > 0 for m in masses):
        raise InputError(f"masses_amu needs {len(symbols)} positive masses, got {masses}")
    return masses, "masses: given by the caller"


def symmetry_with_note(
    symbols: Sequence[str], coords: np.ndarray, symmetry_number: int | None
) -> tuple[str | None, int, str]:
    """Point group (None when σ is given), σ and the note that says where σ comes from."""
    if symmetry_number is None:
        group, sigma = point_group(symbols, coords, SYMMETRY_TOLERANCE_ANGSTROM)
        return group, sigma, f"symmetry number {sigma} from point group {group} (pymatgen PointGroupAnalyzer)"
    sigma = int(symmetry_number)
    if sigma < 1 or sigma != symmetry_number:
        raise InputError(f"symmetry_number must be a positive integer, got {symmetry_number}")
    return None, sigma, f"symmetry number {sigma} given by the caller"
