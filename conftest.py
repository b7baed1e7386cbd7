"""Puts the project root on sys.path so tests import the four top-level packages."""
