"""Fetch bytes: the one HTTP client, its address guard, decoders, robots.txt.

The only room that opens sockets. Imports ``flows.core`` only.
"""
