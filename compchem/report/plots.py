"""Matplotlib figures: binding energies next to the paper's values, and 3D pictures of clusters
with the ion and its donor atoms highlighted."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from ase.data import atomic_numbers, covalent_radii  # noqa: E402
from ase.data.colors import jmol_colors  # noqa: E402

from compchem.build.cluster import ion_contacts  # noqa: E402
from compchem.models import CalcResult  # noqa: E402


def plot_binding(rows: list[dict[str, Any]], level_label: str, paths: list[str | Path]) -> None:
    """Grouped bars: E_bind (eV) per cluster from this workflow and, where given, the paper's."""
    names = [r["cluster"] for r in rows]
    ours = [r["E_bind_eV"] for r in rows]
    paper = [r["paper_E_bind_eV"] if r["paper_E_bind_eV"] is not None else np.nan for r in rows]
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(max(4.0, 1.4 * len(rows) + 1.5), 3.8))
    ax.bar(x - 0.2, ours, 0.4, label=f"compchem, {level_label}", color="#3b6ea8")
    ax.bar(x + 0.2, paper, 0.4, label="paper (ACS Nano 2024)", color="#d9a441")
    for xi, value in zip(x, ours, strict=True):
        ax.text(xi - 0.2, value + 0.05, f"{value:.2f}", ha="center", va="bottom", fontsize=8)
    for xi, value in zip(x, paper, strict=True):
        if np.isfinite(value):
            ax.text(xi + 0.2, value + 0.05, f"{value:.2f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, names, rotation=20, ha="right")
    ax.set_ylabel("E_bind (eV)")
    ax.set_title("Li⁺ binding energy: E(Li⁺) + ΣE(L) − E(complex)", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    for path in paths:
        fig.savefig(path, dpi=150)
    plt.close(fig)


def render_cluster(record: CalcResult, path: str | Path, title: str = "") -> None:
    """3D ball-and-stick picture: the ion large and violet, donor atoms ringed in black, ion–donor
    contacts dashed with their distances (Å)."""
    symbols = record.symbols
    xyz = np.asarray(record.coordinates_angstrom)
    xyz = xyz - xyz[0]
    contacts = ion_contacts(symbols, xyz, record.fragments) if len(symbols) > 1 else []
    donors = {c["index"] for c in contacts}
    radii = np.array([covalent_radii[atomic_numbers[s]] for s in symbols])
    fig = plt.figure(figsize=(4.2, 4.2))
    ax = fig.add_subplot(projection="3d")
    for i in range(len(symbols)):
        for j in range(i + 1, len(symbols)):
            if i == 0 and len(symbols) > 1 and record.fragments:
                continue  # ion–ligand contacts are drawn separately
            if np.linalg.norm(xyz[i] - xyz[j]) < 1.2 * (radii[i] + radii[j]):
                ax.plot(*zip(xyz[i], xyz[j], strict=True), color="0.45", lw=1.5)
    for c in contacts:
        j = c["index"]
        ax.plot(*zip(xyz[0], xyz[j], strict=True), color="#7d3c98", lw=1.2, ls="--")
        mid = (xyz[0] + xyz[j]) / 2
        ax.text(*mid, f"{c['distance_angstrom']:.2f}", fontsize=6, color="#7d3c98")
    colors = [jmol_colors[atomic_numbers[s]] for s in symbols]
    sizes = [500 if i == 0 else 160 if s != "H" else 60 for i, s in enumerate(symbols)]
    colors[0] = (0.49, 0.24, 0.6)
    edge = ["black" if i in donors else "0.3" for i in range(len(symbols))]
    widths = [2.0 if i in donors else 0.4 for i in range(len(symbols))]
    ax.scatter(*xyz.T, s=sizes, c=colors, edgecolors=edge, linewidths=widths, depthshade=False, alpha=1.0)
    span = max(np.abs(xyz).max(), 1.0)
    ax.set(xlim=(-span, span), ylim=(-span, span), zlim=(-span, span))
    ax.set_box_aspect((1, 1, 1))
    ax.set_axis_off()
    cn = f"CN {len(contacts)}: " + ", ".join(f"{c['fragment']}:{c['element']}{c['atom']}" for c in contacts)
    ax.set_title(f"{title or record.label}\n{cn}", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def _html_table(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    """Rows as an HTML table of ``columns`` (empty cells for values not computed)."""
    esc = html.escape

    def cell(value: Any) -> str:
        if value is None:
            return ""
        return f"{value:.3f}" if isinstance(value, float) else esc(str(value))

    parts = ["<table><tr>" + "".join(f"<th>{esc(c)}</th>" for c in columns) + "</tr>"]
    parts += ["<tr>" + "".join(f"<td>{cell(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows]
    parts.append("</table>")
    return parts


def summary_html(
    level_name: str,
    records: dict[str, CalcResult],
    rows: list[dict[str, Any]],
    exchanges: list[dict[str, Any]] | None = None,
) -> str:
    """Self-contained HTML page: level of theory, software versions, per-species wall time and steps,
    the binding table (with the counterpoise and thermochemistry columns where computed) and the
    ligand-exchange table."""
    from compchem.analysis.binding import ANALYSIS_MD_COLUMNS, EXCHANGE_DEFINITION, analysed_rows

    any_rec = next(iter(records.values()))
    level = any_rec.level
    software = {k: v for r in records.values() for k, v in r.software.items()}
    esc = html.escape
    parts = [f"<h2>Level '{esc(level_name)}'</h2><table>"]
    for key, value in level.items():
        if key == "preopt" and value:
            value = f"{value['name']}: {value['functional']}/{value['basis']} (staged pre-optimization)"
        parts.append(f"<tr><td>{esc(str(key))}</td><td>{esc(str(value))}</td></tr>")
    parts.append("</table><h2>Software</h2><ul>")
    parts += [f"<li>{esc(k)} {esc(str(v))}</li>" for k, v in sorted(software.items())]
    parts.append(
        "</ul><h2>Jobs</h2><table><tr><th>species</th><th>E (Hartree)</th><th>basis functions</th>"
        "<th>opt steps</th><th>stages</th><th>wall time (s)</th><th>converged</th></tr>"
    )
    for name, rec in records.items():
        stages = " + ".join(f"{s['level']}:{s['n_opt_steps']}" for s in rec.extra.get("stages", []))
        parts.append(
            f"<tr><td>{esc(name)}</td><td>{rec.energy_hartree:.8f}</td><td>{rec.n_basis_functions}</td>"
            f"<td>{rec.n_opt_steps}</td><td>{esc(stages)}</td><td>{rec.wall_time_s:.1f}</td>"
            f"<td>{rec.converged}</td></tr>"
        )
    parts.append(
        "</table><h2>Binding energies</h2><table><tr><th>cluster</th><th>E_bind (eV)</th>"
        "<th>paper (eV)</th><th>CN</th><th>donors</th><th>Li–X (Å)</th></tr>"
    )
    for r in rows:
        paper = "" if r["paper_E_bind_eV"] is None else f"{r['paper_E_bind_eV']:.2f}"
        parts.append(
            f"<tr><td>{esc(r['cluster'])}</td><td>{r['E_bind_eV']:.3f}</td><td>{paper}</td>"
            f"<td>{r['coordination_number']}</td><td>{esc(r['donor_contacts'])}</td>"
            f"<td>{esc(r['Li_X_distances_angstrom'])}</td></tr>"
        )
    parts.append("</table>")
    analysed = analysed_rows(rows)
    if analysed:
        parts.append("<h2>Counterpoise, deformation and thermochemistry (eV, positive = bound)</h2>")
        parts += _html_table(
            analysed,
            [*ANALYSIS_MD_COLUMNS, "frequencies_level", "thermo_temperature_K", "thermo_standard_state"],
        )
    if exchanges:
        parts.append(f"<h2>Ligand exchange</h2><p>{esc(EXCHANGE_DEFINITION)}.</p>")
        columns = ["reaction", "equation", "dE_exchange_eV", "dE_exchange_kcal_per_mol"]
        columns += ["dE_ZPE_exchange_eV", "dH_exchange_eV", "dG_exchange_eV", "frequencies_level"]
        parts += _html_table(exchanges, columns)
    return "<html><body>" + "".join(parts) + "</body></html>\n"


def plot_series(
    rows: list[dict[str, Any]], name: str, members: list[tuple[int, str]], path: str | Path
) -> None:
    """E_bind (eV) against chain length n for one series, with each point's coordination number."""
    by_cluster = {r["cluster"]: r for r in rows}
    points = [(n, by_cluster[c]) for n, c in members if c in by_cluster]
    fig, ax = plt.subplots(figsize=(4.2, 3.2))
    ns = [n for n, _ in points]
    ax.plot(ns, [r["E_bind_eV"] for _, r in points], "o-", color="#3b6ea8")
    for n, r in points:
        ax.annotate(
            f"CN {r['coordination_number']}",
            (n, r["E_bind_eV"]),
            textcoords="offset points",
            xytext=(4, -12),
            fontsize=7,
        )
    ax.set_xticks(ns)
    ax.set_xlabel("repeat units n")
    ax.set_ylabel("E_bind (eV)")
    ax.set_title(f"{name}: Li⁺ binding vs chain length", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
