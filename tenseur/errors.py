"""`tf.errors`: the TF 1.x names of the errors a Session run raises, so that
`except tf.errors.InvalidArgumentError:` works as written for TensorFlow. The classes are
tenseur's own (framework/errors.py), also at the top level (`tf.InvalidArgumentError`).

Example:
    >>> try:
    ...     sess.run(w)
    ... except tf.errors.FailedPreconditionError:
    ...     sess.run(w.initializer)
"""
from .framework.errors import (FailedPreconditionError, InvalidArgumentError,  # noqa: F401
                               NotFoundError, OpError)

__all__ = ["OpError", "InvalidArgumentError", "FailedPreconditionError", "NotFoundError"]
