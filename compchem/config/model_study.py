"""The linker-model x PDOL-model study (config ``model_study``, issue 18) expanded into the plan: for
every linker model L and PDOL model P the four clusters the paper's two orderings compare (Li+-L,
Li+-P, Li+(P)2, Li+(P)(L)2, named ``<ion>_<L>``, ``<ion>_<P>``, ``<ion>_<P>x2``, ``<ion>_<P>_<L>x2``)
and the exchange Li+(P)2 + 2 L -> Li+(P)(L)2 + P (``<P>x2_to_<P>_<L>x2``). A cluster or exchange the
config already defines with the same content is reused under its own name rather than computed
twice, so a study overlay on the default config shares the paper's four clusters. The generated
species go through every check the config's own do (names, first shell, chemistry, basis coverage),
because they are added to the same dictionaries before those checks run. ``pdol_motifs: true`` gives
the Li+-P clusters ``motif_poses`` (DFT for the best pose of every coordination motif of P)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from compchem.chem import check_safe_name
from compchem.config.definitions import ClusterDef, ExchangeDef, LigandDef
from compchem.errors import InputError


@dataclass(frozen=True)
class StudyCombination:
    """One linker model with one PDOL model: the names of its four clusters and its exchange."""

    linker: str
    pdol: str
    li_linker: str
    li_pdol: str
    li_pdol2: str
    li_pdol_linker2: str
    exchange: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready (the model-study rule's params)."""
        return {
            "linker": self.linker,
            "pdol": self.pdol,
            "li_linker": self.li_linker,
            "li_pdol": self.li_pdol,
            "li_pdol2": self.li_pdol2,
            "li_pdol_linker2": self.li_pdol_linker2,
            "exchange": self.exchange,
        }


@dataclass(frozen=True)
class ModelStudy:
    """The study's models and every combination, linker-major in config order."""

    linkers: tuple[str, ...]
    pdols: tuple[str, ...]
    combinations: tuple[StudyCombination, ...]

    def params(self) -> list[dict[str, str]]:
        """The combinations as JSON-ready mappings."""
        return [c.to_dict() for c in self.combinations]


def _same_content(a: Iterable[str], b: Iterable[str]) -> bool:
    return sorted(a) == sorted(b)


def _check_models(study: dict[str, Any], ligands: dict[str, LigandDef]) -> None:
    """Every linker and PDOL model names a defined ligand."""
    for key, hint in (
        ("linkers", "a ligand of the sheet or of config `ligands`"),
        ("pdol", "an oligomer ligand <key><n>, e.g. PDOL2 with oligomers.PDOL.n: [1, 2]"),
    ):
        unknown = [n for n in study[key] if n not in ligands]
        if unknown:
            raise InputError(
                f"model_study.{key} names unknown ligand(s) {unknown}: each must be {hint}; "
                f"known: {sorted(ligands)}"
            )


