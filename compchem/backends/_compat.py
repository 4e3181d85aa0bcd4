"""Support for the compatibility aliases ``pyscf_backend`` and ``pyscf_hessian``: modules whose code
moved elsewhere but whose names are still imported (and, in tests, monkeypatched) under the old path.
Setting a name on such an alias sets it in every module the code now lives in that has it, so patching
``pyscf_hessian._analytic_hessian`` still changes what ``harmonic_frequencies`` calls."""

from __future__ import annotations

import sys
import types
from typing import Any


class _AliasModule(types.ModuleType):
    """A module whose attribute writes also go to its implementation modules."""

    _implementations: tuple[types.ModuleType, ...] = ()

    def __setattr__(self, name: str, value: Any) -> None:
        for module in type(self)._implementations:
            if hasattr(module, name):
                setattr(module, name, value)
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        for module in type(self)._implementations:
            if hasattr(module, name):
                delattr(module, name)
        super().__delattr__(name)


def forward_writes(alias_name: str, *implementations: types.ModuleType) -> None:
    """Make the already imported module ``alias_name`` pass attribute writes on to ``implementations``."""
    cls = type("AliasModule", (_AliasModule,), {"_implementations": implementations})
    sys.modules[alias_name].__class__ = cls
