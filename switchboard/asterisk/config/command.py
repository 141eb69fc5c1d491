"""`switchboard asterisk-config` and `switchboard check --sounds`: the command-line side."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from switchboard.asterisk.config.options import add_arguments as add_options
from switchboard.asterisk.config.options import from_args
from switchboard.asterisk.config.sounds import missing_sounds
from switchboard.asterisk.config.write import OptionError, write_asterisk_config
from switchboard.config.models import Config

EXIT_OK = 0
EXIT_SOUNDS = 3  # check --sounds: a sound the configuration names is missing
EXIT_USAGE = 64


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `switchboard asterisk-config` (the configuration file's -c included)."""
    p.add_argument("-c", "--config", required=True, help="YAML configuration file")
    add_options(p)


def asterisk_config(config: Config, args: argparse.Namespace) -> int:
    """Write the configuration into args.outdir; warn of missing recordings; 0 or EXIT_USAGE."""
    options = from_args(args)
    try:
        written = write_asterisk_config(config, args.config, Path(args.outdir), options)
    except OptionError as exc:
        print(f"switchboard asterisk-config: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if options.recordings:
        for sound in missing_sounds(config, Path(options.recordings)):
            print(f"warning: {sound.render()}", file=sys.stderr)
    if not options.quiet:
        print(f"wrote {len(written.files)} files into {written.outdir}")
        print(f"start:    asterisk -f -C {written.outdir}/asterisk.conf")
        for what, value in written.generated.items():
            print(f"{what} (generated, shown once): {value}")
    return EXIT_OK


def check_sounds(config: Config, sounds: str) -> int:
    """List the sounds the configuration names that `sounds` lacks; EXIT_SOUNDS if any."""
    missing = missing_sounds(config, Path(sounds))
    for sound in missing:
        print(sound.render())
    print(f"{len(missing)} sound(s) missing in {sounds}")
    return EXIT_SOUNDS if missing else EXIT_OK
