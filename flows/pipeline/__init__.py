"""The steps in order: configuration, poll a feed, save an analysed article, route alerts.

Plain functions, no Prefect: ``flows.app`` wraps them in flows and commands.
Imports every room below it and ``storage``.
"""
