"""OpenSTX: science-and-technology exchange and information system."""

__version__ = "0.1.0"
