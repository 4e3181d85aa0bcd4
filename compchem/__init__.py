"""compchem: Li⁺ binding energies of electrolyte building blocks from SMILES to tables.

The package never imports Snakemake; the workflow under ``workflow/`` calls its plain functions.
"""

from __future__ import annotations

__version__ = "0.1.0"

#: Bumped whenever a change alters what a calculation computes (not for refactors). It is part of
#: every content hash, so records made by an older code version are never mistaken for new ones.
CALC_CODE_VERSION = "1"
