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


class DamagedFileError(CompchemError, ValueError):
    """A JSON file the project reads (record, cache entry, checkpoint, build, pose, thermo,
    counterpoise or solvent file) is damaged: empty, cut short, not JSON, of an unknown schema version,
    missing required keys, or not matching the content hash it is filed under.

    Retrying does not help. The message names the file, what is wrong and what to do: a damaged cache
    entry is moved aside and recomputed by itself; a damaged output file is restored from version
    control (``git checkout -- <file>``) or deleted so that the workflow writes it again.
    """

    def __init__(self, path: object, problem: str, remedy: str = "") -> None:
        self.path = str(path)
        self.problem = problem
        remedy = remedy or (
            f"restore it (git checkout -- {self.path}) or delete it and rerun the workflow, which "
            "writes it again (from the content cache where the calculation is there)"
        )
        super().__init__(f"damaged file {self.path}: {problem}; {remedy}")


class JobInterruptedError(BaseException):
    """The job was stopped by a signal: SIGTERM from ``scancel``, a SLURM time limit or preemption, or
    a shutdown.

    Retrying helps: an optimization's checkpoint after its last finished step is on disk (written
    atomically), and a rerun resumes from it.

    Like ``KeyboardInterrupt`` it derives from ``BaseException``, not ``CompchemError``: the signal
    handler raises it wherever the job happens to be, and an ``except Exception`` there (PySCF,
    geomeTRIC, tblite, or this project's optional steps such as the checkpointed Hessian) would
    otherwise swallow it and let the interrupted job run on to the end.
    """
