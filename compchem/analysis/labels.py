"""How the tables name and compare levels of theory.

A record carries its level's settings as a dict; a table needs three things from it: a canonical text
that says whether two records were computed at the same science (``level_key``, so that energies of
different levels are never combined), the short name a reader sees (``level_notation``: the config
name, or ``B//A`` for a composite protocol) and the medium (gas phase or implicit solvent) for the
headers. Nothing here reads files or does arithmetic on energies.
"""

from __future__ import annotations

import json
from typing import Any

from compchem.errors import InputError
from compchem.models import CalcResult


def level_key(level: dict[str, Any]) -> str:
    """Canonical text of a recorded level's science: names and unset (None) settings left out, as in
    the content hash, so records written before an optional setting existed still compare equal; and
    the optimizer's settings (``opt_*``: convergence criteria and rule, step limit, initial Hessian) left
    out, since they decide where an optimization stops within its tolerance, not what is computed.
    Records converged under different criteria of one level are reused together by design
    (``CalcSpec.reusable_keys``), so their energies combine into one binding energy."""

    def clean(d: dict[str, Any]) -> dict[str, Any]:
        return {
            k: clean(v) if isinstance(v, dict) and k in ("preopt", "geometry") else v
            for k, v in d.items()
            if k not in ("name", "energy_level") and v is not None and not k.startswith("opt_")
        }

    return json.dumps(clean(level), sort_keys=True)


def level_consistent(records: list[CalcResult], cluster: str) -> None:
    """An InputError unless ``records`` (the species of one binding or exchange energy) share one level."""
    levels = {level_key(r.level) for r in records}
    if len(levels) != 1:
        raise InputError(
            f"cluster '{cluster}': records come from different levels of theory; "
            "a binding energy needs one consistent level"
        )


def level_notation(level: dict[str, Any]) -> str:
    """A record's level as tables name it: the config name, or ``B//A`` for a composite protocol
    (single-point level // geometry level)."""
    geometry = level.get("geometry")
    if not geometry:
        return str(level["name"])
    return f"{level.get('energy_level') or level['name']}//{geometry['name']}"


def protocol(records: list[CalcResult]) -> str:
    """The level notation of one binding or exchange energy, from its last record (the cluster or the
    product side); ``level_consistent`` checks that the records share one level."""
    return level_notation(records[-1].level)


def radii_label(radii: dict[str, float] | None) -> str:
    """', cavity radii Li 1.9 A' for elements whose cavity radius was set; '' for the model's own."""
    if not radii:
        return ""
    return ", cavity radii " + ", ".join(f"{el} {float(r):g} Å" for el, r in sorted(radii.items()))


def medium_label(level: dict[str, Any]) -> str:
    """'gas phase', or the implicit-solvent model and dielectric constant, for table headers."""
    if not level.get("solvent_model"):
        return "gas phase"
    radii = radii_label(level.get("solvent_radii_angstrom"))
    return f"IMPLICIT SOLVENT {level['solvent_model']} (eps = {level['solvent_eps']}{radii})"
