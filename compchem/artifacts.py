"""Typed forms of the JSON files the workflow writes besides calculation records: the build file of a
species (``structures/<species>.build.json``), the pose selection of a cluster (``<level>/poses``),
its thermochemistry (``<level>/thermo*``), counterpoise analysis (``<level>/counterpoise``) and
implicit-solvent single point (``<level>/solvent_<name>``). The jobs write these files as mappings;
each class here reads one back with its keys checked and named, and writes exactly the mapping it
read: ``X.from_dict(d).to_dict() == d`` with the same keys in the same order, so switching a writer
to these classes changes no byte of its file.

Keys that older files lack (thermochemistry files from before composite frequencies, a pose's build
keys) are fields whose value is ``ABSENT``: left out of ``to_dict``, as the file left them out, unlike
``None``, which is written as ``null``. Keys this code does not know (from a newer writer) are kept in
``extra`` and written after the others. Like ``CalcResult``, every file has a ``schema_version``:
version 1 is every file written so far, which carry no such key; a later version writes it."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import MISSING, dataclass, field
from typing import Any, ClassVar, TypeVar

from compchem.errors import DamagedFileError
from compchem.records import read_json


class _Absent:
    """Type of ``ABSENT``, the value of a field whose key the file does not have."""

    _instance: ClassVar[_Absent | None] = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "ABSENT"


#: The value of an optional field whose key the file does not hold (not written back).
ABSENT: Any = _Absent()

#: Fields of every artifact that are not keys of its own (see ``Artifact``).
_BASE_FIELDS = ("schema_version", "extra")

#: the Artifact subclass ``from_dict`` builds (``typing.Self`` needs Python 3.11; the package runs on 3.10)
_ArtifactT = TypeVar("_ArtifactT", bound="Artifact")


@dataclass(frozen=True, kw_only=True)
class Artifact:
    """Base of the typed JSON files: a subclass declares its keys as fields in the order its writer
    writes them (fields without a default are the keys a file must hold)."""

    #: Kind of file, as ``compchem.records.read_json`` names it (error messages say it).
    KIND: ClassVar[str] = "artifact"
    #: Highest ``schema_version`` this code reads.
    SCHEMA_VERSION: ClassVar[int] = 1

    schema_version: int = 1
    #: keys this code does not know, in the file's order (written after the known ones)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def _key_fields(cls) -> list[dataclasses.Field[Any]]:
        return [f for f in dataclasses.fields(cls) if f.name not in _BASE_FIELDS]

    @classmethod
    def required_keys(cls) -> tuple[str, ...]:
        """The keys a file of this kind must hold."""
        return tuple(
            f.name for f in cls._key_fields() if f.default is MISSING and f.default_factory is MISSING
        )

    def _items(self) -> Iterator[tuple[str, Any]]:
        """The file's known keys and values, in the writer's order (subclasses reorder)."""
        for f in self._key_fields():
            yield f.name, getattr(self, f.name)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready mapping, keys in the order the workflow writes them."""
        out = {key: value for key, value in self._items() if value is not ABSENT}
        if self.schema_version != 1:
            out["schema_version"] = self.schema_version
        out.update(self.extra)
        return out

    @classmethod
    def _fields_of(cls, data: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """The field values held by ``data`` and the keys they came from (a subclass may collect
        several keys into one field); the other keys go to ``extra``."""
        names = {f.name for f in cls._key_fields()}
        values = {k: v for k, v in data.items() if k in names}
        return values, set(values)

    @classmethod
    def from_dict(cls: type[_ArtifactT], data: Any, source: object = None) -> _ArtifactT:
        """Rebuild from a mapping read from ``source`` (a path, for the error message).

        Raises
        ------
        DamagedFileError
            ``data`` is not a mapping, lacks a required key (named in the message) or has a
            ``schema_version`` this code does not read.
        """
        where = source if source is not None else f"<{cls.KIND} mapping>"
        if not isinstance(data, dict):
            raise DamagedFileError(
                where, f"a {cls.KIND} file must hold a JSON object, found {type(data).__name__}"
            )
        missing = [k for k in cls.required_keys() if k not in data]
        if missing:
            raise DamagedFileError(where, f"a {cls.KIND} file lacks the key(s) {missing}")
        version = data.get("schema_version", 1)
        if type(version) is not int or not 1 <= version <= cls.SCHEMA_VERSION:
            raise DamagedFileError(
                where,
                f"{cls.KIND} schema_version {version!r}, this compchem reads 1 to {cls.SCHEMA_VERSION}",
                "update compchem, or delete the file and rerun",
            )
        values, used = cls._fields_of(data)
        extra = {k: v for k, v in data.items() if k not in used and k != "schema_version"}
        return cls(**values, schema_version=version, extra=extra)


def read_artifact(cls: type[_ArtifactT], path: str | os.PathLike[str]) -> _ArtifactT:
    """The file of kind ``cls`` at ``path``, checked twice: by ``read_json`` (parses, checksum,
    ``REQUIRED_KEYS``) and by ``cls.from_dict`` (every key the class needs, schema version)."""
    return cls.from_dict(read_json(path, cls.KIND), source=path)


@dataclass(frozen=True, kw_only=True)
class BuildRecord(Artifact):
    """A species' starting structure (``structures/<species>.build.json``, and the cache's ``build``
    entries, which lack ``name`` and ``definition``): what the builder made, the candidates of its
    search, and the plan definition it was built from. A pose build (``<cluster>.pose<k>``) is its
    cluster's build with one candidate's structure, ``cluster``, ``preopt_relative_energy_ev`` and
    ``motif`` added and an empty ``candidates`` list written last."""

    KIND: ClassVar[str] = "build"

    symbols: list[str]
    coordinates_angstrom: list[list[float]]
    fragments: list[dict[str, Any]]
    charge: int
    multiplicity: int
    contacts: list[dict[str, Any]]
    preopt_method: str | None
    preopt_energy_hartree: float | None
    pose_rank: int | _Absent = ABSENT
    candidates: list[dict[str, Any]] | _Absent = ABSENT
    pose_search: dict[str, Any] | _Absent = ABSENT
    build_hash: str | None | _Absent = ABSENT
    name: str | _Absent = ABSENT
    definition: dict[str, Any] | _Absent = ABSENT
    cluster: str | _Absent = ABSENT
    preopt_relative_energy_ev: float | _Absent = ABSENT
    motif: list[list[int]] | None | _Absent = ABSENT

    @property
    def is_pose(self) -> bool:
        """Whether this is the build of one pose of a cluster (``<cluster>.pose<k>``)."""
        return self.cluster is not ABSENT

    @property
    def species(self) -> str:
        """The species' ``name``; like reading the key, ``KeyError`` for a cache entry (it has none)."""
        if isinstance(self.name, _Absent):
            raise KeyError("name")
        return self.name

    @property
    def rank(self) -> int:
        """The ``pose_rank``; like reading the key, ``KeyError`` for a build without one."""
        if isinstance(self.pose_rank, _Absent):
            raise KeyError("pose_rank")
        return self.pose_rank

    @property
    def search_candidates(self) -> list[dict[str, Any]]:
        """The ``candidates`` of the build's search (empty where the file has no such key)."""
        return [] if isinstance(self.candidates, _Absent) else self.candidates

    def _items(self) -> Iterator[tuple[str, Any]]:
        items = list(super()._items())
        if self.is_pose:  # the pose writer drops the cluster's candidates and appends an empty list
            items.sort(key=lambda item: item[0] == "candidates")
        yield from items


@dataclass(frozen=True, kw_only=True)
class PoseSummary(Artifact):
    """The DFT poses of a cluster at a level (``<level>/poses/<cluster>.json``): each pose's energy and
    pre-optimization rank, which one was selected and the spread. Under pose screening the level
    above writes the screening level's summary with its own ``level`` and ``level_energy_hartree``."""

    KIND: ClassVar[str] = "poses"

    cluster: str
    ranked_at_level: str | None
    n_poses: int
    selected_pose: int
    energy_spread_ev: float
    preopt_best_minus_dft_best_ev: float | None
    poses: list[dict[str, Any]]
    level_energy_hartree: float | _Absent = ABSENT
    level: str | None | _Absent = ABSENT


@dataclass(frozen=True, kw_only=True)
class ThermoRecord(Artifact):
    """Frequencies and thermochemistry of one species (``<level>/thermo/<species>.json`` or
    ``thermo_<frequencies level>``). The keys of the composite scheme (``level`` to
    ``frequencies_geometry``, ``electronic_energy_hartree``, ``frequencies_geometry_change``) and
    ``temperature_scan`` are absent from files written before they existed."""

    KIND: ClassVar[str] = "thermo"

    label: str
    level: str | _Absent = ABSENT
    frequencies_level: str | _Absent = ABSENT
    frequencies_level_settings: dict[str, Any] | _Absent = ABSENT
    composite: bool | _Absent = ABSENT
    frequencies_geometry: str | None | _Absent = ABSENT
    energy_hartree: float
    electronic_energy_hartree: float | _Absent = ABSENT
    is_minimum: bool
    n_imaginary: int
    coordinates_angstrom: list[list[float]]
    frequencies: dict[str, Any]
    imaginary_mode_history: list[dict[str, Any]]
    frequencies_geometry_change: dict[str, Any] | None | _Absent = ABSENT
    thermo: dict[str, Any]
    temperature_scan: list[dict[str, Any]] | _Absent = ABSENT
    settings: dict[str, Any]


#: Unit suffixes of the converted copies of a counterpoise file's ``*_hartree`` quantities.
_CONVERTED_SUFFIXES = ("_ev", "_kcal_per_mol")


@dataclass(frozen=True, kw_only=True)
class CounterpoiseRecord(Artifact):
    """Boys–Bernardi counterpoise and deformation analysis of one cluster
    (``<level>/counterpoise/<cluster>.json``). The energies are Hartree; ``conversions`` holds their
    copies in eV and kcal/mol (``<stem>_ev``, ``<stem>_kcal_per_mol``), written after them. The
    dispersion share exists only at a level with dispersion, the deformation terms only with the
    relaxed fragments' records."""

    KIND: ClassVar[str] = "counterpoise"

    complex: str
    complex_energy_hartree: float
    complex_energy_source: str
    dispersion: str | None
    level: dict[str, Any]
    fragments: list[dict[str, Any]]
    interaction_raw_hartree: float
    bsse_hartree: float
    interaction_cp_hartree: float
    interaction_dispersion_hartree: float | _Absent = ABSENT
    total_deformation_hartree: float | _Absent = ABSENT
    binding_hartree: float | _Absent = ABSENT
    binding_cp_hartree: float | _Absent = ABSENT
    identity_residual_hartree: float | _Absent = ABSENT
    conversions: dict[str, float] = field(default_factory=dict)
    definitions: dict[str, str]

    def _items(self) -> Iterator[tuple[str, Any]]:
        for key, value in super()._items():
            if key == "conversions":
                yield from value.items()
            else:
                yield key, value

    @classmethod
    def _fields_of(cls, data: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
        values, used = super()._fields_of(data)
        if "conversions" in values:  # a key of that name is not ours: it stays in ``extra``
            del values["conversions"]
            used.discard("conversions")
        values["conversions"] = {k: v for k, v in data.items() if _converted_from(k) in data}
        return values, used | set(values["conversions"])


def _converted_from(key: str) -> str | None:
    """The ``*_hartree`` key that ``key`` is a unit conversion of (None if it is not one)."""
    for suffix in _CONVERTED_SUFFIXES:
        if key.endswith(suffix):
            return f"{key.removesuffix(suffix)}_hartree"
    return None


@dataclass(frozen=True, kw_only=True)
class SolventRecord(Artifact):
    """Implicit-solvent single point of one species at its gas-phase geometry
    (``<level>/solvent_<name>/<species>.json``): both energies, their difference (the solvation
    energy at fixed geometry, Hartree) and the cavity radius of each element (Angstrom)."""

    KIND: ClassVar[str] = "solvent"

    label: str
    level: str
    solvent: dict[str, Any]
    description: str
    energy_hartree: float
    gas_energy_hartree: float
    solvation_energy_hartree: float
    cavity_radii_angstrom: dict[str, float]
    spec_hash: str
    gas_spec_hash: str
    wall_time_s: float
