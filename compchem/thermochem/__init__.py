"""Building blocks of the ideal-gas thermochemistry of ``compchem.thermo``: the molecule as a rigid
rotor (``rotor``: coordinates, masses, linear or not, point group and symmetry number) and the terms
of the partition functions (``terms``: ASE's RRHO sums, Grimme's quasi-RRHO entropy, the 1 M standard
state). ``compchem.thermo`` assembles them and stays the public entry point."""
