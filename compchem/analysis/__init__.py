"""Analysis of JSON records: binding energies and tables."""
