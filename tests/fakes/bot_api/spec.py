"""The Bot API specification (vendored in telegram-bot-api/api.json) and a validator for calls against it.

`load_spec()` finds and parses api.json once. `SpecValidator.decode()` turns the strings of a form or
multipart request into typed values the way Telegram does (by the declared field types);
`SpecValidator.validate()` checks a decoded call: the method exists, required parameters are present,
no parameter is unknown, every value has a declared type (objects checked field by field against the
types table, unions accepted if any member fits), and the prose limits of `limits.py` hold.

The specification is part of the repository (`telegram-bot-api/api.json` beside this module, its source
and Bot API version in `telegram-bot-api/SOURCE.md`), so the suite needs nothing beside the clone.
`python -m tests.fakes.bot_api.refresh_spec` replaces it with a newer one.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .html_text import EntityParseError, parse_html
from .limits import ANY_METHOD_LIMITS, ANY_TYPE_LIMITS, METHOD_LIMITS, TYPE_LIMITS, TextLimit
from .records import UploadedFile

SPEC_DIR = Path(__file__).resolve().with_name("telegram-bot-api")
SPEC_FILE = SPEC_DIR / "api.json"
_INTEGER = re.compile(r"-?\d+")
_ARRAY_OF = "Array of "
_DISCRIMINATORS = ("type", "status", "source")
_MUST_BE = re.compile(r"\bmust be [\"“]?([a-z_]+)")
_SCALARS = {"Integer", "String", "Boolean", "Float", "True", "InputFile"}


@dataclass(frozen=True)
class Violation:
    """A call Telegram would refuse, or a parameter it does not know."""

    method: str
    path: str
    message: str
    description: str  # the 400 description Telegram would answer

    def __str__(self) -> str:
        where = f"{self.method}.{self.path}" if self.path else self.method
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool
    description: str


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class TypeSpec:
    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...]
    constants: dict[str, str]  # discriminator field -> the value it "must be"


@dataclass(frozen=True)
class BotApiSpec:
    version: str
    methods: dict[str, MethodSpec]  # keyed by lower-case name
    types: dict[str, TypeSpec]

    def method(self, name: str) -> MethodSpec | None:
        return self.methods.get(name.lower())


@functools.cache
def load_spec(path: Path | None = None) -> BotApiSpec:
    raw = json.loads((path or SPEC_FILE).read_text(encoding="utf-8"))
    methods = {
        name.lower(): MethodSpec(name, _fields(body), tuple(body.get("returns", ())))
        for name, body in raw["methods"].items()
    }
    types = {}
    for name, body in raw["types"].items():
        fields = _fields(body)
        constants = {
            field.name: match.group(1)
            for field in fields.values()
            if field.name in _DISCRIMINATORS and (match := _MUST_BE.search(field.description))
        }
        types[name] = TypeSpec(name, fields, tuple(body.get("subtypes", ())), constants)
    return BotApiSpec(raw.get("version", "?"), methods, types)


def _fields(body: dict[str, Any]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]), f.get("description", ""))
        for f in body.get("fields", ())
    }


class SpecValidator:
    def __init__(self, spec: BotApiSpec | None = None) -> None:
        self.spec = spec or load_spec()

    # -- decoding -------------------------------------------------------------------------------

    def decode(
        self, method: MethodSpec, raw: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        """Typed parameters from form/JSON values; `attach://x` and direct file parts become files."""
        params: dict[str, Any] = {}
        for name, value in raw.items():
            field = method.fields.get(name)
            types = field.types if field else ()
            decoded = _decode_value(value, types) if isinstance(value, str) else value
            if isinstance(decoded, str) and "InputFile" in types and decoded.startswith("attach://"):
                decoded = files.get(decoded.removeprefix("attach://"), decoded)
            params[name] = decoded
        for name, upload in files.items():
            if name in method.fields and name not in params:
                params[name] = upload
        return params

    # -- validation -----------------------------------------------------------------------------

    def validate(
        self, method: MethodSpec, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> list[Violation]:
        found: list[Violation] = []
        for required in method.fields.values():
            if required.required and params.get(required.name) in (None, ""):
                found.append(
                    Violation(
                        method.name,
                        required.name,
                        "required parameter is missing",
                        f"Bad Request: {required.name} is empty",
                    )
                )
        for name, value in params.items():
            field = method.fields.get(name)
            if field is None:
                found.append(
                    Violation(
                        method.name,
                        name,
                        f"unknown parameter (not in {self.spec.version})",
                        f"Bad Request: unknown parameter {name}",
                    )
                )
                continue
            found.extend(self._check_union(method.name, name, value, field.types, files))
            limit = METHOD_LIMITS.get((method.name, name)) or ANY_METHOD_LIMITS.get(name)
            if limit is not None and isinstance(value, str):
                found.extend(_check_limit(method.name, name, value, limit, params))
        return found

    def _check_union(
        self, method: str, path: str, value: Any, types: tuple[str, ...], files: dict[str, UploadedFile]
    ) -> list[Violation]:
        best: list[Violation] | None = None
        for type_name in types:
            errors = self._check_type(method, path, value, type_name, files)
            if not errors:
                return []
            if best is None or len(errors) < len(best):
                best = errors
        return best or []

    def _check_type(
        self, method: str, path: str, value: Any, type_name: str, files: dict[str, UploadedFile]
    ) -> list[Violation]:
        if type_name.startswith(_ARRAY_OF):
            if not isinstance(value, list):
                return [_type_error(method, path, type_name, value)]
            item_type = type_name.removeprefix(_ARRAY_OF)
            errors: list[Violation] = []
            for index, item in enumerate(value):
                errors.extend(self._check_type(method, f"{path}[{index}]", item, item_type, files))
            return errors
        if type_name in _SCALARS:
            return (
                [] if _scalar_ok(value, type_name, files) else [_type_error(method, path, type_name, value)]
            )
        spec = self.spec.types.get(type_name)
        if spec is None:  # a type the table does not describe: accept any object
            return [] if isinstance(value, dict) else [_type_error(method, path, type_name, value)]
        if spec.subtypes:
            return self._check_abstract(method, path, value, spec, files)
        return self._check_object(method, path, value, spec, files)

    def _check_abstract(
        self, method: str, path: str, value: Any, spec: TypeSpec, files: dict[str, UploadedFile]
    ) -> list[Violation]:
        if not isinstance(value, dict):
            return [_type_error(method, path, spec.name, value)]
        candidates = (
            [
                subtype
                for subtype in spec.subtypes
                if all(
                    value.get(key) == constant for key, constant in self.spec.types[subtype].constants.items()
                )
            ]
            if all(subtype in self.spec.types for subtype in spec.subtypes)
            else list(spec.subtypes)
        )
        if not candidates:
            return [
                Violation(
                    method,
                    path,
                    f"matches none of {', '.join(spec.subtypes)}",
                    f"Bad Request: can't parse {spec.name}",
                )
            ]
        return self._check_union(method, path, value, tuple(candidates), files)

    def _check_object(
        self, method: str, path: str, value: Any, spec: TypeSpec, files: dict[str, UploadedFile]
    ) -> list[Violation]:
        if not isinstance(value, dict):
            return [_type_error(method, path, spec.name, value)]
        errors: list[Violation] = []
        for required in spec.fields.values():
            if required.required and required.name not in value:
                errors.append(
                    Violation(
                        method,
                        f"{path}.{required.name}",
                        f"required field of {spec.name} is missing",
                        f'Bad Request: can\'t parse {spec.name}: field "{required.name}" is missing',
                    )
                )
        for name, item in value.items():
            field = spec.fields.get(name)
            where = f"{path}.{name}"
            if field is None:
                errors.append(
                    Violation(
                        method,
                        where,
                        f"unknown field of {spec.name} (not in {self.spec.version})",
                        f'Bad Request: can\'t parse {spec.name}: unknown field "{name}"',
                    )
                )
                continue
            if name in spec.constants and item != spec.constants[name]:
                errors.append(
                    Violation(
                        method,
                        where,
                        f"must be {spec.constants[name]!r}, got {item!r}",
                        f"Bad Request: can't parse {spec.name}",
                    )
                )
                continue
            errors.extend(self._check_union(method, where, item, field.types, files))
            limit = TYPE_LIMITS.get((spec.name, name)) or ANY_TYPE_LIMITS.get(name)
            if limit is not None and isinstance(item, str):
                errors.extend(_check_limit(method, where, item, limit, value))
        return errors


def _decode_value(raw: str, types: tuple[str, ...]) -> Any:
    """How Telegram reads a form string for a field of the given types."""
    if ("Integer" in types) and _INTEGER.fullmatch(raw.strip()):
        return int(raw)
    if "Float" in types:
        try:
            return float(raw)
        except ValueError:
            pass
    if "Boolean" in types or "True" in types:
        lowered = raw.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
    if "String" in types or "InputFile" in types:
        return raw
    if not types or any(t not in _SCALARS for t in types):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _scalar_ok(value: Any, type_name: str, files: dict[str, UploadedFile]) -> bool:
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "String":
        return isinstance(value, str)
    if type_name in ("Boolean", "True"):
        return isinstance(value, bool)
    # InputFile: an uploaded part, or a reference to one
    if isinstance(value, UploadedFile):
        return True
    return isinstance(value, str) and value.startswith("attach://") and value[9:] in files


def _type_error(method: str, path: str, type_name: str, value: Any) -> Violation:
    return Violation(
        method,
        path,
        f"expected {type_name}, got {type(value).__name__} {value!r:.60}",
        f'Bad Request: field "{path}" must be of type {type_name}',
    )


def _check_limit(
    method: str, path: str, value: str, limit: TextLimit, siblings: dict[str, Any]
) -> list[Violation]:
    text = value
    parse_mode = siblings.get(limit.parse_mode_field) if limit.parse_mode_field else None
    if isinstance(parse_mode, str) and parse_mode.lower() == "html":
        try:
            text = parse_html(value).text
        except EntityParseError as error:
            return [
                Violation(method, path, f"bad HTML: {error}", f"Bad Request: can't parse entities: {error}")
            ]
    if limit.empty_error and not text.strip():
        return [Violation(method, path, "must not be empty", f"Bad Request: {limit.empty_error}")]
    size = limit.measure(text)
    unit = "bytes" if limit.in_bytes else "characters"
    bounds = f"{limit.min_len}-{limit.max_len if limit.max_len is not None else '∞'} {unit}"
    if size < limit.min_len or (limit.max_len is not None and size > limit.max_len):
        return [Violation(method, path, f"must be {bounds}, got {size}", f"Bad Request: {limit.error}")]
    if limit.pattern is not None and not limit.pattern.fullmatch(value):
        return [
            Violation(
                method,
                path,
                f"must match {limit.pattern.pattern}, got {value!r}",
                f"Bad Request: {limit.error}",
            )
        ]
    return []
