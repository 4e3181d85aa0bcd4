"""The text frame of a Gaussian 16 output that cclib does not read: the normal-termination line, the
internal job steps of a compound job (``Link1``), each step's route echo joined from Gaussian's wrapped
lines, and what the parser takes from the routes (the optimization step, the number of counterpoise
fragments)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from compchem.errors import ParseError

# Matches the final line of every successful job, e.g.
# " Normal termination of Gaussian 16 at Wed Apr  4 10:19:28 2018."
_NORMAL_TERMINATION = re.compile(r"^ ?Normal termination of Gaussian")

# Separates the steps of a compound job (Opt Freq runs the frequencies as a second internal step):
# " Link1:  Proceeding to internal job step number  2."
_LINK1 = re.compile(r"^ Link1:  Proceeding to internal job step number.*$", re.MULTILINE)

# The route echo, between two dashed lines; Gaussian wraps it at 70 columns, e.g.
# " ----------------------------------------------------------------------"
# " #p b3lyp/sto-3g guess=read geom=allcheck pop=full gfinput iop(3/33=1,3"
# " /36=-1)"
# " ----------------------------------------------------------------------"
_ROUTE_BLOCK = re.compile(r"^ -+\n( #.*?)\n -+$", re.MULTILINE | re.DOTALL)
_ROUTE_WIDTH = 70

# An optimization job type in the (lower-cased) route: "opt", "opt=(calcfc,tight)", "opt(maxcycles=50)".
_OPT_KEYWORD = re.compile(r"(?:^|[\s#])opt(?=$|[\s=(])")
# The number of counterpoise fragments in the route: "counterpoise=2".
_CP_KEYWORD = re.compile(r"(?:^|\s)counterpoise\s*=\s*(\d+)")


def check_normal_termination(text: str) -> None:
    """Raise a ParseError unless the last non-blank line is Gaussian's normal-termination line."""
    lines = text.rstrip().splitlines()
    if lines and _NORMAL_TERMINATION.match(lines[-1]):
        return
    tail = "\n".join(lines[-10:]) if lines else "(empty output)"
    raise ParseError(
        "Gaussian output does not end with 'Normal termination of Gaussian' (abnormal termination, "
        f"or the job is still running or was killed); its last lines:\n{tail}"
    )


def _join_route(block: str) -> str:
    """One route string from the wrapped echo (each echoed line starts with one blank)."""
    pieces = [line[1:] if line.startswith(" ") else line for line in block.split("\n")]
    out = pieces[0]
    for previous, piece in zip(pieces, pieces[1:], strict=False):
        # Gaussian cuts full-width lines inside words; a shorter line lost a blank at its end.
        out += ("" if len(previous) >= _ROUTE_WIDTH else " ") + piece
    return " ".join(out.split())


def step_routes(step_texts: Sequence[str]) -> list[str]:
    """The joined route of each job step ("" where none is echoed)."""
    routes = []
    for step in step_texts:
        match = _ROUTE_BLOCK.search(step)
        routes.append(_join_route(match.group(1)) if match else "")
    return routes


def counterpoise_fragment_count(route_lc: Sequence[str]) -> int:
    """The number of counterpoise fragments the (lower-cased) routes ask for; 0 without
    counterpoise (the last step that names it counts)."""
    n_fragments = 0
    for route in route_lc:
        match = _CP_KEYWORD.search(route)
        if match:
            n_fragments = int(match.group(1))
    return n_fragments


def optimization_step(route_lc: Sequence[str]) -> int | None:
    """Index of the first job step whose (lower-cased) route requests ``Opt``; None if none does."""
    return next((k for k, r in enumerate(route_lc) if _OPT_KEYWORD.search(r)), None)


def split_steps(text: str) -> list[str]:
    """The texts of the internal job steps (one for a simple job)."""
    return _LINK1.split(text)
