"""Test helper: record which functions of a module a test calls."""


def record_calls(monkeypatch, module, names) -> list:
    """Wraps `module.<name>` for each name so that each call appends the name to the returned
    list (then runs the original); monkeypatch undoes it after the test."""
    seen = []
    for name in names:
        original = getattr(module, name)

        def spy(*args, _original=original, _name=name):
            seen.append(_name)
            return _original(*args)
        monkeypatch.setattr(module, name, spy)
    return seen
