"""The HTML summary page of one level (``summary.html``): a self-contained page a reader opens first.

It shows the level of theory, the software versions, every job's energy, steps and wall time, the
binding table, and where computed the counterpoise/thermochemistry columns, the ligand exchanges and
the temperature scan. The rows are those of the Markdown/CSV tables (``compchem.analysis``); this
module only lays them out, section by section, with every text HTML-escaped.
"""

from __future__ import annotations

import html
from typing import Any

from compchem.analysis.columns import ANALYSIS_MD_COLUMNS, EXCHANGE_DEFINITION, SCAN_COLUMNS, analysed_rows
from compchem.models import CalcResult

esc = html.escape


def _html_table(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    """Rows as an HTML table of ``columns`` (empty cells for values not computed)."""

    def cell(value: Any) -> str:
        if value is None:
            return ""
        return f"{value:.3f}" if isinstance(value, float) else esc(str(value))

    parts = ["<table><tr>" + "".join(f"<th>{esc(c)}</th>" for c in columns) + "</tr>"]
    parts += ["<tr>" + "".join(f"<td>{cell(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows]
    parts.append("</table>")
    return parts


def _level_and_software(level_name: str, records: dict[str, CalcResult]) -> list[str]:
    """The level's settings (the staged pre-optimization in one cell) and the software versions."""
    level = next(iter(records.values())).level
    software = {k: v for r in records.values() for k, v in r.software.items()}
    parts = [f"<h2>Level '{esc(level_name)}'</h2><table>"]
    for key, value in level.items():
        if key == "preopt" and value:
            value = f"{value['name']}: {value['functional']}/{value['basis']} (staged pre-optimization)"
        parts.append(f"<tr><td>{esc(str(key))}</td><td>{esc(str(value))}</td></tr>")
    parts.append("</table><h2>Software</h2><ul>")
    parts += [f"<li>{esc(k)} {esc(str(v))}</li>" for k, v in sorted(software.items())]
    parts.append("</ul>")
    return parts


def _jobs(records: dict[str, CalcResult]) -> list[str]:
    """One row per species: energy, basis functions, steps (per stage) and wall time."""
    parts = [
        "<h2>Jobs</h2><table><tr><th>species</th><th>E (Hartree)</th><th>basis functions</th>"
        "<th>opt steps</th><th>stages</th><th>wall time (s)</th><th>converged</th></tr>"
    ]
    for name, rec in records.items():
        stages = " + ".join(f"{s['level']}:{s['n_opt_steps']}" for s in rec.extra.get("stages", []))
        parts.append(
            f"<tr><td>{esc(name)}</td><td>{rec.energy_hartree:.8f}</td><td>{rec.n_basis_functions}</td>"
            f"<td>{rec.n_opt_steps}</td><td>{esc(stages)}</td><td>{rec.wall_time_s:.1f}</td>"
            f"<td>{rec.converged}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _binding(rows: list[dict[str, Any]]) -> list[str]:
    """The binding table: E_bind, the paper's value and the ion's contacts."""
    parts = [
        "<h2>Binding energies</h2><table><tr><th>cluster</th><th>E_bind (eV)</th>"
        "<th>paper (eV)</th><th>CN</th><th>donors</th><th>Li–X (Å)</th></tr>"
    ]
    for r in rows:
        paper = "" if r["paper_E_bind_eV"] is None else f"{r['paper_E_bind_eV']:.2f}"
        parts.append(
            f"<tr><td>{esc(r['cluster'])}</td><td>{r['E_bind_eV']:.3f}</td><td>{paper}</td>"
            f"<td>{r['coordination_number']}</td><td>{esc(r['donor_contacts'])}</td>"
            f"<td>{esc(r['Li_X_distances_angstrom'])}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _analysis(rows: list[dict[str, Any]]) -> list[str]:
    """Counterpoise, deformation and thermochemistry of the rows that have any."""
    analysed = analysed_rows(rows)
    if not analysed:
        return []
    columns = [
        *ANALYSIS_MD_COLUMNS,
        "frequencies_level",
        "frequencies_geometry",
        "thermo_temperature_K",
        "thermo_standard_state",
    ]
    return ["<h2>Counterpoise, deformation and thermochemistry (eV, positive = bound)</h2>"] + _html_table(
        analysed, columns
    )


def _exchanges(exchanges: list[dict[str, Any]]) -> list[str]:
    if not exchanges:
        return []
    columns = ["reaction", "equation", "dE_exchange_eV", "dE_exchange_kcal_per_mol"]
    columns += [
        "dE_ZPE_exchange_eV",
        "dH_exchange_eV",
        "dG_exchange_eV",
        "frequencies_level",
        "frequencies_geometry",
    ]
    columns += ["thermo_coordination_kept"]
    return [f"<h2>Ligand exchange</h2><p>{esc(EXCHANGE_DEFINITION)}.</p>"] + _html_table(exchanges, columns)


def _scan(scan: list[dict[str, Any]]) -> list[str]:
    if not scan:
        return []
    return [
        "<h2>ΔH and ΔG at other temperatures (eV; binding: positive = bound, exchange: negative = "
        "products favoured)</h2>"
    ] + _html_table(scan, SCAN_COLUMNS)


def summary_html(
    level_name: str,
    records: dict[str, CalcResult],
    rows: list[dict[str, Any]],
    exchanges: list[dict[str, Any]] | None = None,
    scan: list[dict[str, Any]] | None = None,
) -> str:
    """Self-contained HTML page: level of theory, software versions, per-species wall time and steps,
    the binding table (with the counterpoise and thermochemistry columns where computed), the
    ligand-exchange table and the temperature scan of ΔH/ΔG (``thermo_scan_rows``)."""
    parts = _level_and_software(level_name, records)
    parts += _jobs(records)
    parts += _binding(rows)
    parts += _analysis(rows)
    parts += _exchanges(exchanges or [])
    parts += _scan(scan or [])
    return "<html><body>" + "".join(parts) + "</body></html>\n"