def add_model_study_clusters(
    cfg: dict[str, Any], ligands: dict[str, LigandDef], clusters: dict[str, ClusterDef], ion_name: str
) -> ModelStudy | None:
    """Config ``model_study``: its clusters added to ``clusters`` (an existing cluster with the same
    ligands is reused); the study with the cluster names of each combination, its exchanges named but
    not yet added (``add_model_study_exchanges``). None without the key."""
    study = cfg.get("model_study")
    if not study:
        return None
    _check_models(study, ligands)
    ion = cfg["ion"]
    n_poses = cfg["build"]["n_poses"]
    dft_poses = study.get("dft_poses")
    by_linker = study.get("dft_poses_by_linker", {})
    _check_pose_counts(dft_poses, by_linker, study["linkers"], n_poses)

    def cluster(name: str, members: tuple[str, ...], description: str, poses: int | None = None) -> str:
        for existing in clusters.values():
            if existing.multiplicity == 1 and _same_content(existing.ligands, members):
                return existing.name
        check_safe_name(name, "model_study cluster name")
        if name in clusters or name in ligands or name == ion_name:
            raise InputError(
                f"model_study: cluster name '{name}' is already used (clusters, ligands and the ion share "
                "one namespace)"
            )
        charge = ion["charge"] + sum(ligands[n].charge for n in members)
        if poses is None and len(members) > 1:
            poses = dft_poses
        clusters[name] = ClusterDef(name, members, charge, 1, None, "", description, poses)
        return name

    sym = ion["symbol"]
    combinations = []
    for lig in study["linkers"]:
        for p in study["pdol"]:
            combinations.append(
                StudyCombination(
                    linker=lig,
                    pdol=p,
                    li_linker=cluster(f"{sym}_{lig}", (lig,), f"model study: {sym}+ with linker model {lig}"),
                    # x1: a PDOL model's clusters count their chains (Li_PDOL2 is the default config's
                    # Li+ with two PDOL1, built into the same results/structures/)
                    li_pdol=cluster(f"{sym}_{p}x1", (p,), f"model study: {sym}+ with PDOL model {p}"),
                    li_pdol2=cluster(f"{sym}_{p}x2", (p, p), f"model study: {sym}+ with two {p} (bulk)"),
                    li_pdol_linker2=cluster(
                        f"{sym}_{p}_{lig}x2",
                        (p, lig, lig),
                        f"model study: {sym}+ with {p} and two {lig} (interphase)",
                        by_linker.get(lig),
                    ),
                    exchange=f"{p}x2_to_{p}_{lig}x2",
                )
            )
    if study.get("pdol_motifs"):
        _set_motif_poses(clusters, {c.li_pdol for c in combinations})
    return ModelStudy(tuple(study["linkers"]), tuple(study["pdol"]), tuple(combinations))


def _check_pose_counts(
    dft_poses: int | None, by_linker: dict[str, int], linkers: list[str], n_poses: int
) -> None:
    """``dft_poses`` and ``dft_poses_by_linker`` ask for no more poses than the search keeps, and the
    latter names linker models of the study."""
    unknown = sorted(set(by_linker) - set(linkers))
    if unknown:
        raise InputError(
            f"model_study.dft_poses_by_linker names {unknown}, which are not among model_study.linkers "
            f"{list(linkers)}"
        )
    counts = [("dft_poses", dft_poses)] + [(f"dft_poses_by_linker.{k}", v) for k, v in by_linker.items()]
    for key, count in counts:
        if count is not None and count > n_poses:
            raise InputError(
                f"model_study: {key} = {count} but the pose search keeps only build.n_poses = {n_poses}; "
                f"raise build.n_poses or lower {key}"
            )


def _set_motif_poses(clusters: dict[str, ClusterDef], names: set[str]) -> None:
    """Config ``model_study.pdol_motifs``: the single-ligand Li+-P clusters (generated or reused from
    ``clusters``) keep the best pose of every coordination motif for DFT (``motif_poses``); their
    ``dft_poses``, if set, stays."""
    for name in sorted(names):
        clusters[name] = dataclasses.replace(clusters[name], motif_poses=True)


def add_model_study_exchanges(
    study: ModelStudy | None, exchanges: dict[str, ExchangeDef]
) -> ModelStudy | None:
    """The exchange Li+(P)2 + 2 L -> Li+(P)(L)2 + P of every combination added to ``exchanges`` (an
    existing one with the same reactants and products is reused); returns the study with the final
    exchange names."""
    if study is None:
        return None
    combinations = []
    for c in study.combinations:
        reactants = (c.li_pdol2, c.linker, c.linker)
        products = (c.li_pdol_linker2, c.pdol)
        name = c.exchange
        for existing in exchanges.values():
            if _same_content(existing.reactants, reactants) and _same_content(existing.products, products):
                name = existing.name
                break
        else:
            check_safe_name(name, "model_study exchange name")
            if name in exchanges:
                raise InputError(f"model_study: exchange name '{name}' is already used by another reaction")
            exchanges[name] = ExchangeDef(
                name,
                reactants,
                products,
                f"model study: {c.li_pdol2} + 2 {c.linker} -> {c.li_pdol_linker2} + {c.pdol}",
            )
        combinations.append(
            StudyCombination(c.linker, c.pdol, c.li_linker, c.li_pdol, c.li_pdol2, c.li_pdol_linker2, name)
        )
    return ModelStudy(study.linkers, study.pdols, tuple(combinations))
