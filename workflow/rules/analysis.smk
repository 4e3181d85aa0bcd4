# Binding-energy tables from records only.


rule binding_table:
    input:
        records=expand(
            f"{RESULTS}/{{{{level}}}}/records/{{species}}.json", species=PLAN.species()
        ),
        thermo=expand(
            f"{RESULTS}/{{{{level}}}}/{THERMO_DIR}/{{species}}.json",
            species=PLAN.species() if THERMO["frequencies"] else [],
        ),
        counterpoise=expand(
            f"{RESULTS}/{{{{level}}}}/counterpoise/{{cluster}}.json",
            cluster=list(PLAN.clusters) if THERMO["counterpoise"] else [],
        ),
        poses=expand(f"{RESULTS}/{{{{level}}}}/poses/{{cluster}}.json", cluster=list(PLAN.clusters)),
        solvent=expand(
            f"{RESULTS}/{{{{level}}}}/{SOLVENT_DIR}/{{species}}.json",
            species=PLAN.species() if SOLVENT else [],
        ),
    output:
        csv=report(
            f"{RESULTS}/{{level}}/binding_energies.csv",
            caption="../report/table.rst",
            category="Binding energies",
        ),
        md=f"{RESULTS}/{{level}}/binding_energies.md",
        json=f"{RESULTS}/{{level}}/binding_energies.json",
        exchange_csv=f"{RESULTS}/{{level}}/exchange_energies.csv",
        # dH and dG at thermo.temperature_scan_k (header only without a scan)
        scan_csv=f"{RESULTS}/{{level}}/thermo_temperatures.csv",
    params:
        species=PLAN.species(),
        thermo_species=PLAN.species() if THERMO["frequencies"] else [],
        cp_clusters=list(PLAN.clusters) if THERMO["counterpoise"] else [],
        pose_clusters=list(PLAN.clusters),
        solvent_species=PLAN.species() if SOLVENT else [],
        clusters=[
            {
                "name": c.name,
                "ligands": list(c.ligands),
                "paper_value_ev": c.paper_value_ev,
                "paper_label": c.paper_label,
            }
            for c in PLAN.clusters.values()
        ],
        ion=PLAN.ion_name,
        exchanges=[
            {"name": x.name, "reactants": list(x.reactants), "products": list(x.products),
             "description": x.description}
            for x in PLAN.exchanges.values()
        ],
        geometry_dir=lambda wc: f"{RESULTS}/{wc.level}/geometries",
    log:
        f"{RESULTS}/{{level}}/logs/binding_table.log",
    benchmark:
        f"{RESULTS}/{{level}}/benchmarks/binding_table.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/binding_table.py"
