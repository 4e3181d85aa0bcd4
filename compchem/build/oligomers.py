"""Capped oligomers from a repeat unit, e.g. PDOL = CH3O–(CH2–O–CH2–CH2–O)n–CH3."""

from __future__ import annotations

from compchem.errors import InputError


def oligomer_smiles(repeat_unit: str, n: int, head_cap: str, tail_cap: str, label: str) -> str:
    """SMILES of ``head_cap + repeat_unit * n + tail_cap``.

    The repeat unit and caps must be written as linear chains from head atom to tail atom (no ring
    closures), so that concatenation bonds the tail of one piece to the head of the next. The PDOL
    repeat unit –CH2–O–CH2–CH2–O– is ``COCCO``; with a methoxy head cap ``CO`` and a methyl tail cap
    ``C`` the n = 1 model is CH3–O–CH2–O–CH2–CH2–O–CH3 (``COCOCCOC``, three ether O), so no radical
    and no artificial OH appears (SCIENCE.md §3).
    """
    if n < 1:
        raise InputError(f"oligomer '{label}': n must be >= 1, got {n}")
    for part, text in (("repeat_unit", repeat_unit), ("head_cap", head_cap), ("tail_cap", tail_cap)):
        if any(ch.isdigit() or ch in "%" for ch in text):
            raise InputError(
                f"oligomer '{label}': {part} {text!r} must be a linear chain without ring closures"
            )
    return f"{head_cap}{repeat_unit * n}{tail_cap}"
