"""kaiwatch: a self-hosted monitor of Korean AI industry news.

The ``flows`` package holds the pipeline steps (plain functions, no Prefect)
and the Prefect flows that wire them together (``flows.app.ingest``).
"""

__version__ = "0.1.0"
