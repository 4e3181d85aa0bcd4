"""The table model: definitions and column lists of the binding, exchange and temperature-scan tables.

The rows are built in ``binding``, ``exchange`` and ``temperature_scan`` and written in ``tables``; the
column order here is the order of the CSV files and of the Markdown sections, and the definitions are
the sentences printed above them (and stored in the JSON). They live in one module so that builders
and writers agree without importing each other.
"""

from __future__ import annotations

from typing import Any

DEFINITION = (
    "E_bind = E(Li+) + sum_i E(L_i) - E(complex), each species at its own optimized "
    "geometry; positive = bound (SCIENCE.md §2)"
)

COLUMNS = [
    "cluster",
    # the level as named in the config; a composite protocol reads B//A (single point // geometry)
    "level",
    "ligand_models",
    "charge",
    "multiplicity",
    "E_bind_eV",
    "E_bind_kcal_per_mol",
    "paper_E_bind_eV",
    "E_bind_minus_paper_eV",
    "paper_label",
    "coordination_number",
    "donor_contacts",
    "Li_X_distances_angstrom",
    # bonds between two ligands of the cluster (compchem.build.bonds): E_bind then counts that bond too
    "interligand_bonds",
    "E_complex_hartree",
    "E_bind_hartree",
    "all_converged",
    "n_opt_steps_complex",
    "geometry_xyz",
    # the searched poses optimized with DFT (SCIENCE.md §3): the lowest is reported
    "n_poses_dft",
    "poses_ranked_at_level",
    "selected_pose",
    "E_bind_spread_eV",
    "preopt_best_minus_dft_best_eV",
    # filled when the config asks for frequencies (thermo.frequencies) and counterpoise
    "E_bind_ZPE_eV",
    "dH_bind_eV",
    "dG_bind_eV",
    "all_minima",
    "frequencies_level",
    # composite thermochemistry: "reoptimized" at the frequencies level, or Hessians at the "run_level"
    # geometry (thermo.frequencies_geometry); how far the re-optimization at the frequencies level
    # moved the cluster, and whether every species kept its ion's donor atoms there
    "frequencies_geometry",
    "thermo_geometry_rmsd_angstrom",
    "thermo_coordination_kept",
    "thermo_temperature_K",
    "thermo_standard_state",
    "E_int_frozen_eV",
    "BSSE_eV",
    "E_int_CP_eV",
    "E_bind_CP_eV",
    "E_deformation_eV",
    # filled with thermo.solvent: implicit-solvent single points at the gas-phase geometries
    "E_bind_solv_eV",
    "solvent",
    # with thermo.frequencies and thermo.solvent: dG_bind + the solvation energies, at 1 mol/L
    "dG_bind_solv_eV",
]

EXCHANGE_DEFINITION = (
    "dE_exchange = sum E(products) - sum E(reactants), every species at its own optimized geometry; "
    "negative = the products (right-hand side) are favoured"
)

EXCHANGE_COLUMNS = [
    "reaction",
    "level",
    "equation",
    "dE_exchange_eV",
    "dE_exchange_kcal_per_mol",
    "dE_exchange_hartree",
    # filled when every species has its thermochemistry (thermo.frequencies)
    "dE_ZPE_exchange_eV",
    "dH_exchange_eV",
    "dG_exchange_eV",
    "frequencies_level",
    "frequencies_geometry",
    "thermo_coordination_kept",
    # with thermo.solvent: the same reaction from implicit-solvent single points at the gas-phase geometries
    "dE_exchange_solv_eV",
    "solvent",
    # with both: dG_exchange + the solvation energies, every species at 1 mol/L
    "dG_exchange_solv_eV",
    "description",
]

SCAN_COLUMNS = [
    "name",
    "kind",
    "temperature_K",
    "dH_eV",
    "dG_eV",
    "frequencies_level",
    "frequencies_geometry",
]

#: columns of the Markdown table of the optional analyses (counterpoise, frequencies)
ANALYSIS_MD_COLUMNS = [
    "cluster",
    "E_bind_eV",
    "BSSE_eV",
    "E_bind_CP_eV",
    "E_deformation_eV",
    "E_bind_ZPE_eV",
    "dH_bind_eV",
    "dG_bind_eV",
    "all_minima",
    "thermo_coordination_kept",
]

#: columns of the binding table's Markdown section
BINDING_MD_COLUMNS = [
    "cluster",
    "ligand_models",
    "charge",
    "E_bind_eV",
    "paper_E_bind_eV",
    "E_bind_minus_paper_eV",
    "coordination_number",
    "donor_contacts",
    "Li_X_distances_angstrom",
    "n_poses_dft",
    "E_bind_spread_eV",
    "all_converged",
    "geometry_xyz",
]


def analysed_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with any counterpoise or thermochemistry value (the columns after E_bind_eV)."""
    return [r for r in rows if any(r.get(c) is not None for c in ANALYSIS_MD_COLUMNS[2:])]
