"""The error hierarchy. Each docstring says when it is raised and whether retrying can help."""

from __future__ import annotations


class CompchemError(Exception):
    """Base class of every error raised on purpose by compchem."""


class InputError(CompchemError, ValueError):
    """The user's input is wrong (config, ligand sheet, SMILES, charge/multiplicity, basis).

    Raised before any expensive work starts. Retrying does not help: fix the named entry.
    """


class BackendUnavailableError(CompchemError, RuntimeError):
    """A requested backend (program) is unknown or cannot run here.

    Retrying does not help unless the program is installed or configured.
    """


class ConvergenceError(CompchemError, RuntimeError):
    """SCF or geometry optimization did not converge within its limits.

    Retrying can help: an optimization resumes from its checkpointed last geometry, so a rerun
    continues where this one stopped (raise the step limit, or check the structure).
    """


class ParseError(CompchemError, ValueError):
    """A program's output could not be read (abnormal termination, missing block).

    Retrying the parse does not help; rerun the calculation or inspect the output named in the message.
    """


class StructureError(CompchemError, RuntimeError):
    """No acceptable structure could be built (no donor atom, unavoidable clashes).

    Retrying with other build settings (more conformers or candidates, another seed) can help.
    """
