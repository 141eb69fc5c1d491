"""Load a YAML configuration, validate every section and report all problems with line numbers."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from switchboard.config.crossref import cross_reference
from switchboard.config.errors import ConfigError, Loc, Problem
from switchboard.config.models import (
    ID_PATTERN,
    Agent,
    Config,
    DirectoryEntry,
    ReportSettings,
    Selection,
    Tenant,
)
from switchboard.config.settings import DispatchSettings, Engine

ENV_PREFIX = "SWITCHBOARD_"
_SECTIONS = {"engine", "selection", "dispatch", "tenants", "agents", "reports", "directory"}
M = TypeVar("M", bound=BaseModel)


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read, validate and cross-check `path`; raise ConfigError listing every problem."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(name, [Problem((), f"cannot read file: {exc}")]) from None
    return parse_config(text, name, os.environ if environ is None else environ)


def parse_config(text: str, name: str, environ: Mapping[str, str]) -> Config:
    """Validate YAML `text` (named `name` in messages) with environment overrides applied."""
    doc = read_document(text, name)
    _apply_env(doc, environ)
    problems: list[Problem] = []
    for key in doc:
        if key not in _SECTIONS:
            problems.append(_at(doc, (str(key),), "unknown section"))
    engine = _validate(Engine, doc.get("engine", {}), ("engine",), doc, problems)
    dispatch = _validate(DispatchSettings, doc.get("dispatch", {}), ("dispatch",), doc, problems)
    reports = _validate(ReportSettings, doc.get("reports", {}), ("reports",), doc, problems)
    selection = doc.get("selection", Selection.LONGEST_IDLE.value)
    if selection not in {s.value for s in Selection}:
        choices = ", ".join(s.value for s in Selection)
        problems.append(_at(doc, ("selection",), f"must be one of {choices}"))
    tenants = _validate_each(Tenant, doc, "tenants", problems, required=True)
    agents = _validate_each(Agent, doc, "agents", problems, required=False)
    directory = _validate_each(DirectoryEntry, doc, "directory", problems, required=False)
    for loc, message in cross_reference(_plain(doc)):
        problems.append(_at(doc, loc, message))
    if problems or engine is None or dispatch is None or reports is None:
        raise ConfigError(name, problems)
    return Config(
        engine=engine,
        selection=Selection(selection),
        dispatch=dispatch,
        tenants=tenants,
        agents=agents,
        reports=reports,
        directory=directory,
    )


def read_document(text: str, name: str) -> CommentedMap:
    """Parse YAML `text` round-trip (positions kept); raise ConfigError unless it is a mapping."""
    try:
        doc = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise ConfigError(name, [Problem((), f"YAML syntax: {exc.problem}", line)]) from None
    if not isinstance(doc, CommentedMap):
        raise ConfigError(name, [Problem((), "the file must be a YAML mapping", 1)])
    return doc


def validate_document(model: type[M], doc: CommentedMap, problems: list[Problem]) -> M | None:
    """Validate a whole document against `model`, adding each error with its line to `problems`."""
    return _validate(model, doc, (), doc, problems)


def problem_at(doc: CommentedMap, loc: Loc, message: str) -> Problem:
    """A problem at the line of the deepest node of `loc` in `doc`."""
    return _at(doc, loc, message)


def _validate_each(
    model: type[M], doc: CommentedMap, section: str, problems: list[Problem], *, required: bool
) -> dict[str, M]:
    raw = doc.get(section)
    if raw is None:
        if required:
            problems.append(Problem((section,), "is required", 1))
        return {}
    if not isinstance(raw, CommentedMap):
        problems.append(_at(doc, (section,), "must be a mapping of id to settings"))
        return {}
    valid: dict[str, M] = {}
    for key, value in raw.items():
        loc: Loc = (section, str(key))
        item = _validate(model, value, loc, doc, problems, key_error=_bad_id(key))
        if item is not None:
            valid[str(key)] = item
    return valid


def _validate(
    model: type[M],
    raw: Any,
    loc: Loc,
    doc: CommentedMap,
    problems: list[Problem],
    key_error: str | None = None,
) -> M | None:
    if key_error is not None:
        problems.append(_at(doc, loc, key_error))
    try:
        result = model.model_validate(_plain(raw))
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(_at(doc, loc + tuple(err["loc"]), message))
        return None
    return result if key_error is None else None


def _bad_id(key: object) -> str | None:
    if isinstance(key, str) and re.fullmatch(ID_PATTERN, key):
        return None
    return "ids are 1-40 lowercase letters, digits, '-' or '_', starting with a letter or digit"


def _at(doc: CommentedMap, loc: Loc, message: str) -> Problem:
    return Problem(loc, message, _line_of(doc, loc))


def _line_of(doc: Any, loc: Loc) -> int:
    """1-based line of the deepest node of `loc` present in the round-trip document."""
    node, line = doc, 1
    for part in loc:
        try:
            if isinstance(node, CommentedMap) and part in node:
                node, line = node[part], node.lc.key(part)[0] + 1
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                node, line = node[part], node.lc.item(part)[0] + 1
            else:
                break
        except (KeyError, TypeError):  # nodes set from the environment carry no position
            break
    return line


def _plain(node: Any) -> Any:
    if isinstance(node, CommentedMap):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def _apply_env(doc: CommentedMap, environ: Mapping[str, str]) -> None:
    """`SWITCHBOARD_AMI__SECRET=x` sets engine.ami.secret, so secrets stay out of the file."""
    for key, value in sorted(environ.items()):
        if not key.startswith(ENV_PREFIX) or "__" not in key:
            continue
        parts = [p.lower() for p in key[len(ENV_PREFIX) :].split("__")]
        node = doc.setdefault("engine", CommentedMap())
        for part in parts[:-1]:
            if not isinstance(node, CommentedMap):
                break
            node = node.setdefault(part, CommentedMap())
        if isinstance(node, CommentedMap):
            node[parts[-1]] = value
