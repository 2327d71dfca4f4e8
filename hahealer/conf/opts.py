"""Options for oslo-config-generator (entry point oslo.config.opts)."""

from oslo_config import cfg

from hahealer.conf import ALL_GROUPS


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """Return (group, options) pairs of every hahealer option."""
    pairs: list[tuple[str, list[cfg.Opt]]] = []
    for module in ALL_GROUPS:
        pairs.extend(module.list_opts().items())
    return pairs
