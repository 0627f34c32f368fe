"""Error classes. Each refines the builtin a user would catch (ValueError, TypeError...)."""


class TenseurError(Exception):
    """Base class of every error tenseur raises on purpose."""

    def __init__(self, message: str, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message + (f"\n  hint: {hint}" if hint else ""))


class ShapeError(TenseurError, ValueError):
    """Shapes that cannot work together, found when the graph is built."""


class DTypeError(TenseurError, TypeError):
    """Dtypes that cannot work together."""


class OpError(TenseurError):
    """An error raised while running an op in a Session (TF 1.x `tf.errors.OpError`)."""

    def __init__(self, message: str, node_name: str | None = None, hint: str | None = None):
        self.node_name = node_name
        super().__init__(message, hint)


class InvalidArgumentError(OpError, ValueError):
    """A bad feed or a kernel rejecting its inputs (TF 1.x name)."""


class FailedPreconditionError(OpError):
    """Reading a variable that was not initialized (TF 1.x name)."""


class NotFoundError(OpError, LookupError):
    """A file or checkpoint that does not exist (TF 1.x name)."""


class GraphMismatchError(TenseurError, ValueError):
    """A tensor used with an op, session or graph it does not belong to."""
