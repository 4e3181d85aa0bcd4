"""Config files and paths named in them: one YAML file read into a mapping, with an InputError naming
the file (and the line of a YAML syntax error) for every way it can be unusable, and a relative path
(ligand sheet, curated geometry) resolved against the directories a run looks in, in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from compchem.errors import InputError


def load_config_file(path: str | Path) -> dict[str, Any]:
    """One YAML config file as a mapping; an InputError naming the file when it is missing, empty, not
    YAML (with the line), or not a mapping of keys (e.g. a YAML list)."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise InputError(f"config file {path} does not exist") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"config file {path} is not valid YAML{where}: {problem}") from None
    if data is None:
        raise InputError(f"config file {path} is empty (Snakemake refuses an empty config file too)")
    if not isinstance(data, dict):
        raise InputError(
            f"config file {path} must hold a mapping of config keys (e.g. `clusters:`), found a "
            f"{type(data).__name__}"
        )
    return data


def resolve_path(path: str, base_dirs: list[Path]) -> Path:
    """``path`` itself if absolute, else under the first of ``base_dirs`` where it exists, else under
    the first one (so that the error names the first place looked)."""
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate
    for base in base_dirs:
        if (base / candidate).exists():
            return base / candidate
    return base_dirs[0] / candidate
