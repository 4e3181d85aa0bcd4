"""The figure of the linker-model x PDOL-model study (``plots/model_study.png``): grouped bars of the
four binding energies per model combination with the paper's values as markers, and below them the
exchange energy Li+(P)2 + 2 L -> Li+(P)(L)2 + P per combination against the zero line (above it, the
paper's ordering (2) holds). The rows are those of ``compchem.analysis.model_study``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from compchem.analysis.model_study import E_BIND_COLUMNS, PAPER_E_BIND_EV, PAPER_EXCHANGE_EV  # noqa: E402

#: legend label and colour of each cluster role
_ROLES = {
    "li_linker": ("Li⁺–L", "#3b6ea8"),
    "li_pdol": ("Li⁺–P", "#d9a441"),
    "li_pdol2": ("Li⁺(P)₂", "#6aa84f"),
    "li_pdol_linker2": ("Li⁺(P)(L)₂", "#a64d79"),
}


def _value(v: float | None) -> float:
    """A bar height: NaN (no bar) for a value not computed yet."""
    return float("nan") if v is None else float(v)


def plot_model_study(rows: list[dict[str, Any]], level_label: str, path: str | Path) -> None:
    """Two panels: E_bind of the four clusters per combination (paper values as black markers), and
    the exchange ΔE per combination with the zero line and the paper's value."""
    labels = [f"{r['linker']}\n{r['pdol']}" for r in rows]
    x = np.arange(len(rows))
    width = 0.2
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(max(5.0, 1.6 * len(rows) + 2.0), 6.4), height_ratios=[2, 1], sharex=True
    )
    for k, (role, column) in enumerate(E_BIND_COLUMNS.items()):
        label, colour = _ROLES[role]
        offset = (k - 1.5) * width
        top.bar(x + offset, [_value(r[column]) for r in rows], width, label=label, color=colour)
        top.plot(
            x + offset,
            [PAPER_E_BIND_EV[role]] * len(rows),
            "D",
            color="black",
            markersize=4,
            label="paper (ACS Nano 2024)" if k == 0 else None,
        )
    top.set_ylabel("E_bind (eV)")
    top.set_title(f"Linker and PDOL models, {level_label}", fontsize=10)
    computed = [r[c] for r in rows for c in E_BIND_COLUMNS.values() if r[c] is not None]
    peak = max(computed + list(PAPER_E_BIND_EV.values()))
    top.set_ylim(min(0.0, 1.3 * min(computed, default=0.0)), 1.3 * peak)  # a repulsive model is < 0
    top.legend(fontsize=8, frameon=False, loc="upper left", ncols=3)
    top.spines[["top", "right"]].set_visible(False)

    exchange = [_value(r["dE_exchange_eV"]) for r in rows]
    bottom.bar(x, exchange, 0.5, color=["#6aa84f" if v > 0 else "#cc4125" for v in exchange])
    for xi, v in zip(x, exchange, strict=True):
        if np.isnan(v):  # a study still running: say so instead of an empty slot
            bottom.text(xi, 0.0, "not run", ha="center", va="bottom", fontsize=7, color="grey")
    bottom.plot(x, [PAPER_EXCHANGE_EV] * len(rows), "D", color="black", markersize=4, label="paper")
    g_solv = [_value(r.get("dG_exchange_solv_eV")) for r in rows]
    if not all(np.isnan(g_solv)):  # the free energy in the solvent, where the run has it
        bottom.plot(x, g_solv, "o", color="#3d85c6", markersize=5, label="ΔG in solvent, 1 M")
    bottom.legend(fontsize=8, frameon=False, loc="best")
    bottom.axhline(0.0, color="black", linewidth=0.8)
    bottom.set_ylabel("exchange (eV)")
    bottom.set_title("ΔE (bars) of Li⁺(P)₂ + 2 L → Li⁺(P)(L)₂ + P (> 0: PDOL-2L < 2PDOL holds)", fontsize=9)
    bottom.set_xticks(x, labels, fontsize=8)
    bottom.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
