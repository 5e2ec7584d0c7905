"""Store Edge POS: the in-store daemon."""

__version__ = "0.1.0"
