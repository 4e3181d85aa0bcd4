"""Counterpoise (Boys–Bernardi) correction and ligand deformation energies (SCIENCE.md §2).

All energies are Hartree; positive means bound. With complex C made of fragments F_k (Li⁺ and the
ligands), each fragment taken at its geometry inside C:

- ``E_own(F_k)``: F_k alone, in its own basis (only its atoms);
- ``E_full(F_k)``: F_k in the full basis of C (the other atoms are ghosts: basis functions, no nuclei,
  no electrons);
- ``E_relaxed(F_k)``: F_k at its own optimized geometry (own basis).

Then

- raw (frozen) interaction energy  ``ΔE_int,raw = Σ_k E_own(F_k) − E(C)``,
- basis-set superposition error    ``BSSE = Σ_k [E_own(F_k) − E_full(F_k)]`` (≥ 0: the ghost functions can
  only lower a fragment's variational energy),
- counterpoise-corrected interaction ``ΔE_int,CP = Σ_k E_full(F_k) − E(C) = ΔE_int,raw − BSSE``,
- deformation energy of a fragment ``E_def(F_k) = E_own(F_k) − E_relaxed(F_k)`` (≥ 0 at a true minimum),
- relaxed binding energy ``E_bind = Σ_k E_relaxed(F_k) − E(C) = ΔE_int,raw − Σ_k E_def(F_k)``, and its
  counterpoise-corrected value ``E_bind,CP = E_bind − BSSE``.

Boys & Bernardi, Mol. Phys. 19, 553 (1970). Gaussian's ``Counterpoise=N`` prints the same quantities
(complexation energy raw and corrected). Empirical dispersion terms (D3/D4) depend only on the nuclei and
are never counterpoise-corrected: the ghost-atom single points run without dispersion, and each
fragment's own dispersion energy is added to its full-basis energy, so the BSSE is purely electronic
and the dispersion share of the interaction (``interaction_dispersion``) is left uncorrected.

This module only defines the fragments and their ghost-atom single points and does the arithmetic on
their energies; running the single points is the counterpoise job's (``compchem.jobs.counterpoise``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from compchem.errors import InputError
from compchem.models import CalcResult, CalcSpec, LevelOfTheory, coordinate_rows
from compchem.units import hartree_to_ev, hartree_to_kcal_per_mol

log = logging.getLogger(__name__)

DEFINITIONS = {
    "interaction_raw": "sum_k E(F_k at complex geometry, own basis) - E(complex)",
    "bsse": "sum_k [E(F_k, own basis) - E(F_k, full complex basis, ghosts)], fragments at complex geometry",
    "interaction_cp": "sum_k E(F_k at complex geometry, full complex basis) - E(complex) = raw - BSSE",
    "deformation": "E(F_k at complex geometry, own basis) - E(F_k at its own optimized geometry)",
    "binding": "sum_k E(F_k relaxed) - E(complex) = interaction_raw - sum_k E_def",
    "binding_cp": "binding - BSSE (Boys-Bernardi; positive = bound)",
}

#: Level settings that do not change a single-point energy (optimization-only settings and labels).
_NOT_ENERGY_KEYS = {"name", "preopt", "scf_max_cycle"}


@dataclasses.dataclass(frozen=True)
class FragmentSpecs:
    """The two counterpoise single points of one fragment at its in-complex geometry."""

    name: str
    atom_indices: tuple[int, ...]
    charge: int
    multiplicity: int
    full_basis: CalcSpec  # all atoms of the complex, the others as ghosts
    own_basis: CalcSpec  # only the fragment's atoms


def _charges_multiplicities(
    fragments: Sequence[tuple[str, Sequence[int]]],
    charges_mults: Mapping[str, tuple[int, int]] | Sequence[tuple[int, int]],
) -> list[tuple[int, int]]:
    if isinstance(charges_mults, Mapping):
        missing = [name for name, _ in fragments if name not in charges_mults]
        if missing:
            raise InputError(f"counterpoise: no charge/multiplicity given for fragment(s) {missing}")
        return [tuple(map(int, charges_mults[name])) for name, _ in fragments]  # type: ignore[misc]
    if len(charges_mults) != len(fragments):
        raise InputError(
            f"counterpoise: {len(charges_mults)} charge/multiplicity pairs for {len(fragments)} fragments"
        )
    return [(int(c), int(m)) for c, m in charges_mults]


def _check_fragments(fragments: Sequence[tuple[str, Sequence[int]]], n_atoms: int, label: str) -> None:
    """At least two non-empty fragments that together hold every atom exactly once."""
    if len(fragments) < 2:
        raise InputError(f"{label}: counterpoise needs at least 2 fragments, got {len(fragments)}")
    seen: dict[int, str] = {}
    for name, indices in fragments:
        if not indices:
            raise InputError(f"{label}: fragment '{name}' has no atoms")
        for i in indices:
            if not 0 <= i < n_atoms:
                raise InputError(f"{label}: fragment '{name}' names atom {i}, the complex has {n_atoms}")
            if i in seen:
                raise InputError(f"{label}: atom {i} is in fragments '{seen[i]}' and '{name}'")
            seen[i] = name
    if len(seen) != n_atoms:
        missing = sorted(set(range(n_atoms)) - set(seen))
        raise InputError(f"{label}: atoms {missing} belong to no fragment")


def counterpoise_specs(
    complex_spec: CalcSpec,
    fragments: Sequence[tuple[str, Sequence[int]]],
    fragment_charges_multiplicities: Mapping[str, tuple[int, int]] | Sequence[tuple[int, int]],
) -> list[FragmentSpecs]:
    """Single-point specs (task ``energy``) of every fragment at its geometry in the complex.

    Parameters
    ----------
    complex_spec : CalcSpec
        The complex at the geometry to analyse (normally its optimized one) and the level to use.
    fragments : sequence of (name, atom indices)
        0-based indices into the complex; together they must hold every atom exactly once. Names may
        repeat (two ligands of the same kind).
    fragment_charges_multiplicities : mapping name -> (charge, multiplicity), or a sequence in the order
        of ``fragments``
        The charges must add up to the complex's charge.

    Returns
    -------
    list of FragmentSpecs
        One per fragment, in the order of ``fragments``: ``full_basis`` (all atoms, the others as ghosts)
        and ``own_basis`` (only the fragment's atoms, in their order in the complex).

    Raises
    ------
    InputError
        Fewer than two fragments, overlapping or missing atoms, charges that do not add up, or a
        charge/multiplicity missing.
    """
    label = complex_spec.label or "complex"
    n_atoms = len(complex_spec.symbols)
    _check_fragments(fragments, n_atoms, label)
    cms = _charges_multiplicities(fragments, fragment_charges_multiplicities)
    if sum(c for c, _ in cms) != complex_spec.charge:
        raise InputError(
            f"{label}: fragment charges {[c for c, _ in cms]} do not add up to the complex charge "
            f"{complex_spec.charge:+d}"
        )
    base = dataclasses.replace(
        complex_spec,
        task="energy",
        level=complex_spec.level.single_point_level(),
        fragments=(),
        ghost_atoms=(),
    )
    out = []
    for k, ((name, indices), (charge, mult)) in enumerate(zip(fragments, cms, strict=True)):
        idx = tuple(int(i) for i in indices)
        ghosts = tuple(i for i in range(n_atoms) if i not in set(idx))
        full = dataclasses.replace(
            base, charge=charge, multiplicity=mult, ghost_atoms=ghosts, label=f"{label}.cp{k}.{name}.full"
        )
        own = dataclasses.replace(
            base,
            symbols=tuple(complex_spec.symbols[i] for i in idx),
            coordinates_angstrom=coordinate_rows(complex_spec.coordinates_angstrom[i] for i in idx),
            charge=charge,
            multiplicity=mult,
            label=f"{label}.cp{k}.{name}.own",
        )
        out.append(FragmentSpecs(name, idx, charge, mult, full, own))
    return out


def counterpoise_binding(
    e_complex_hartree: float, fragment_energies: Sequence[Mapping[str, float]]
) -> dict[str, float]:
    """Raw and counterpoise-corrected interaction energies and the BSSE (Hartree, positive = bound).

    Parameters
    ----------
    e_complex_hartree : float
        Energy of the complex.
    fragment_energies : sequence of mappings
        One per fragment, with ``own_basis_hartree`` and ``full_basis_hartree`` (fragment at its
        in-complex geometry, alone and with the other atoms as ghosts).

    Returns
    -------
    dict
        ``interaction_raw_hartree`` (Σ own − E_C), ``bsse_hartree`` (Σ own − Σ full) and
        ``interaction_cp_hartree`` (Σ full − E_C = raw − BSSE).
    """
    if not fragment_energies:
        raise InputError("counterpoise_binding needs fragment energies")
    own = sum(float(f["own_basis_hartree"]) for f in fragment_energies)
    full = sum(float(f["full_basis_hartree"]) for f in fragment_energies)
    return {
        "interaction_raw_hartree": own - e_complex_hartree,
        "bsse_hartree": own - full,
        "interaction_cp_hartree": full - e_complex_hartree,
    }


def deformation_energies(
    in_complex_hartree: Sequence[float],
    relaxed_hartree: Sequence[float],
    e_complex_hartree: float | None = None,
    names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Deformation energy of every fragment, and (with ``e_complex_hartree``) E_int, E_bind and the
    identity ``E_int − E_bind = Σ E_def``.

    Parameters
    ----------
    in_complex_hartree : sequence of float
        Each fragment at its geometry in the complex, own basis.
    relaxed_hartree : sequence of float
        Each fragment at its own optimized geometry, same order (an atom such as Li⁺ has the same
        energy in both).
    e_complex_hartree : float, optional
        Energy of the complex.
    names : sequence of str, optional
        Fragment names for the output.

    Returns
    -------
    dict
        ``deformation_hartree`` (list, one per fragment), ``total_deformation_hartree``, ``names``; with
        ``e_complex_hartree`` also ``interaction_raw_hartree`` (frozen), ``binding_hartree`` (relaxed) and
        ``identity_residual_hartree`` = (E_int − E_bind) − Σ E_def (zero up to rounding).
    """
    if len(in_complex_hartree) != len(relaxed_hartree):
        raise InputError(
            f"deformation_energies: {len(in_complex_hartree)} in-complex and {len(relaxed_hartree)} relaxed "
            "energies"
        )
    deform = [float(a) - float(b) for a, b in zip(in_complex_hartree, relaxed_hartree, strict=True)]
    out: dict[str, Any] = {
        "names": list(names) if names is not None else [f"fragment{k}" for k in range(len(deform))],
        "deformation_hartree": deform,
        "total_deformation_hartree": sum(deform),
    }
    for name, value in zip(out["names"], deform, strict=True):
        if value < -1e-6:
            log.warning(
                "fragment %s: negative deformation energy %.2e Ha: its 'relaxed' structure is not its "
                "lowest minimum (the complex geometry is lower); re-optimize the free fragment from there",
                name,
                value,
            )
    if e_complex_hartree is not None:
        e_int = sum(map(float, in_complex_hartree)) - e_complex_hartree
        e_bind = sum(map(float, relaxed_hartree)) - e_complex_hartree
        out["interaction_raw_hartree"] = e_int
        out["binding_hartree"] = e_bind
        out["identity_residual_hartree"] = (e_int - e_bind) - out["total_deformation_hartree"]
    return out


def _energy_level(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in data.items()
        if k not in _NOT_ENERGY_KEYS and not k.startswith("opt_") and v is not None
    }


def complex_energy_spec(complex_result: CalcResult, level: LevelOfTheory) -> CalcSpec:
    """The single point of an (optimized) complex record at ``level``: the complex spec whose
    fragments ``counterpoise_specs`` cuts out."""
    return CalcSpec(
        symbols=tuple(complex_result.symbols),
        coordinates_angstrom=coordinate_rows(complex_result.coordinates_angstrom),
        charge=complex_result.charge,
        multiplicity=complex_result.multiplicity,
        level=level.single_point_level(),
        task="energy",
        label=complex_result.label or "complex",
    )


def electronic_level(level: LevelOfTheory) -> LevelOfTheory:
    """``level`` without its empirical dispersion: the level of the full-basis (ghost-atom) single
    points, since dispersion depends on the nuclei only and stays outside the counterpoise term."""
    return dataclasses.replace(level, dispersion=None) if level.dispersion else level


def counterpoise_single_points(
    complex_result: CalcResult,
    charges_mults: Mapping[str, tuple[int, int]] | Sequence[tuple[int, int]],
    level: LevelOfTheory,
) -> list[CalcSpec]:
    """Every single point ``run_counterpoise`` computes for ``complex_result`` (its own fragments) at
    ``level``, full basis and own basis of each fragment in turn, as it runs them (full-basis ones
    without dispersion): their content hashes find them in the cache."""
    electronic = electronic_level(level)
    fragments = record_fragments(complex_result)
    specs = counterpoise_specs(complex_energy_spec(complex_result, level), fragments, charges_mults)
    return [s for fs in specs for s in (dataclasses.replace(fs.full_basis, level=electronic), fs.own_basis)]


def record_fragments(complex_result: CalcResult) -> list[tuple[str, list[int]]]:
    """A complex record's own fragments (the cluster builder writes them) as (name, atom indices)."""
    return [(f["name"], list(f["atom_indices"])) for f in complex_result.fragments]


def check_counterpoise_level(level: LevelOfTheory) -> None:
    """Refuse implicit-solvent levels: the ghost atoms would enter the solvent cavity, and separating
    them is not implemented, so a BSSE computed there would be contaminated."""
    if level.solvent_model:
        raise InputError(
            f"counterpoise at level '{level.name}': levels with implicit solvent are not supported; "
            "run counterpoise at the same level in the gas phase"
        )


def complex_energy_reusable(complex_result: CalcResult, level: LevelOfTheory) -> bool:
    """Whether the complex record's own energy is the single point at ``level``: it was computed with
    the same energy-determining settings (optimization-only settings and names aside)."""
    return _energy_level(complex_result.level) == _energy_level(level.to_dict())


def fragment_row(
    fs: FragmentSpecs,
    own: CalcResult,
    full: CalcResult,
    dispersion_hartree: float,
    dispersion: str | None,
    relaxed: CalcResult | float | None = None,
) -> dict[str, Any]:
    """One fragment's line of the analysis from its own-basis and full-basis (ghost-atom, no
    dispersion) single points: the fragment's own dispersion energy ``dispersion_hartree`` (0 without
    ``dispersion``) is added to the full-basis energy, so it cancels in the BSSE (SCIENCE.md §2)."""
    row: dict[str, Any] = {
        "name": fs.name,
        "atom_indices": list(fs.atom_indices),
        "charge": fs.charge,
        "multiplicity": fs.multiplicity,
        "own_basis_hartree": own.energy_hartree,
        "full_basis_hartree": full.energy_hartree + dispersion_hartree,
        "bsse_hartree": own.energy_hartree - (full.energy_hartree + dispersion_hartree),
        "own_basis_spec_hash": own.spec_hash,
        "full_basis_spec_hash": full.spec_hash,
    }
    if dispersion:
        row["dispersion_hartree"] = dispersion_hartree
    if relaxed is not None:
        row["relaxed_hartree"] = float(relaxed.energy_hartree if isinstance(relaxed, CalcResult) else relaxed)
    return row


def counterpoise_summary(
    complex_label: str,
    e_complex_hartree: float,
    complex_source: str,
    level: LevelOfTheory,
    rows: list[dict[str, Any]],
    complex_dispersion_hartree: float | None = None,
    relaxed: bool = False,
) -> dict[str, Any]:
    """The counterpoise analysis of one complex from its energy and its fragments' rows
    (``fragment_row``): the totals of ``counterpoise_binding``, with dispersion its share of the frozen
    interaction (``complex_dispersion_hartree`` is the complex's own), with ``relaxed`` rows the
    deformation and relaxed binding energies; each total also in eV and kcal/mol, then the
    definitions. ``rows`` gain their ``deformation_hartree``."""
    out: dict[str, Any] = {
        "complex": complex_label,
        "complex_energy_hartree": e_complex_hartree,
        "complex_energy_source": complex_source,
        "dispersion": level.dispersion,
        "level": level.to_dict(),
        "fragments": rows,
        **counterpoise_binding(e_complex_hartree, rows),
    }
    if level.dispersion:
        # dispersion share of the frozen interaction energy (positive = attractive)
        out["interaction_dispersion_hartree"] = (
            sum(r["dispersion_hartree"] for r in rows) - complex_dispersion_hartree
        )
    if relaxed:
        deform = deformation_energies(
            [r["own_basis_hartree"] for r in rows],
            [r["relaxed_hartree"] for r in rows],
            e_complex_hartree,
            [r["name"] for r in rows],
        )
        for row, value in zip(rows, deform["deformation_hartree"], strict=True):
            row["deformation_hartree"] = value
        out["total_deformation_hartree"] = deform["total_deformation_hartree"]
        out["binding_hartree"] = deform["binding_hartree"]
        out["binding_cp_hartree"] = deform["binding_hartree"] - out["bsse_hartree"]
        out["identity_residual_hartree"] = deform["identity_residual_hartree"]
    for key in [k for k in out if k.endswith("_hartree") and k != "complex_energy_hartree"]:
        stem = key.removesuffix("_hartree")
        out[f"{stem}_ev"] = hartree_to_ev(out[key])
        out[f"{stem}_kcal_per_mol"] = hartree_to_kcal_per_mol(out[key])
    out["definitions"] = DEFINITIONS
    return out
