"""`tenseur.contrib`: the TF 1.x contrib paths old course material imports from."""
from . import layers, learn  # noqa: F401
