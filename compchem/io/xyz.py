"""XYZ text: write and read (coordinates in Å)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from compchem.errors import ParseError


def format_xyz(
    symbols: Sequence[str], coordinates_angstrom: Iterable[Iterable[float]], comment: str = ""
) -> str:
    """XYZ file text for one structure."""
    lines = [str(len(symbols)), comment.replace("\n", " ")]
    for s, (x, y, z) in zip(symbols, coordinates_angstrom, strict=True):
        lines.append(f"{s:<2s} {x:14.8f} {y:14.8f} {z:14.8f}")
    return "\n".join(lines) + "\n"


def parse_xyz(text: str, single: bool = False) -> tuple[list[str], list[list[float]], str]:
    """Symbols, coordinates (Å) and comment of the first structure in XYZ text. With ``single`` the
    text must hold exactly one structure: atom lines beyond the count line's number are an error (a
    count that disagrees with the atoms would otherwise silently drop atoms)."""
    lines = text.splitlines()
    try:
        n = int(lines[0].split()[0])
        comment = lines[1] if len(lines) > 1 else ""
        symbols, coords = [], []
        for line in lines[2 : 2 + n]:
            parts = line.split()
            symbols.append(parts[0])
            coords.append([float(v) for v in parts[1:4]])
    except (IndexError, ValueError) as exc:
        raise ParseError(f"not a valid XYZ text: {exc}") from exc
    if len(symbols) != n:
        raise ParseError(f"XYZ text announces {n} atoms but has {len(symbols)}")
    rest = [line for line in lines[2 + n :] if line.strip()]
    if single and rest:
        raise ParseError(
            f"the XYZ count line says {n} atom(s) but {n + len(rest)} lines follow the comment line; "
            "fix the count (one structure per file)"
        )
    return symbols, coords, comment
