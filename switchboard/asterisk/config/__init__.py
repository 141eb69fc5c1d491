"""The Asterisk configuration written from the YAML: templates (package data) and generated parts."""

from switchboard.asterisk.config.options import AsteriskOptions
from switchboard.asterisk.config.sounds import MissingSound, missing_sounds
from switchboard.asterisk.config.write import OptionError, Written, write_asterisk_config

__all__ = [
    "AsteriskOptions",
    "MissingSound",
    "OptionError",
    "Written",
    "missing_sounds",
    "write_asterisk_config",
]
