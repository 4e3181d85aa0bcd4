"""Parity of two records of one species (e.g. PySCF vs Gaussian): energy difference (Hartree),
geometry RMSD after optimal superposition (Å, Kabsch), and frequency differences (cm⁻¹)."""

from __future__ import annotations

from typing import Any

import numpy as np

from compchem.chem import kabsch_rmsd
from compchem.errors import InputError
from compchem.models import CalcResult


def geometry_change(
    symbols: list[str],
    fragments: list[dict[str, Any]],
    before: np.ndarray,
    after: np.ndarray,
) -> dict[str, Any]:
    """How far a structure moved between two optimizations of it (e.g. the paper-level minimum and
    its re-optimization at a cheaper frequencies level): RMSD after superposition (Å) and, for a
    cluster (more than one fragment, the ion at index 0), the ion's coordination before and after
    (donors within the contact cutoff of ``ion_contacts``). ``coordination_kept`` is False when the
    set of donor atoms changed: the structure then sits in another minimum; None without two
    fragments (a free ligand, or a record without fragment information)."""
    from compchem.build.cluster import ion_contacts

    out: dict[str, Any] = {"rmsd_angstrom": round(kabsch_rmsd(before, after), 4)}
    if len(fragments) < 2:
        return {**out, "coordination_kept": None}
    donors = []
    for coords in (before, after):
        contacts = ion_contacts(symbols, np.asarray(coords, float), fragments)
        donors.append(sorted(c["index"] for c in contacts))
    return {
        **out,
        "coordination_number_before": len(donors[0]),
        "coordination_number_after": len(donors[1]),
        "donors_before": donors[0],
        "donors_after": donors[1],
        "coordination_kept": donors[0] == donors[1],
    }


def compare_records(a: CalcResult, b: CalcResult) -> dict[str, Any]:
    """Energy difference ``b − a`` (Hartree), geometry RMSD (Å) and frequency differences (cm⁻¹)."""
    if list(a.symbols) != list(b.symbols):
        raise InputError(f"parity: {a.label} and {b.label} do not have the same atoms in the same order")
    out: dict[str, Any] = {
        "species": a.label,
        "programs": [f"{a.program} {a.program_version}", f"{b.program} {b.program_version}"],
        "energy_difference_hartree": b.energy_hartree - a.energy_hartree,
        "geometry_rmsd_angstrom": kabsch_rmsd(
            np.asarray(a.coordinates_angstrom), np.asarray(b.coordinates_angstrom)
        ),
    }
    fa, fb = a.extra.get("frequencies_cm1") or [], b.extra.get("frequencies_cm1") or []
    if fa and fb and len(fa) == len(fb):
        diff = np.sort(fb) - np.sort(fa)
        out["frequency_max_abs_difference_cm1"] = float(np.abs(diff).max())
        out["frequency_mean_abs_difference_cm1"] = float(np.abs(diff).mean())
    return out


def format_parity(result: dict[str, Any]) -> str:
    """Human-readable parity report."""
    lines = [
        f"species {result['species']}: {result['programs'][0]} vs {result['programs'][1]}",
        f"  energy difference: {result['energy_difference_hartree']:+.2e} Ha",
        f"  geometry RMSD:     {result['geometry_rmsd_angstrom']:.4f} Å",
    ]
    if "frequency_max_abs_difference_cm1" in result:
        lines.append(
            f"  frequencies: max |Δ| {result['frequency_max_abs_difference_cm1']:.1f} cm-1, "
            f"mean |Δ| {result['frequency_mean_abs_difference_cm1']:.1f} cm-1"
        )
    return "\n".join(lines)
