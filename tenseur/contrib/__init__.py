"""`tenseur.contrib`: the TF 1.x contrib paths old course material imports from."""
from . import learn  # noqa: F401
