"""leadline: an open-source IT leadership operating system."""

__version__ = "0.1.0"
