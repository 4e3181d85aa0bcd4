"""The backends this package knows (PySCF, GFN-xTB through tblite, Gaussian 16), behind one ``Backend``
protocol: each says its name, the tasks it computes, whether it can run here, and how ``run_cached``
runs a CalcSpec with it. Code outside ``compchem.backends`` reaches a backend's other services (xTB's
pre-optimization, PySCF's dispersion energy or cavity radii, Gaussian's three file-based steps) through
``get_backend(name)`` instead of importing the concrete module. Concrete modules are imported only when
one of their functions is called, so importing the registry (and ``compchem.backends``) costs nothing
and no concrete backend module needs to import it back.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol, overload, runtime_checkable

from compchem.errors import BackendUnavailableError

if TYPE_CHECKING:  # types only: the registry stays cheap to import
    import numpy as np

    from compchem.backends.xtb import PreoptResult
    from compchem.held import HeldDistance
    from compchem.models import CalcResult, CalcSpec, LevelOfTheory, Resources
    from compchem.records import Cache

#: What ``run_cached`` calls to compute a CalcSpec: (spec, resources, cache, stream) -> CalcResult.
RunFunction = Callable[["CalcSpec", "Resources", "Cache | None", "IO[str] | None"], "CalcResult"]


@runtime_checkable
class Backend(Protocol):
    """A program that computes energies and structures.

    A backend class annotates ``name`` and ``tasks`` with these types: a protocol's attributes are
    matched exactly, and an unannotated tuple literal would read as a tuple of its own length."""

    #: the name levels and configs use (``backend:`` of a level)
    name: str
    #: what it computes: "energy", "gradient", "optimize", "frequencies"
    tasks: tuple[str, ...]

    def available(self) -> bool:
        """Whether the program can be used from this process (its Python package is installed)."""
        ...

    def runner(self, task: str) -> RunFunction:
        """The function ``run_cached`` runs a CalcSpec of ``task`` with; BackendUnavailableError when
        this backend runs that task some other way."""
        ...


def _installed(*modules: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


class PyscfBackend:
    """PySCF (with geomeTRIC): every CalcSpec task in process, frequencies, and the level checks,
    dispersion energies and solvent cavity radii that need PySCF but no SCF."""

    name: str = "pyscf"
    tasks: tuple[str, ...] = ("energy", "gradient", "optimize", "frequencies")

    def available(self) -> bool:
        return _installed("pyscf", "geometric")

    def runner(self, task: str) -> RunFunction:
        if task == "frequencies":
            raise BackendUnavailableError(
                "backend 'pyscf' computes frequencies through get_backend('pyscf').frequencies "
                "(a frequencies dict, not a CalcResult), not run_cached"
            )
        from compchem.backends.pyscf.run import run_pyscf

        return run_pyscf

    def frequencies(
        self, spec: CalcSpec, resources: Resources, cache: Cache | None = None, stream: IO[str] | None = None
    ) -> dict[str, Any]:
        """Harmonic frequencies at ``spec``'s geometry through the content cache (``frequencies_cached``)."""
        from compchem.backends.pyscf import hessian

        return hessian.frequencies_cached(spec, resources, cache, stream)

    def check_level(self, level: LevelOfTheory, elements: set[str] | list[str], label: str) -> None:
        """InputError when PySCF cannot run ``level`` for ``elements`` (basis or functional unknown)."""
        from compchem.backends.pyscf import scf

        scf.check_level(level, elements, label)

    def dispersion_energy(self, spec: CalcSpec) -> float:
        """The D3/D4 dispersion energy (Hartree) of ``spec`` at its level's setting; 0 without one."""
        from compchem.backends.pyscf import scf

        return scf.dispersion_energy(spec)

    def cavity_radii_angstrom(self, spec: CalcSpec) -> dict[str, float]:
        """{element: cavity radius in Å} of ``spec``'s implicit-solvent level; empty in the gas phase."""
        from compchem.backends.pyscf import scf

        return scf.cavity_radii_angstrom(spec)


