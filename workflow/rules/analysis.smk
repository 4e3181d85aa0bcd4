# Binding-energy tables from records only.


# what the binding table reads (its params keep their content hash: content_sha256)
BINDING_TABLE_INPUTS = dict(
    records=expand(LAYOUT.record("{{level}}", "{species}"), species=PLAN.species()),
    thermo=expand(
        LAYOUT.thermo("{{level}}", "{species}", THERMO_DIR),
        species=PLAN.thermo_species() if THERMO["frequencies"] else [],
    ),
    counterpoise=expand(
        LAYOUT.counterpoise("{{level}}", "{cluster}"),
        cluster=list(PLAN.clusters) if THERMO["counterpoise"] else [],
    ),
    poses=expand(LAYOUT.poses("{{level}}", "{cluster}"), cluster=list(PLAN.clusters)),
    solvent=expand(
        LAYOUT.solvent("{{level}}", "{species}", SOLVENT_DIR),
        species=PLAN.species() if SOLVENT else [],
    ),
)


# A checkpoint, so that the plots and the model study are planned again once it has run: their
# inputs are `finished`, and only the content hash in their params tells them the table changed.
checkpoint binding_table:
    input:
        **finished(BINDING_TABLE_INPUTS),
    output:
        csv=report(
            LAYOUT.binding_energies("{level}", "csv"),
            caption="../report/table.rst",
            category="Binding energies",
        ),
        md=LAYOUT.binding_energies("{level}", "md"),
        json=LAYOUT.binding_energies("{level}", "json"),
        exchange_csv=LAYOUT.exchange_energies("{level}"),
        # dH and dG at thermo.temperature_scan_k (header only without a scan)
        scan_csv=LAYOUT.thermo_temperatures("{level}"),
    params:
        inputs_sha256=content_sha256(BINDING_TABLE_INPUTS),
        species=PLAN.species(),
        thermo_species=PLAN.thermo_species() if THERMO["frequencies"] else [],
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
        geometry_dir=lambda wc: LAYOUT.geometries_dir(wc.level),
    log:
        LAYOUT.log("{level}", "binding_table"),
    benchmark:
        LAYOUT.benchmark("{level}", "binding_table")
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/binding_table.py"


# Linker x PDOL model study (config model_study): its rows from the binding table only. Targeted by
# rule `all` only when the config has a model_study.
rule model_study:
    input:
        table=finished(LAYOUT.binding_energies("{level}", "json")),
    output:
        csv=LAYOUT.model_study("{level}", "csv"),
        md=LAYOUT.model_study("{level}", "md"),
        png=report(
            LAYOUT.model_study_plot("{level}"),
            caption="../report/model_study.rst",
            category="Binding energies",
        ),
    params:
        inputs_sha256=content_sha256([LAYOUT.binding_energies("{level}", "json")]),
        combinations=PLAN.model_study.params() if PLAN.model_study else [],
    log:
        LAYOUT.log("{level}", "model_study"),
    benchmark:
        LAYOUT.benchmark("{level}", "model_study")
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/model_study.py"
