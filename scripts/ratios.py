#!/usr/bin/env python3
"""Prints criterion's median estimates as dynamorm/baseline ratios, with the targets."""
import json
import pathlib
import platform
import sys

TARGETS = {
    "encode": 1.2,
    "decode": 1.1,
    "get": 1.05,
    "put": 1.05,
    "update": 1.05,
    "query_page": 1.05,
}


def median_ns(path: pathlib.Path) -> float:
    data = json.loads((path / "new" / "estimates.json").read_text())
    return data["median"]["point_estimate"]


def main() -> None:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
    cpu = next(
        (l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
        platform.processor(),
    )
    print(f"\nmachine: {cpu}, {platform.system()} {platform.machine()}")
    print(f"{'benchmark':<12} {'baseline':>12} {'dynamorm':>12} {'ratio':>7} {'target':>7}  ok")
    for group, target in TARGETS.items():
        base, ours = root / group / "baseline", root / group / "dynamorm"
        if not (base.exists() and ours.exists()):
            continue
        b, d = median_ns(base), median_ns(ours)
        ratio = d / b
        ok = "yes" if ratio <= target else "NO"
        print(f"{group:<12} {b / 1000:>10.2f}us {d / 1000:>10.2f}us {ratio:>7.2f} {target:>7.2f}  {ok}")
    for name in ("render", "parse"):
        path = root / "keys" / name
        if path.exists():
            print(f"key {name:<8} {median_ns(path):>10.0f}ns per key")


if __name__ == "__main__":
    main()
