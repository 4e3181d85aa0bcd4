"""The validated species definitions a plan is made of: ligands (from the sheet, the config or an
oligomer series), clusters of the ion with ligands, and exchange reactions between computed species.
Frozen, so that a plan's definitions cannot drift from what was checked."""

from __future__ import annotations

from dataclasses import dataclass

from compchem.held import HeldDistance


@dataclass(frozen=True)
class LigandDef:
    """A ligand: name, SMILES, total charge, multiplicity and where it was defined; optionally a
    curated starting geometry, or distances held in every relaxation (``compchem.held``: 0-based
    SMILES atom indices and value, Å)."""

    name: str
    smiles: str
    charge: int = 0
    multiplicity: int = 1
    description: str = ""
    source: str = ""
    geometry: str = ""
    held_distances: tuple[HeldDistance, ...] = ()


@dataclass(frozen=True)
class ClusterDef:
    """The ion with ligands; ``charge`` = ion charge + sum of ligand charges."""

    name: str
    ligands: tuple[str, ...]
    charge: int
    multiplicity: int = 1
    paper_value_ev: float | None = None
    paper_label: str = ""
    description: str = ""
    #: searched poses optimized with DFT (None: ``build.n_poses``, or every kept pose with ``motif_poses``)
    dft_poses: int | None = None
    #: the pose search also keeps the best pose of every coordination motif beyond the ``n_poses`` lowest
    motif_poses: bool = False


@dataclass(frozen=True)
class ExchangeDef:
    """A reaction between computed species; each list repeats a species as often as it appears."""

    name: str
    reactants: tuple[str, ...]
    products: tuple[str, ...]
    description: str = ""
