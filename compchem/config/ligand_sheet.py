"""The ligand sheet: a tab-separated file of ligand names, SMILES, charges and descriptions (optional
multiplicity and curated geometry), read into ``LigandDef``s with an InputError naming the sheet, row
and column; and the check that a curated starting geometry holds the same atoms as its SMILES."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from compchem.config.definitions import LigandDef
from compchem.errors import InputError, ParseError
from compchem.held import parse_held_distances
from compchem.io.xyz import parse_xyz

SHEET_COLUMNS = ("name", "smiles", "charge", "description")
#: Optional columns: multiplicity (default 1); geometry, a curated starting structure (.xyz, path
#: relative to the sheet) that replaces the RDKit/xTB build of a free ligand; held_distances_angstrom,
#: distances held in every relaxation (``a-b=value; ...``, atom-map numbers of the SMILES, ``compchem.held``).
SHEET_OPTIONAL_COLUMNS = ("multiplicity", "geometry", "held_distances_angstrom")


def read_ligand_sheet(path: str | Path) -> list[LigandDef]:
    """Read the tab-separated ligand sheet (``#`` lines are comments).

    Required columns: name, smiles, charge, description; optional: multiplicity.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"ligand sheet {path} does not exist")
    lines = [ln for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t")
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in SHEET_COLUMNS if c not in header]
    unknown = [c for c in header if c not in (*SHEET_COLUMNS, *SHEET_OPTIONAL_COLUMNS)]
    if missing or unknown:
        raise InputError(
            f"ligand sheet {path}: missing column(s) {missing}, unknown column(s) "
            f"{unknown}; expected tab-separated {list(SHEET_COLUMNS)} "
            f"(+ optional {list(SHEET_OPTIONAL_COLUMNS)})"
        )
    out = []
    for lineno, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        where = f"ligand sheet {path.name} row {lineno} ('{row.get('name', '')}')"
        try:
            charge = int(row["charge"] or 0)
            mult = int(row.get("multiplicity") or 1)
        except ValueError:
            raise InputError(f"{where}: charge and multiplicity must be integers") from None
        geometry = str(path.parent / row["geometry"]) if row.get("geometry") else ""
        held = parse_held_distances(row.get("held_distances_angstrom", ""), row["smiles"], where)
        out.append(
            LigandDef(row["name"], row["smiles"], charge, mult, row["description"], where, geometry, held)
        )
    return out


def check_curated_geometry(lig: LigandDef, smiles_symbols: list[str]) -> None:
    """A curated .xyz must exist, parse, and hold the same atoms as the SMILES (any order)."""
    path = Path(lig.geometry)
    if not path.exists():
        raise InputError(f"ligand '{lig.name}' ({lig.source}): geometry file {path} does not exist")
    try:
        symbols, _, _ = parse_xyz(path.read_text())
    except ParseError as exc:
        raise InputError(f"ligand '{lig.name}' ({lig.source}): {path}: {exc}") from None
    if sorted(symbols) != sorted(smiles_symbols):
        raise InputError(
            f"ligand '{lig.name}' ({lig.source}): geometry {path.name} has atoms {''.join(sorted(symbols))}, "
            f"the SMILES {lig.smiles!r} has {''.join(sorted(smiles_symbols))}"
        )
