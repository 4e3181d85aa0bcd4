"""Matplotlib figures: binding energies next to the paper's values, and pictures of clusters (3D
structures projected along their principal axes, drawn back to front) with the ion and its donor
atoms highlighted."""

from __future__ import annotations

from collections.abc import Sequence
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

# re-exported: the HTML summary page lives in compchem.report.summary (no matplotlib there)
from compchem.report.summary import summary_html  # noqa: E402, F401


def plot_binding(rows: list[dict[str, Any]], level_label: str, paths: Sequence[str | Path]) -> None:
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
    # headroom above the tallest bar for the legend, so that it never covers a bar
    top = np.nanmax([*ours, *paper, 0.1])
    ax.set_ylim(0, 1.3 * top)
    ax.legend(fontsize=8, frameon=False, loc="upper left", ncols=2)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    for path in paths:
        fig.savefig(path, dpi=150)
    plt.close(fig)


def _rotation(axis: int, degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    c, s = np.cos(a), np.sin(a)
    i, j = [k for k in range(3) if k != axis]
    rot = np.eye(3)
    rot[i, i], rot[i, j], rot[j, i], rot[j, j] = c, -s, s, c
    return rot


def _overlap(xyz: np.ndarray, heavy: np.ndarray) -> float:
    """How much heavy atoms hide each other in the picture: the sum, over pairs closer than 1 Å in
    the projection, of how much closer they are."""
    flat = xyz[heavy, :2]
    d = np.linalg.norm(flat[:, None, :] - flat[None, :, :], axis=-1)
    return float(np.clip(1.0 - d[np.triu_indices(len(flat), 1)], 0.0, None).sum())


def view_coordinates(xyz: np.ndarray, symbols: list[str] | None = None) -> np.ndarray:
    """Coordinates turned so that the picture shows the most of the structure: centred on the ion
    (atom 0), the axis of largest spread horizontal, the next vertical, the smallest towards the
    viewer (principal axes of the positions; a right-handed frame, so nothing is mirrored). Given
    ``symbols``, the view is then tilted by up to 30° about the two picture axes where that hides
    fewer heavy atoms behind each other (``_overlap``)."""
    centred = xyz - xyz[0]
    if len(xyz) < 3:
        return centred
    spread = centred - centred.mean(axis=0)
    _, vectors = np.linalg.eigh(spread.T @ spread)
    axes = vectors[:, ::-1]  # largest spread first
    if np.linalg.det(axes) < 0:
        axes[:, 2] = -axes[:, 2]
    view = centred @ axes
    if symbols is None:
        return view
    heavy = np.array([s != "H" for s in symbols])
    tilts = [(a, b) for a in (0, 15, -15, 30, -30) for b in (0, 15, -15, 30, -30)]  # untilted first
    turned = [view @ _rotation(0, a).T @ _rotation(1, b).T for a, b in tilts]
    return min(turned, key=lambda t: _overlap(t, heavy) - 1e-9)  # min keeps the first of equals


def _label_position(start: np.ndarray, end: np.ndarray, placed: list[np.ndarray]) -> np.ndarray:
    """Where a contact's distance label goes (picture coordinates, Å): on the contact, nearest its
    middle, at least 0.5 Å from the labels ``placed`` before it (two contacts that overlap in the
    projection would otherwise print their distances on top of each other); appended to ``placed``."""
    direction = end - start
    normal = np.array([-direction[1], direction[0]]) / max(np.linalg.norm(direction), 1e-9)
    tries = [start + f * direction + o * normal for o in (0.0, 0.35, -0.35) for f in (0.5, 0.65, 0.35, 0.8)]
    best = next((t for t in tries if all(np.linalg.norm(t - q) >= 0.5 for q in placed)), tries[0])
    placed.append(best)
    return best


def render_cluster(record: CalcResult, path: str | Path, title: str = "") -> None:
    """Ball-and-stick picture, orthographic and drawn back to front: the ion large and violet, donor
    atoms ringed in black, ion–donor contacts dashed with their distances (Å), the structure turned
    to its principal axes (tilted where that hides fewer atoms) and filling the frame."""
    symbols = record.symbols
    xyz = view_coordinates(np.asarray(record.coordinates_angstrom, dtype=float), list(symbols))
    contacts = ion_contacts(symbols, xyz, record.fragments) if len(symbols) > 1 else []
    donors = {c["index"] for c in contacts}
    radii = np.array([covalent_radii[atomic_numbers[s]] for s in symbols])
    # drawn radii (Å): the ion and heavy atoms large, H small
    drawn = np.where(np.array(symbols) == "H", 0.17, 0.3)
    drawn[0] = 0.45
    lo = (xyz[:, :2] - drawn[:, None]).min(axis=0)
    hi = (xyz[:, :2] + drawn[:, None]).max(axis=0)
    pad = np.clip(3.0 - (hi - lo), 0.0, None) / 2  # at least 3 Å each way: a lone ion stays an atom
    lo, hi = lo - pad, hi + pad
    width, height = hi - lo
    scale = 4.6 / max(width, height, 2.0)  # inches per Å: the larger side fills the figure
    fig = plt.figure(figsize=(max(width * scale, 3.0) + 0.4, max(height * scale, 2.4) + 1.0))
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96 - 0.8 / fig.get_figheight()))
    depth = xyz[:, 2]
    z_range = max(np.ptp(depth), 1e-6)

    def zorder(z: float) -> float:  # farther (smaller z) first
        return 1 + 10 * (z - depth.min()) / z_range

    for i in range(len(symbols)):
        for j in range(i + 1, len(symbols)):
            if i == 0 and len(symbols) > 1 and record.fragments:
                continue  # ion–ligand contacts are drawn separately
            if np.linalg.norm(xyz[i] - xyz[j]) < 1.2 * (radii[i] + radii[j]):
                z = min(depth[i], depth[j])
                ax.plot(
                    *zip(xyz[i, :2], xyz[j, :2], strict=True), color="0.45", lw=2.2, zorder=zorder(z) - 0.05
                )
    placed: list[np.ndarray] = []
    for c in contacts:
        j = c["index"]
        z = min(depth[0], depth[j])
        ax.plot(
            *zip(xyz[0, :2], xyz[j, :2], strict=True),
            color="#7d3c98",
            lw=1.4,
            ls="--",
            zorder=zorder(z) - 0.05,
        )
        label_x, label_y = _label_position(xyz[0, :2], xyz[j, :2], placed)
        ax.text(
            label_x,
            label_y,
            f"{c['distance_angstrom']:.2f}",
            fontsize=7,
            color="#5b2c6f",
            ha="center",
            va="center",
            zorder=20,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    for i in np.argsort(depth):
        color = (0.49, 0.24, 0.6) if i == 0 else jmol_colors[atomic_numbers[symbols[i]]]
        ax.add_patch(
            plt.Circle(
                (xyz[i, 0], xyz[i, 1]),
                drawn[i],
                facecolor=color,
                edgecolor="black" if i in donors else "0.3",
                linewidth=2.2 if i in donors else 0.6,
                zorder=zorder(depth[i]),
            )
        )
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal")
    ax.set_axis_off()
    cn = f"CN {len(contacts)}: " + ", ".join(f"{c['fragment']}:{c['element']}{c['atom']}" for c in contacts)
    cn = cn if contacts else ""
    fig.suptitle(f"{title or record.label}\n{cn}", fontsize=8, y=0.995, va="top")
    fig.savefig(path, dpi=150)
    plt.close(fig)


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
