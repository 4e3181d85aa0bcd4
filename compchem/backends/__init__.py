"""Backends: programs that compute energies and structures (PySCF, GFN2-xTB via tblite)."""
