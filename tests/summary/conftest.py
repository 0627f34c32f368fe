"""Reading what tenseur wrote back through TensorBoard's own loader."""
import pytest


@pytest.fixture
def load_run():
    """`load_run(logdir)`: an `EventAccumulator` over a run directory, everything kept."""
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

    def load(path):
        everything = {kind: 0 for kind in accumulator.DEFAULT_SIZE_GUIDANCE}
        run = accumulator.EventAccumulator(str(path), size_guidance=everything)
        run.Reload()
        return run

    return load
