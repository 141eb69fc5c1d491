"""The what-if simulator: a discrete-event simulation of callers and operators over the core.

Not to be confused with `switchboard.fakepbx`, the protocol-faithful fake Asterisk for tests:
this package speaks no protocol at all; it feeds the pure core typed events at virtual times.
"""
