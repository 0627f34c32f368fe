"""tenseur: a small, readable deep-learning framework on NumPy (`import tenseur as tf`)."""
__version__ = "0.1.0"
