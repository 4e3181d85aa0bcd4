"""Structure building: ligands from SMILES, oligomers, Li⁺ cluster candidates."""
