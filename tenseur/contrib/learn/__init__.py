"""`tf.contrib.learn`: only its datasets are provided (the path the workshop imports)."""
from . import datasets  # noqa: F401
from . import python  # noqa: F401
