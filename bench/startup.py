"""Start-up: how long ``import framework`` takes, against Flask, Falcon and Bottle.

Each import runs in a fresh interpreter under ``python -X importtime``; the
figure is the cumulative time of the top-level package, median of runs.
``import werkzeug`` is reported beside it: werkzeug's own ``__init__``
loads its serving and test modules, a floor every werkzeug-based framework
pays. The script also lists which of the heavy optional modules (jinja2,
itsdangerous, gunicorn, werkzeug.serving ...) a plain ``import framework``
loads: they should load only when used.

The installed packages were byte-compiled by pip; ours may be an editable
install run with ``PYTHONDONTWRITEBYTECODE``, so the script byte-compiles
it first (``compileall``), to compare like with like.

Run ``python bench/startup.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

PACKAGES = ["framework", "werkzeug", "falcon", "bottle", "flask"]
OPTIONAL = ["jinja2", "itsdangerous", "gunicorn", "werkzeug.routing", "uuid", "difflib"]


def import_time_ms(package: str) -> float:
    """The cumulative import time of ``package`` in a fresh interpreter, in ms."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {package}"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in result.stderr.splitlines():
        fields = [field.strip() for field in line.removeprefix("import time:").split("|")]
        if len(fields) == 3 and fields[2] == package:
            return int(fields[1]) / 1000
    raise RuntimeError(f"no import time line for {package}:\n{result.stderr}")


def loaded_by_import(package: str, modules: list[str]) -> list[str]:
    code = f"import sys, {package}; print(' '.join(m for m in {modules!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def added_beyond_werkzeug(package: str) -> list[str]:
    """The modules ``import package`` loads that ``import werkzeug`` has not, its own aside."""
    code = (
        "import sys, werkzeug; floor = set(sys.modules); "
        f"import {package}; "
        f"print(' '.join(sorted(m for m in set(sys.modules) - floor "
        f"if m.split('.')[0] != {package!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    import compileall

    import framework

    compileall.compile_dir(Path(framework.__file__).parent, quiet=1)
    results: dict[str, list[float]] = {}
    for _ in range(args.runs):
        for package in PACKAGES:
            results.setdefault(package, []).append(import_time_ms(package))
    medians = {package: statistics.median(times) for package, times in results.items()}
    print(f"import time, median of {args.runs} fresh interpreters (ms)")
    for package, median in medians.items():
        note = "  (the floor: werkzeug's own __init__)" if package == "werkzeug" else ""
        print(f"{package:10s}{median:8.1f}{note}")
    loaded = loaded_by_import("framework", OPTIONAL)
    among = ", ".join(OPTIONAL)
    print(f"\nloaded by 'import framework' among {among}: {', '.join(loaded) or 'none'}")
    beyond = added_beyond_werkzeug("framework")
    print(f"modules 'import framework' adds to 'import werkzeug': {', '.join(beyond) or 'none'}")
    if args.json:
        report = {"import_ms": medians, "loaded": loaded, "beyond_werkzeug": beyond}
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
