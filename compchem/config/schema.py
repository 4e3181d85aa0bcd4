"""The config schema (``compchem/schemas/config.schema.yaml``, shipped with the package) and the
validation of a config mapping against it: defaults filled in, and every error reported at once, each
with its place in the config and, for a value that matches none of several forms, the failure of the
form it comes closest to rather than jsonschema's generic message."""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

import jsonschema
import yaml

from compchem.errors import InputError


def load_schema() -> dict[str, Any]:
    """The JSON schema of the workflow config (shipped with the package)."""
    text = resources.files("compchem").joinpath("schemas/config.schema.yaml").read_text()
    return yaml.safe_load(text)


def _with_defaults(validator_class: Any) -> Any:
    """A validator that also fills in each property's ``default`` (jsonschema FAQ recipe)."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator: Any, properties: Any, instance: Any, schema: Any) -> Any:
        if isinstance(instance, dict):
            for prop, sub in properties.items():
                if "default" in sub and prop not in instance:
                    instance[prop] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def validate_config(config: dict[str, Any]) -> dict[str, Any]:
    """Schema-check ``config`` and return a copy with defaults filled in."""
    data = copy.deepcopy(config or {})
    validator = _with_defaults(jsonschema.Draft7Validator)(load_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for err in errors:
            where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
            lines.append(f"config: {where}: {_schema_message(err)}")
        raise InputError("invalid config:\n  " + "\n  ".join(lines))
    return data


def _schema_message(err: Any) -> str:
    """What is wrong, in words: for a value matching none of several forms (``oneOf``), the failure of
    the form it comes closest to (e.g. ``0 is less than the minimum of 1`` for ``n: [0]``) rather than
    jsonschema's "is not valid under any of the given schemas"."""
    if err.validator in ("oneOf", "anyOf") and err.context:
        branches: dict[Any, list[Any]] = {}
        for sub in err.context:
            branches.setdefault(sub.schema_path[0], []).append(sub)
        # the form whose type the value has (a list for `n: [0]`), else jsonschema's best guess
        typed = [
            subs
            for subs in branches.values()
            if not any(e.validator == "type" and not e.relative_path for e in subs)
        ]
        best = typed[0][0] if typed else jsonschema.exceptions.best_match(err.context)
        where = "/".join(str(p) for p in best.relative_path)
        return f"{best.message}" + (f" (at item {where})" if where else "")
    return err.message
