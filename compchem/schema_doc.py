"""The configuration reference (docs/configuration.md), generated from the config schema's
descriptions and defaults, so that there is one copy of it: ``python -m compchem.schema_doc`` prints
it, ``--write`` writes the file, and a test checks that the committed file is up to date."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from compchem.config import load_schema
from compchem.models import LEVEL_DEFAULTS

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"

HEADER = """# Configuration reference

Generated from `compchem/schemas/config.schema.yaml` by `python -m compchem.schema_doc --write`; do not
edit by hand (`tests/test_docs.py` fails when this file and the schema disagree). A config is merged over
the defaults: lists are replaced, mappings are added to. Unknown keys are errors, reported before any
job starts. Units are in the key names.
"""


def _type(node: dict[str, Any]) -> str:
    if "enum" in node:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in node["enum"])
    if "oneOf" in node:
        return " or ".join(_type(n) for n in node["oneOf"])
    kind = node.get("type", "")
    kinds = kind if isinstance(kind, list) else [kind]
    text = " or ".join(k for k in kinds if k) or "any"
    if "minimum" in node or "exclusiveMinimum" in node or "maximum" in node:
        low = node.get("minimum", node.get("exclusiveMinimum"))
        op = "≥" if "minimum" in node else ">"
        bounds = [f"{op} {low}"] if low is not None else []
        if "maximum" in node:
            bounds.append(f"≤ {node['maximum']}")
        text += f" ({', '.join(bounds)})"
    return text


def _default(node: dict[str, Any], path: str) -> str:
    if path.startswith("levels.*.") and path.split(".")[-1] in LEVEL_DEFAULTS:
        return f"`{json.dumps(LEVEL_DEFAULTS[path.split('.')[-1]])}`"
    if "default" not in node:
        return ""
    return f"`{json.dumps(node['default'])}`"


def _rows(node: dict[str, Any], path: str) -> list[tuple[str, str, str, str]]:
    rows = []
    for key, child in node.get("properties", {}).items():
        sub = f"{path}.{key}" if path else key
        description = " ".join(str(child.get("description", "")).split())
        rows.append((sub, _type(child), _default(child, sub), description))
        rows += _rows(child, sub)
        extra = child.get("additionalProperties")
        if isinstance(extra, dict) and extra.get("properties"):
            rows += _rows(extra, f"{sub}.*")
        items = child.get("items")
        if isinstance(items, dict) and items.get("properties"):
            rows += _rows(items, f"{sub}[]")
    return rows


def render() -> str:
    """The reference as Markdown: one table row per key (path, type, default, description)."""
    schema = load_schema()
    lines = [HEADER, " ".join(str(schema.get("description", "")).split()), ""]
    lines += ["| key | type | default | description |", "|---|---|---|---|"]
    for path, kind, default, description in _rows(schema, ""):
        text = description.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
        cells = [f"`{path}`", kind, default, text]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if "--write" in argv:
        DOC_PATH.write_text(text)
        print(f"wrote {DOC_PATH}")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
