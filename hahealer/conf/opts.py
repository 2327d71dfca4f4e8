"""Options for oslo-config-generator (entry point oslo.config.opts)."""

from hahealer.conf import ALL_GROUPS


def list_opts():
    """Return (group, options) pairs of every hahealer option."""
    pairs = []
    for module in ALL_GROUPS:
        pairs.extend(module.list_opts().items())
    return pairs
