"""détente: stations for the crisis lines between armed parties."""

__version__ = "0.1.0"
