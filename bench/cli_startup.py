"""How long `profscout --help` and each command's `--help` take, against the 0.3 s bound.

Runs each in a fresh interpreter (the console script's path) several times and reports the
fastest and the median; also lists the heavy modules a help screen must not load.

    python bench/cli_startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

BOUND_S = 0.3
HEAVY = ("pandas", "sklearn", "scipy", "torch", "arxiv", "scrapy", "numpy")
COMMANDS = ([], ["rank"], ["shortlist"], ["crawl"], ["check"], ["professors"],
            ["institutions"], ["campaign"], ["evaluate-match"])

PROBE = ("import sys, json; sys.argv = ['profscout', *json.loads(sys.argv[1]), '--help'];"
         "from profscout.cli.app import main\n"
         "try:\n    main()\nexcept SystemExit:\n    pass\n"
         "print(json.dumps(sorted(m for m in sys.modules)), file=sys.stderr)")


def run(args: list[str]) -> tuple[float, list[str]]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)],
                          capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    modules = json.loads(done.stderr.strip().splitlines()[-1])
    return elapsed, [m for m in HEAVY if m in modules]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    ns = parser.parse_args()
    print(f"{'command':<28}{'fastest':>9}{'median':>9}  bound  heavy modules loaded")
    for args in COMMANDS:
        times, heavy = [], []
        for _ in range(ns.repeat):
            elapsed, heavy = run(args)
            times.append(elapsed)
        label = " ".join(["profscout", *args, "--help"])
        verdict = "ok" if min(times) <= BOUND_S else "OVER"
        print(f"{label:<28}{min(times):>8.3f}s{statistics.median(times):>8.3f}s  "
              f"{BOUND_S}s {verdict:<4} {', '.join(heavy) or '-'}")


if __name__ == "__main__":
    main()
