"""The core: configuration, errors, the domain vocabulary and the store.

Imports nothing else of ours.
"""
