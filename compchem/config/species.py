"""The species of a plan, step by step from the validated config: the ligand definitions (sheet,
inline ligands, oligomers and the chain lengths series need), one namespace of safe, unique names,
the clusters (known ligands, a first shell the ion can hold, poses the search keeps), the
chain-length series, the exchange reactions (known species, balanced), and the chemistry of
everything used (SMILES parse, curated geometries match, charge and multiplicity fit the electrons).
Each step raises an InputError that names the entry at fault."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compchem.build.ligands import mol_from_smiles, symbols_of
from compchem.build.oligomers import oligomer_smiles
from compchem.chem import POSE_NAME, check_charge_multiplicity, check_safe_name
from compchem.config.definitions import ClusterDef, ExchangeDef, LigandDef
from compchem.config.files import resolve_path
from compchem.config.ligand_sheet import check_curated_geometry, read_ligand_sheet
from compchem.errors import InputError
from compchem.held import parse_held_distances

#: How many ligands one ion's first shell can hold (coordination numbers seen in crystal structures and
#: solution: Li+ 4-6, Na+ up to 8); a cluster with more is refused before anything is built.
MAX_LIGANDS: dict[str, int] = {"Li": 6, "Na": 8, "K": 8, "Mg": 6, "Zn": 6, "Ca": 8}
DEFAULT_MAX_LIGANDS = 8


def collect_ligand_defs(cfg: dict[str, Any], bases: list[Path]) -> list[LigandDef]:
    """Every ligand definition in order: the sheet's rows, the config's inline ligands, then each
    oligomer at every chain length it is asked for or a series needs."""
    defs = read_ligand_sheet(resolve_path(cfg["ligand_sheet"], bases))
    for i, entry in enumerate(cfg["ligands"]):
        where = f"config ligands[{i}]"
        defs.append(
            LigandDef(
                entry["name"],
                entry["smiles"],
                entry["charge"],
                entry["multiplicity"],
                entry["description"],
                where,
                str(resolve_path(entry["geometry"], bases)) if entry.get("geometry") else "",
                parse_held_distances(entry.get("held_distances_angstrom", ""), entry["smiles"], where),
            )
        )
    return defs + _oligomer_ligands(cfg)


def _oligomer_ligands(cfg: dict[str, Any]) -> list[LigandDef]:
    """The ligands ``<key><n>`` of config ``oligomers``, for the chain lengths given there and those
    of every series built from them."""
    series_ns: dict[str, set[int]] = {}
    for entry in cfg["series"]:
        if entry["oligomer"] not in cfg["oligomers"]:
            raise InputError(
                f"series '{entry['name']}' names unknown oligomer '{entry['oligomer']}'; "
                f"defined: {sorted(cfg['oligomers'])}"
            )
        series_ns.setdefault(entry["oligomer"], set()).update(entry["n"])
    defs = []
    for key, olig in cfg["oligomers"].items():
        check_safe_name(key, "oligomer name")
        ns = olig["n"] if isinstance(olig["n"], list) else [olig["n"]]
        ns = sorted(set(ns) | series_ns.get(key, set()))
        for n in ns:
            smiles = oligomer_smiles(olig["repeat_unit"], n, olig["head_cap"], olig["tail_cap"], key)
            desc = (olig["description"] + f" (n = {n})").strip()
            defs.append(LigandDef(f"{key}{n}", smiles, 0, 1, desc, f"config oligomers.{key}"))
    return defs


def index_ligands(defs: list[LigandDef]) -> dict[str, LigandDef]:
    """Ligands by name; each name safe and defined once."""
    ligands: dict[str, LigandDef] = {}
    for lig in defs:
        check_safe_name(lig.name, f"ligand name ({lig.source})")
        if lig.name in ligands:
            raise InputError(
                f"ligand '{lig.name}' is defined twice: {ligands[lig.name].source} and {lig.source}"
            )
        ligands[lig.name] = lig
    return ligands


def build_clusters(
    cfg: dict[str, Any], ligands: dict[str, LigandDef], ion_name: str
) -> dict[str, ClusterDef]:
    """Config ``clusters``: unique names, known ligands, charge from the ion and ligands, and no more
    DFT poses than the pose search keeps."""
    ion = cfg["ion"]
    clusters: dict[str, ClusterDef] = {}
    for i, entry in enumerate(cfg["clusters"]):
        name = check_safe_name(entry["name"], f"cluster name (clusters[{i}])")
        if name in clusters or name in ligands or name == ion_name:
            raise InputError(
                f"cluster name '{name}' is used twice (clusters, ligands and the ion share one namespace)"
            )
        unknown = [n for n in entry["ligands"] if n not in ligands]
        if unknown:
            raise InputError(f"cluster '{name}' names unknown ligand(s) {unknown}; known: {sorted(ligands)}")
        charge = ion["charge"] + sum(ligands[n].charge for n in entry["ligands"])
        motif_poses = bool(entry.get("motif_poses", False))
        dft_poses = entry.get("dft_poses")
        _check_dft_poses(name, dft_poses, cfg["build"], motif_poses)
        clusters[name] = ClusterDef(
            name,
            tuple(entry["ligands"]),
            charge,
            entry["multiplicity"],
            entry["paper_value_ev"],
            entry["paper_label"],
            entry["description"],
            dft_poses,
            motif_poses,
        )
    return clusters


def max_kept_poses(build: dict[str, Any], motif_poses: bool) -> int:
    """The most poses the search of a cluster can keep: ``build.n_poses``; with ``motif_poses`` also the
    best pose of every other motif, never more than the ``build.n_candidates`` poses it relaxed."""
    n_poses = int(build["n_poses"])
    return max(n_poses, int(build["n_candidates"])) if motif_poses else n_poses


def _check_dft_poses(name: str, dft_poses: int | None, build: dict[str, Any], motif_poses: bool) -> None:
    """A cluster's ``dft_poses`` asks for no more poses than its search can keep (fewer kept at run
    time: fewer go to DFT)."""
    limit = max_kept_poses(build, motif_poses)
    if dft_poses is None or dft_poses <= limit:
        return
    if motif_poses:
        raise InputError(
            f"cluster '{name}': dft_poses = {dft_poses} but the pose search (motif_poses) keeps at most "
            f"max(build.n_poses, build.n_candidates) = {limit} poses; lower dft_poses"
        )
    raise InputError(
        f"cluster '{name}': dft_poses = {dft_poses} but the pose search keeps only "
        f"build.n_poses = {build['n_poses']}; raise build.n_poses or lower dft_poses"
    )


def check_shells_and_names(
    ion_symbol: str, ligands: dict[str, LigandDef], clusters: dict[str, ClusterDef]
) -> None:
    """Each cluster fits the ion's first shell (``MAX_LIGANDS``), and no ligand or cluster name looks
    like a searched pose (``<cluster>.pose<k>``)."""
    capacity = MAX_LIGANDS.get(ion_symbol, DEFAULT_MAX_LIGANDS)
    for c in clusters.values():
        if len(c.ligands) > capacity:
            raise InputError(
                f"cluster '{c.name}' puts {len(c.ligands)} ligands on one {ion_symbol} ion, whose first "
                f"shell holds at most {capacity} donors; the others could not bind to it (model outer "
                "shells with fewer ligands, or a larger cluster of your own)"
            )
    for reserved in (n for n in (*ligands, *clusters) if POSE_NAME.match(n)):
        raise InputError(
            f"species name '{reserved}' ends in '.pose<number>', which names the searched poses of a "
            "cluster; rename it"
        )


def add_series(
    cfg: dict[str, Any], ligands: dict[str, LigandDef], clusters: dict[str, ClusterDef]
) -> dict[str, list[tuple[int, str]]]:
    """Config ``series``: one cluster ``<series>_n<n>`` per chain length, added to ``clusters``;
    returns series name -> [(n, cluster name)]."""
    ion = cfg["ion"]
    series: dict[str, list[tuple[int, str]]] = {}
    for entry in cfg["series"]:
        name = check_safe_name(entry["name"], "series name")
        series[name] = []
        for n in entry["n"]:
            cname = f"{name}_n{n}"
            if cname in clusters or cname in ligands:
                raise InputError(f"series '{name}': cluster name '{cname}' is already used")
            lig = f"{entry['oligomer']}{n}"
            copies = (lig,) * entry["copies"]
            charge = ion["charge"] + sum(ligands[x].charge for x in copies)
            clusters[cname] = ClusterDef(
                cname, copies, charge, 1, None, "", f"{entry['oligomer']} chain-length series, n = {n}"
            )
            series[name].append((n, cname))
    return series


def build_exchanges(
    cfg: dict[str, Any], ion_name: str, ligands: dict[str, LigandDef], clusters: dict[str, ClusterDef]
) -> dict[str, ExchangeDef]:
    """Config ``exchanges``: unique names, known species, both sides balanced."""
    exchanges: dict[str, ExchangeDef] = {}
    known_species = {ion_name, *ligands, *clusters}
    for i, entry in enumerate(cfg["exchanges"]):
        name = check_safe_name(entry["name"], f"exchange name (exchanges[{i}])")
        if name in exchanges:
            raise InputError(f"exchange '{name}' is defined twice")
        unknown = [n for n in (*entry["reactants"], *entry["products"]) if n not in known_species]
        if unknown:
            raise InputError(
                f"exchange '{name}' names unknown species {unknown} (a config that replaces the "
                "default clusters also replaces or empties `exchanges`, e.g. `exchanges: []`)"
            )
        _check_balanced(name, entry, cfg["ion"]["symbol"], ligands, clusters)
        exchanges[name] = ExchangeDef(
            name, tuple(entry["reactants"]), tuple(entry["products"]), entry["description"]
        )
    return exchanges


def _check_balanced(
    name: str, entry: dict[str, Any], ion: str, ligands: dict[str, LigandDef], clusters: dict[str, ClusterDef]
) -> None:
    """Both sides of an exchange must hold the same ions and ligands (counted by name)."""

    def content(side: list[str]) -> list[str]:
        out: list[str] = []
        for n in side:
            if n in clusters:
                out += [ion, *clusters[n].ligands]
            elif n in ligands:
                out.append(n)
            else:
                out.append(ion)
        return sorted(out)

    if content(entry["reactants"]) != content(entry["products"]):
        raise InputError(
            f"exchange '{name}' is not balanced: reactants hold {content(entry['reactants'])}, "
            f"products {content(entry['products'])}"
        )


def check_chemistry(
    ion_symbol: str,
    ligands: dict[str, LigandDef],
    clusters: dict[str, ClusterDef],
    exchanges: dict[str, ExchangeDef],
) -> set[str]:
    """Parse the SMILES of every ligand a cluster or exchange uses (invalid SMILES, charge mismatch ->
    InputError), check curated geometries and every charge/multiplicity against its electrons; returns
    the elements of the plan (for the basis-set checks)."""
    elements: set[str] = {ion_symbol}
    used = {n for c in clusters.values() for n in c.ligands}
    used |= {n for x in exchanges.values() for n in (*x.reactants, *x.products) if n in ligands}
    symbols_by_ligand = {}
    for name in sorted(used):
        lig = ligands[name]
        try:
            mol = mol_from_smiles(lig.smiles, lig.charge, name)
        except InputError as exc:
            raise InputError(f"{exc} ({lig.source})") from None
        symbols_by_ligand[name] = symbols_of(mol)
        if lig.geometry:
            check_curated_geometry(lig, symbols_by_ligand[name])
        if lig.geometry and lig.held_distances:
            raise InputError(
                f"ligand '{name}' ({lig.source}): held distances name SMILES atoms, a curated geometry "
                "may list its atoms in another order: give one or the other"
            )
        check_charge_multiplicity(
            symbols_by_ligand[name], lig.charge, lig.multiplicity, f"ligand '{name}' ({lig.source})"
        )
        elements.update(symbols_by_ligand[name])
    for c in clusters.values():
        symbols = [ion_symbol] + [s for n in c.ligands for s in symbols_by_ligand[n]]
        check_charge_multiplicity(symbols, c.charge, c.multiplicity, f"cluster '{c.name}'")
    return elements
