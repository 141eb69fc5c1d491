"""Load a configuration written by `switchboard asterisk-config` into the fake PBX, reading the
files as Asterisk's config parser would: sections `[name](templates)`, `key = value`,
`key => value`, `;` comments and template inheritance (main/config.c)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from switchboard.fakepbx.config import DialplanConfig, Fallback, QueueConfig, SimConfig

_SECTION = re.compile(r"^\[([^\]]+)\](?:\(([^)]*)\))?\s*$")
_SET = re.compile(r"^Set\(([A-Z_]+)=(.*)\)$")
_GOTO = re.compile(r"^Goto\(([^,]+),1\)$")


@dataclass
class Section:
    """One `[name](templates)` section with its items in file order."""

    name: str
    templates: tuple[str, ...] = ()
    template: bool = False  # `(!)`: only inherited from
    items: list[tuple[str, str]] = field(default_factory=list)

    def get(self, key: str) -> str | None:
        """The last value of `key` in this section (a later line overrides an earlier one)."""
        found = [value for k, value in self.items if k == key]
        return found[-1] if found else None

    def all(self, key: str) -> list[str]:
        """Every value of `key` (e.g. `member` lines)."""
        return [value for k, value in self.items if k == key]


def parse(text: str) -> list[Section]:
    """The sections of one configuration file."""
    sections: list[Section] = []
    for raw in text.splitlines():
        line = re.sub(r"(?<!\\);.*$", "", raw).strip()
        if not line or line.startswith("#"):
            continue
        head = _SECTION.match(line)
        if head:
            options = [o.strip() for o in (head.group(2) or "").split(",") if o.strip()]
            templates = tuple(o for o in options if o != "!")
            sections.append(Section(head.group(1), templates, "!" in options))
        elif sections and ("=>" in line or "=" in line):
            sep = "=>" if "=>" in line and line.index("=>") <= line.find("=") else "="
            key, _, value = line.partition(sep)
            sections[-1].items.append((key.strip(), value.strip()))
    return sections


def sim_config(folder: Path, **overrides: Any) -> SimConfig:
    """A SimConfig with the queues, operator endpoints and number map written in `folder`."""
    queues = _queues(parse((folder / "queues.conf").read_text("utf-8")))
    endpoints = _operators(parse((folder / "pjsip.conf").read_text("utf-8")))
    numbers = _numbers(parse((folder / "switchboard-generated.conf").read_text("utf-8")))
    # app_queue rings the fallback queue's members; the fake PBX dials them one by one
    fallback = next((q for q in queues if q.static_members), None)
    members = tuple(m for m, _ in fallback.static_members) if fallback else ()
    dialplan = overrides.pop("dialplan", DialplanConfig())
    queue = fallback.name if fallback else None
    dialplan = replace(dialplan, fallback=Fallback(agents=members, queue=queue))
    return SimConfig(
        dialplan=dialplan, queues=queues, endpoints=endpoints, numbers=numbers, **overrides
    )


def _queues(sections: list[Section]) -> tuple[QueueConfig, ...]:
    by_name = {s.name: s for s in sections}
    out = []
    for section in sections:
        if section.template or section.name == "general":
            continue
        strategy = _inherited(section, by_name, "strategy") or "ringall"
        members = tuple(
            (fields[0].strip(), fields[2].strip() if len(fields) > 2 else fields[0].strip())
            for fields in (m.split(",") for m in section.all("member"))
        )
        out.append(QueueConfig(section.name, strategy, members))
    return tuple(out)


def _operators(sections: list[Section]) -> tuple[str, ...]:
    """Endpoints built on the `operator` template (the trunk is not an operator)."""
    return tuple(
        s.name for s in sections if "operator" in s.templates and s.get("auth") is not None
    )


def _numbers(sections: list[Section]) -> dict[str, dict[str, str]]:
    """[switchboard-numbers]: each dialled form -> the variables its Gosub sets."""
    context = next((s for s in sections if s.name == "switchboard-numbers"), None)
    if context is None:
        return {}
    found: dict[str, dict[str, str]] = {}
    aliases: dict[str, str] = {}
    current: str | None = None
    for key, value in context.items:
        if key == "exten":
            exten, _, rest = value.partition(",")
            current = exten if not exten.startswith("_") else None
            app = rest.partition(",")[2]
        elif key == "same":
            app = value.partition(",")[2]
        else:
            continue
        if current is None:
            continue
        if (goto := _GOTO.match(app)) is not None:
            aliases[current] = goto.group(1)
        elif (setter := _SET.match(app)) is not None:
            found.setdefault(current, {})[setter.group(1)] = setter.group(2)
    for alias, target in aliases.items():
        found[alias] = found.get(target, {})
    return found


def _inherited(section: Section, by_name: dict[str, Section], key: str) -> str | None:
    value = section.get(key)
    for name in section.templates:
        if value is None and name in by_name:
            value = _inherited(by_name[name], by_name, key)
    return value
