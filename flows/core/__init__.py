"""The records passed between steps, the errors, and small text helpers.

Imports nothing from the other rooms: every room, and ``storage``, may import it.
"""
