#!/usr/bin/env python3
"""Start-up: process start -> first response, and peak RSS, for a minimal dynamorm binary and
a minimal raw-SDK binary doing the same GetItem against DynamoDB Local (started here).

    python3 scripts/startup.py [RUNS]
"""
import os
import statistics
import subprocess
import sys
import time

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
           AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")


def run(binary, *args):
    start = time.perf_counter()
    proc = subprocess.Popen([binary, *args], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{binary} failed with status {status}")
    return elapsed * 1000, usage.ru_maxrss / 1024  # ms, MiB


subprocess.run(["cargo", "build", "--release", "-q", "--example", "startup_raw",
                "--example", "startup_dynamorm"], cwd=ROOT, check=True)
target = os.path.join(ROOT, "target", "release", "examples")
pidfile = os.path.join(ROOT, ".ddb-local", "server.pid")
already_running = os.path.exists(pidfile)
endpoint = subprocess.run([os.path.join(ROOT, "scripts", "ddb-local.sh"), "start"],
                          capture_output=True, text=True, check=True).stdout.strip()
try:
    env["AWS_ENDPOINT_URL"] = endpoint
    run(os.path.join(target, "startup_dynamorm"), "--setup")
    # Interleaved (alternating which goes first) so that drift in the machine's speed
    # affects both alike; the ratio is the median of the per-pair ratios.
    names = ("startup_raw", "startup_dynamorm")
    for name in names:  # warm the page cache
        run(os.path.join(target, name))
    runs = {name: [] for name in names}
    ratios = []
    for i in range(RUNS):
        pair = {}
        for name in (names if i % 2 == 0 else names[::-1]):
            pair[name] = run(os.path.join(target, name))
            runs[name].append(pair[name])
        ratios.append(pair["startup_dynamorm"][0] / pair["startup_raw"][0])
    results = {name: (statistics.median(r[0] for r in rs), max(r[1] for r in rs))
               for name, rs in runs.items()}
    raw, ours = results["startup_raw"], results["startup_dynamorm"]
    print(f"{'binary':<18} {'median ms':>10} {'peak RSS MiB':>13}")
    for name, (ms, rss) in results.items():
        print(f"{name:<18} {ms:>10.1f} {rss:>13.1f}")
    print(f"ratio (dynamorm / raw): time {statistics.median(ratios):.2f} (median of {RUNS} pairs),"
          f" RSS {ours[1] / raw[1]:.2f}  (target <= 1.10; DynamORM claims 11 ms / 18 MB)")
finally:
    if not already_running:  # stop only what this script started
        subprocess.run([os.path.join(ROOT, "scripts", "ddb-local.sh"), "stop"], check=False)
