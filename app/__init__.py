"""Dossier: a provenance-first knowledge API for news stories."""

__version__ = "0.1.0"
