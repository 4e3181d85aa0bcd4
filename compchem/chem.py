"""Small chemistry helpers shared by builders, backends and analysis."""

from __future__ import annotations

import re

import numpy as np
from ase.data import atomic_numbers

from compchem.errors import InputError

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: species name of a searched pose of a cluster, ``<cluster>.pose<k>`` (reserved: no user name ends so)
POSE_NAME = re.compile(r"^(.+)\.pose(\d+)$")


def pose_name(cluster: str, k: int) -> str:
    """Species name of the ``k``-th searched pose of a cluster (0 = the pre-optimization's best)."""
    return f"{cluster}.pose{k}"


def check_safe_name(name: str, what: str = "name") -> str:
    """Return ``name`` if it is a safe file name (letters, digits, ``_.-``, not leading ``.``/``-``)."""
    if not isinstance(name, str) or not SAFE_NAME.match(name):
        raise InputError(
            f"{what} '{name}' is not a safe file name: use 1-64 letters, digits, '_', '.', '-', "
            "starting with a letter or digit"
        )
    return name


def n_electrons(symbols: list[str] | tuple[str, ...], charge: int) -> int:
    """Number of electrons of a species with the given atoms and total charge."""
    try:
        return sum(atomic_numbers[s] for s in symbols) - charge
    except KeyError as exc:
        raise InputError(f"unknown element symbol {exc.args[0]!r}") from None


def check_charge_multiplicity(
    symbols: list[str] | tuple[str, ...], charge: int, multiplicity: int, label: str
) -> None:
    """Raise an InputError when charge and multiplicity cannot describe these atoms.

    A multiplicity M = 2S+1 needs M-1 unpaired electrons: their number must not exceed the electron
    count and must have the same parity.
    """
    n_elec = n_electrons(symbols, charge)
    if n_elec < 0:
        raise InputError(f"{label}: charge {charge:+d} leaves {n_elec} electrons")
    if multiplicity < 1:
        raise InputError(f"{label}: multiplicity must be >= 1, got {multiplicity}")
    unpaired = multiplicity - 1
    if unpaired > n_elec or (n_elec - unpaired) % 2:
        raise InputError(
            f"{label}: charge {charge:+d} and multiplicity {multiplicity} do not match "
            f"{n_elec} electrons ({'odd' if n_elec % 2 else 'even'} count needs "
            f"{'an even' if n_elec % 2 else 'an odd'} multiplicity)"
        )


def pair_distances(coords: np.ndarray) -> np.ndarray:
    """Matrix of interatomic distances (same unit as ``coords``)."""
    diff = coords[:, None, :] - coords[None, :, :]
    return np.sqrt((diff**2).sum(-1))


def gradient_norms(grad: np.ndarray) -> tuple[float, float]:
    """RMS and maximum of the per-atom gradient norms (geomeTRIC's convention), Hartree/Bohr."""
    per_atom = np.linalg.norm(np.asarray(grad, dtype=float).reshape(-1, 3), axis=1)
    return float(np.sqrt((per_atom**2).mean())), float(per_atom.max())


def kabsch_rmsd(a: np.ndarray, b: np.ndarray, allow_reflection: bool = False) -> float:
    """RMSD (unit of the input) of two equally ordered point sets after removing translation and the
    best rotation (Kabsch algorithm); rotation or reflection when ``allow_reflection``."""
    a0 = np.asarray(a, float) - np.mean(a, axis=0)
    b0 = np.asarray(b, float) - np.mean(b, axis=0)
    u, s, vt = np.linalg.svd(b0.T @ a0)
    if not allow_reflection and np.linalg.det(u @ vt) < 0:
        s[-1] = -s[-1]
    msd = (np.sum(a0 * a0) + np.sum(b0 * b0) - 2.0 * s.sum()) / len(a0)
    return float(np.sqrt(max(msd, 0.0)))
