"""What reaches a person: channels, messages, charts, canned queries, operator messages.

Imports ``flows.core``, ``flows.analysis`` and ``storage``.
"""
