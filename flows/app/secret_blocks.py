"""Read a Prefect Secret block: the one place kaiwatch loads a secret from Prefect.

The notify room takes this function as its ``read_block`` argument
(:func:`flows.notify.channels.load_channels`, :func:`flows.notify.operator.operator_urls`),
so that only ``flows.app`` imports Prefect.
"""

from __future__ import annotations

from typing import Any, cast

from flows.core.errors import ConfigError

__all__ = ["read_secret_block"]


def read_secret_block(variable: str, name: str) -> str:
    """The value of the Prefect Secret block ``name``, named by the variable ``variable``.

    :raises ConfigError: the block cannot be loaded (missing, or no Prefect server).
    """
    from prefect.blocks.system import Secret  # only when asked: Prefect is heavy

    try:
        # Called outside an event loop, load() returns the block (not a coroutine).
        block = cast("Secret[Any]", Secret.load(name))
        value = block.get()
    except (ValueError, RuntimeError) as exc:
        raise ConfigError(
            f"{variable}={name!r}: cannot load that Prefect Secret block ({exc}). "
            "Fix: create it with `prefect block create secret` or unset the variable."
        ) from exc
    return str(value)
