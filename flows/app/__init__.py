"""The shells: the ``kaiwatch`` CLI, the Prefect flows, ``serve`` and Datasette ``browse``.

The only room that imports Prefect, typer or Datasette; nothing imports it.
"""
