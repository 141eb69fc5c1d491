"""Sounds: the tenants' recordings laid over the stock prompts, and which recordings are missing.

Layout of a recordings directory: `<lang>/<tenant>-<what>.<ext>` (for example
`sv/vetlanda-greeting.wav`). Asterisk looks a sound up in the channel's language, then without
a language, then in `en` [S: main/file.c fileexists_core], so a recording missing in the
tenant's language falls back to an English one, and the stock prompts (queue-thereare, ...)
to English where the language has none.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from switchboard.config.models import Config
from switchboard.config.voice import tenant_sounds

# Extensions of the formats the written modules.conf loads (format_wav, format_gsm,
# format_wav_gsm, format_pcm, format_sln).
FORMATS = ("wav", "WAV", "wav16", "gsm", "ulaw", "alaw", "pcm", "al", "ul", "sln", "sln16")
# Sounds the dialplan replaces by a stock prompt when they do not play (switchboard-announce,
# the callback's confirmation and whisper); the others are simply not heard.
WITH_STOCK = (("closed", "announce"), ("callback", "confirm"), ("callback", "whisper"))


@dataclass(frozen=True, slots=True)
class MissingSound:
    """A sound the configuration names that has no file in one of the languages it is played in."""

    path: str  # dotted config path, e.g. tenants.vetlanda.greeting
    language: str
    name: str
    instead: str  # what Asterisk plays instead

    def render(self) -> str:
        """One line for ops."""
        return f"{self.path}: {self.language}/{self.name} is missing ({self.instead})"


def missing_sounds(config: Config, sounds: Path) -> list[MissingSound]:
    """Every sound the configuration names, in each language it is played in, not in `sounds`."""
    missing = []
    for tid, tenant in config.tenants.items():
        languages = dict.fromkeys(
            [tenant.language, *(r.language for r in tenant.callers if r.language)]
        )
        plain = tenant.model_dump(mode="json")
        for loc, name in tenant_sounds(plain):
            for language in languages:
                if language is None or _found(sounds / language, name):
                    continue
                path = ".".join(("tenants", tid, *map(str, loc)))
                missing.append(MissingSound(path, language, name, _instead(sounds, loc, name)))
    return missing


def link_sounds(target: Path, stock: Path, recordings: Path | None) -> None:
    """`target` shows `stock` with `recordings` laid over it (a recording wins over a stock file)."""
    if recordings is None:
        link(target, stock)
        return
    _clear(target)
    _overlay(target, [recordings, stock])


def link(target: Path, source: Path) -> None:
    """`target` becomes a symbolic link to `source`, replacing whatever was there."""
    _clear(target)
    target.symlink_to(source)


def _clear(target: Path) -> None:
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)  # an earlier overlay: directories and symbolic links only


def _overlay(target: Path, layers: list[Path]) -> None:
    """Directories present in several layers are merged; everything else is a link to the first
    layer that has it."""
    present = [layer for layer in layers if layer.is_dir()]
    if len(present) == 1:
        target.symlink_to(present[0])
        return
    target.mkdir(parents=True)
    names = sorted({child.name for layer in present for child in layer.iterdir()})
    for name in names:
        having = [layer / name for layer in present if (layer / name).exists()]
        if len(having) > 1 and all(path.is_dir() for path in having):
            _overlay(target / name, having)
        else:
            (target / name).symlink_to(having[0].resolve())


def _found(folder: Path, name: str) -> bool:
    return any((folder / f"{name}.{ext}").is_file() for ext in FORMATS)


def _instead(sounds: Path, loc: tuple[str | int, ...], name: str) -> str:
    if _found(sounds, name):
        return f"plays {name} without a language"
    if _found(sounds / "en", name):
        return f"plays en/{name}"
    if tuple(loc[-2:]) in WITH_STOCK:
        return "the stock prompt plays instead"
    return "nothing is played"
