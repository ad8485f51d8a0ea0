"""profscout: find the professors and labs worth writing to."""

__version__ = "0.1.0"
