"""Plain-text lines of ``compchem table`` for the terminal.

The files of a level (CSV, Markdown, JSON, HTML) are written by the workflow; the command line shows
the same rows in a compact form: one line per cluster with its energy, the paper's value, the pose
spread and the donor contacts, then the pose lines, the optional thermochemistry and counterpoise
columns and the exchange reactions. Only formatting lives here.
"""

from __future__ import annotations

from typing import Any

#: the optional columns printed after the binding lines, where computed
THERMO_COLUMNS = ("E_bind_ZPE_eV", "dH_bind_eV", "dG_bind_eV", "BSSE_eV", "E_bind_CP_eV", "E_deformation_eV")


def binding_lines(rows: list[dict[str, Any]]) -> list[str]:
    """A header and one line per binding row: E_bind, paper value, poses, spread, CN and donors."""
    lines = [
        f"{'cluster':<16s} {'E_bind_eV':>9s} {'paper_eV':>8s} {'poses':>5s} {'spread_eV':>9s} {'CN':>3s}"
        "  donors (Li–X Å)"
    ]
    for r in rows:
        paper = "" if r["paper_E_bind_eV"] is None else f"{r['paper_E_bind_eV']:.2f}"
        n_poses = "" if r["n_poses_dft"] is None else str(r["n_poses_dft"])
        spread = "" if r["E_bind_spread_eV"] is None else f"{r['E_bind_spread_eV']:.3f}"
        donors = ", ".join(
            f"{d} {x}"
            for d, x in zip(
                r["donor_contacts"].split("; "), r["Li_X_distances_angstrom"].split("; "), strict=False
            )
        )
        lines.append(
            f"{r['cluster']:<16s} {r['E_bind_eV']:>9.3f} {paper:>8s} {n_poses:>5s} {spread:>9s} "
            f"{r['coordination_number']:>3d}  {donors}"
        )
    return lines


def thermo_lines(rows: list[dict[str, Any]]) -> list[str]:
    """One line per row with any thermochemistry or counterpoise value."""
    return [
        f"{r['cluster']}: " + ", ".join(f"{c} {r[c]}" for c in THERMO_COLUMNS if r[c] is not None)
        for r in rows
        if any(r[c] is not None for c in THERMO_COLUMNS)
    ]


def exchange_lines(exchanges: list[dict[str, Any]]) -> list[str]:
    """One line per exchange row: equation, ΔE and (where computed) ΔG."""
    lines = []
    for x in exchanges:
        dg = "" if x["dG_exchange_eV"] is None else f", dG_exchange_eV {x['dG_exchange_eV']}"
        lines.append(f"exchange {x['reaction']}: {x['equation']}: dE_exchange_eV {x['dE_exchange_eV']}{dg}")
    return lines
