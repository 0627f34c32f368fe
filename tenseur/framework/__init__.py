"""The graph core: dtypes, shapes, errors, Graph, Operation, Tensor, Variable, Session."""
