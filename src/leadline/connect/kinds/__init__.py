"""Connector kinds, one module each (``github``, ``gitlab``...); see ``kinds.base``."""
