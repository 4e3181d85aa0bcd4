"""Backends: programs that compute energies and structures (PySCF, GFN2-xTB via tblite, Gaussian 16).

``get_backend(name)`` gives a backend by name (``compchem.backends.registry``); concrete backend modules
are imported only when used, so importing this package is cheap. ``compchem.runner.run_cached`` runs a
CalcSpec through the content cache with its level's backend.
"""

from compchem.backends.registry import Backend, available_backends, get_backend, get_runner

__all__ = ["Backend", "available_backends", "get_backend", "get_runner"]
