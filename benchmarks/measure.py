"""What the import benchmarks share: a child script that runs ARGV as a fresh process and
prints its wall time and peak memory as JSON (run it as `python -c MEASURE ARGV...`)."""

import textwrap

MEASURE = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    t0 = time.perf_counter()
    p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"rc": p.returncode, "seconds": seconds, "peak_mb": peak,
                      "out": p.stdout[-4000:], "err": p.stderr[-300:]}))
    """
)