class XtbBackend:
    """GFN-xTB through tblite's ASE calculator: pre-optimization of built structures; energies and
    optimizations of a level with ``backend: xtb`` through run_cached (a run level, or the geometry
    level A of a composite ``B//A``); and energies, optimizations and frequencies at an xTB method
    (the frequencies level of a composite thermochemistry) through the methods below."""

    name: str = "xtb"
    tasks: tuple[str, ...] = ("energy", "optimize", "frequencies")

    def available(self) -> bool:
        return _installed("tblite")

    def runner(self, task: str) -> RunFunction:
        if task not in ("energy", "optimize"):
            raise BackendUnavailableError(
                f"backend 'xtb' runs task '{task}' through get_backend('xtb') (frequencies at a method), "
                "not run_cached"
            )
        from compchem.backends.xtb import run_xtb

        return run_xtb

    def preoptimize(
        self,
        symbols: list[str],
        coordinates_angstrom: np.ndarray,
        charge: int,
        multiplicity: int,
        method: str = "GFN2-xTB",
        fmax_ev_per_angstrom: float = 0.05,
        max_steps: int = 400,
        held: tuple[HeldDistance, ...] = (),
    ) -> PreoptResult:
        """Relax a structure with ASE's BFGS at ``method`` (``xtb.preoptimize``), ``held`` distances
        kept at their values."""
        from compchem.backends import xtb

        return xtb.preoptimize(
            symbols, coordinates_angstrom, charge, multiplicity, method, fmax_ev_per_angstrom, max_steps, held
        )

    def energy(self, spec: CalcSpec, method: str) -> float:
        """Single-point energy (Hartree) at ``spec``'s geometry (``xtb.xtb_energy``)."""
        from compchem.backends import xtb

        return xtb.xtb_energy(spec, method)

    def optimize(self, spec: CalcSpec, method: str) -> CalcResult:
        """Tight minimization from ``spec``'s geometry (``xtb.xtb_optimize``)."""
        from compchem.backends import xtb

        return xtb.xtb_optimize(spec, method)

    def frequencies(self, spec: CalcSpec, method: str) -> dict[str, Any]:
        """Harmonic frequencies at ``spec``'s geometry (``xtb.xtb_frequencies``)."""
        from compchem.backends import xtb

        return xtb.xtb_frequencies(spec, method)


class GaussianBackend:
    """Gaussian 16 as three separable file-based steps (write the input, execute it with the configured
    command, read the output), which the workflow runs as three rules; never in process."""

    name: str = "gaussian"
    tasks: tuple[str, ...] = ("energy", "optimize")

    def available(self) -> bool:
        """Always: inputs can be written and outputs parsed anywhere; running needs gaussian.command."""
        return True

    def runner(self, task: str) -> RunFunction:
        raise BackendUnavailableError(
            f"backend 'gaussian' runs task '{task}' as a file-based job (input_text, execute, "
            "read_result: the workflow's Gaussian rules), not run_cached"
        )

    def input_text(self, spec: CalcSpec, resources: Resources, chk_name: str | None = None) -> str:
        """The .gjf text of ``spec``'s job (``gaussian.input_text``)."""
        from compchem.backends import gaussian

        return gaussian.input_text(spec, resources, chk_name)

    def execute(self, command: str | None, input_path: str | Path, output_path: str | Path) -> float:
        """Run the configured command on one input; the wall time (``gaussian.execute``)."""
        from compchem.backends import gaussian

        return gaussian.execute(command, input_path, output_path)

    def read_result(self, spec: CalcSpec, output_text: str, wall_time_s: float = 0.0) -> CalcResult:
        """The CalcResult of ``spec`` from a Gaussian output (``gaussian.read_result``)."""
        from compchem.backends import gaussian

        return gaussian.read_result(spec, output_text, wall_time_s)


#: Backend name -> backend. Only "pyscf" runs CalcSpecs in process (``run_cached``).
BACKENDS: dict[str, Backend] = {b.name: b for b in (PyscfBackend(), XtbBackend(), GaussianBackend())}


@overload
def get_backend(name: Literal["pyscf"]) -> PyscfBackend: ...
@overload
def get_backend(name: Literal["xtb"]) -> XtbBackend: ...
@overload
def get_backend(name: Literal["gaussian"]) -> GaussianBackend: ...
@overload
def get_backend(name: str) -> Backend: ...
def get_backend(name: str) -> Backend:
    """The backend called ``name``; BackendUnavailableError for an unknown name."""
    if name not in BACKENDS:
        raise BackendUnavailableError(f"unknown backend '{name}'; known: {sorted(BACKENDS)}")
    return BACKENDS[name]


def available_backends() -> list[str]:
    """Names of the backends that can be used from this process."""
    return [name for name, backend in BACKENDS.items() if backend.available()]


def get_runner(name: str, task: str) -> RunFunction:
    """The run function of backend ``name``; a clear error for unknown backends or tasks."""
    backend = get_backend(name)
    if task not in backend.tasks:
        raise BackendUnavailableError(f"backend '{name}' does not implement task '{task}'")
    return backend.runner(task)
