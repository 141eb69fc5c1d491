"""`switchboard demo`: the real engine against the fake PBX, with synthetic callers and operators."""
