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
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import IO, Any

from compchem.errors import InputError
from compchem.models import CalcResult, CalcSpec, LevelOfTheory, Resources
from compchem.records import Cache
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
            coordinates_angstrom=tuple(tuple(complex_spec.coordinates_angstrom[i]) for i in idx),
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


def _dispersion_energy(spec: CalcSpec) -> float:
    from compchem.backends.pyscf_backend import dispersion_energy

    return dispersion_energy(spec)


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
        coordinates_angstrom=tuple(tuple(r) for r in complex_result.coordinates_angstrom),
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
    fragments = [(f["name"], list(f["atom_indices"])) for f in complex_result.fragments]
    specs = counterpoise_specs(complex_energy_spec(complex_result, level), fragments, charges_mults)
    return [s for fs in specs for s in (dataclasses.replace(fs.full_basis, level=electronic), fs.own_basis)]


def run_counterpoise(
    complex_result: CalcResult,
    fragments: Sequence[tuple[str, Sequence[int]]] | None,
    charges_mults: Mapping[str, tuple[int, int]] | Sequence[tuple[int, int]],
    level: LevelOfTheory,
    resources: Resources,
    cache: Cache | None,
    relaxed: Sequence[CalcResult | float] | None = None,
    stream: IO[str] | None = None,
) -> dict[str, Any]:
    """Counterpoise and deformation analysis of one complex record; single points via ``run_cached``.

    Parameters
    ----------
    complex_result : CalcResult
        The (optimized) complex; its geometry is used. Its energy is reused when it was computed at
        ``level`` (same energy-determining settings), otherwise the complex is recomputed at ``level``.
    fragments : sequence of (name, atom indices), or None
        None takes the record's own ``fragments`` (the cluster builder writes them).
    charges_mults : mapping name -> (charge, multiplicity), or a sequence in the order of ``fragments``
    level : LevelOfTheory
        Level of the single points.
    resources : Resources
        Threads and memory.
    cache : Cache, optional
        Single points are cached like any other calculation.
    relaxed : sequence of CalcResult or float, optional
        Each fragment at its own optimized geometry (records or energies in Hartree), in the order of
        ``fragments``, at the same level; gives deformation energies and the relaxed binding energies.
    stream : file, optional
        PySCF's output.

    Returns
    -------
    dict
        ``complex_energy_hartree``, ``fragments`` (per fragment: name, atoms, charge, multiplicity,
        ``own_basis_hartree``, ``full_basis_hartree``, ``bsse_hartree``, spec hashes and, with
        ``relaxed``, ``relaxed_hartree`` and ``deformation_hartree``), the totals of
        ``counterpoise_binding`` (and, with ``relaxed``, ``binding_hartree``, ``binding_cp_hartree``,
        ``total_deformation_hartree``, ``identity_residual_hartree``), each total also in eV and
        kcal/mol, the level and the definitions.
    """
    from compchem.backends.base import run_cached

    if level.solvent_model:
        # ghost atoms would enter the solvent cavity; separating them is not implemented, so refuse
        # rather than report a contaminated BSSE
        raise InputError(
            f"counterpoise at level '{level.name}': levels with implicit solvent are not supported; "
            "run counterpoise at the same level in the gas phase"
        )
    # SCIENCE.md §2: dispersion (D3/D4) depends on the nuclei only and is added outside the
    # counterpoise term: the ghost-atom single points run without it, and each fragment's own
    # dispersion energy is added to both its own- and full-basis energies, so it cancels in the BSSE.
    electronic = electronic_level(level)
    if fragments is None:
        fragments = [(f["name"], list(f["atom_indices"])) for f in complex_result.fragments]
    complex_spec = complex_energy_spec(complex_result, level)
    if _energy_level(complex_result.level) == _energy_level(level.to_dict()):
        e_complex, complex_source = complex_result.energy_hartree, complex_result.spec_hash
    else:
        log.info(
            "%s: complex record is at another level; single point at '%s'", complex_spec.label, level.name
        )
        sp = run_cached(complex_spec, resources, cache, stream)
        e_complex, complex_source = sp.energy_hartree, sp.spec_hash
    specs = counterpoise_specs(complex_spec, fragments, charges_mults)
    if relaxed is not None and len(relaxed) != len(specs):
        raise InputError(f"run_counterpoise: {len(relaxed)} relaxed fragments for {len(specs)} fragments")
    rows = []
    for k, fs in enumerate(specs):
        full = run_cached(dataclasses.replace(fs.full_basis, level=electronic), resources, cache, stream)
        own = run_cached(fs.own_basis, resources, cache, stream)
        e_disp = _dispersion_energy(fs.own_basis) if level.dispersion else 0.0
        row: dict[str, Any] = {
            "name": fs.name,
            "atom_indices": list(fs.atom_indices),
            "charge": fs.charge,
            "multiplicity": fs.multiplicity,
            "own_basis_hartree": own.energy_hartree,
            "full_basis_hartree": full.energy_hartree + e_disp,
            "bsse_hartree": own.energy_hartree - (full.energy_hartree + e_disp),
            "own_basis_spec_hash": own.spec_hash,
            "full_basis_spec_hash": full.spec_hash,
        }
        if level.dispersion:
            row["dispersion_hartree"] = e_disp
        if relaxed is not None:
            r = relaxed[k]
            row["relaxed_hartree"] = float(r.energy_hartree if isinstance(r, CalcResult) else r)
        rows.append(row)
    out: dict[str, Any] = {
        "complex": complex_spec.label,
        "complex_energy_hartree": e_complex,
        "complex_energy_source": complex_source,
        "dispersion": level.dispersion,
        "level": level.to_dict(),
        "fragments": rows,
        **counterpoise_binding(e_complex, rows),
    }
    if level.dispersion:
        # dispersion share of the frozen interaction energy (positive = attractive)
        out["interaction_dispersion_hartree"] = sum(
            r["dispersion_hartree"] for r in rows
        ) - _dispersion_energy(complex_spec)
    if relaxed is not None:
        deform = deformation_energies(
            [r["own_basis_hartree"] for r in rows],
            [r["relaxed_hartree"] for r in rows],
            e_complex,
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
    log.info(
        "%s: interaction raw %.4f eV, BSSE %.4f eV, CP-corrected %.4f eV",
        complex_spec.label,
        out["interaction_raw_ev"],
        out["bsse_ev"],
        out["interaction_cp_ev"],
    )
    return out
