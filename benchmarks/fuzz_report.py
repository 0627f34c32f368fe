"""The summary the random-case parity scripts print (keras_fuzz_parity, keras_fit_fuzz_parity)."""


def summarize(results, seed, failing=("MISMATCH", "ERROR")) -> int:
    """Prints the counts of `results` ((status, name, detail) tuples) and the failing cases;
    returns the exit status (1 when a case has a status in `failing`)."""
    counts = {}
    for status, _, _ in results:
        counts[status] = counts.get(status, 0) + 1
    bad = [(s, n, d) for s, n, d in results if s in failing]
    print(f"\nseed {seed}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for status, name, detail in bad:
        print(f"  {status:8s} {name}  -- {detail[:300]}")
    return 1 if bad else 0
