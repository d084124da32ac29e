"""Print the installed packages whose version differs from a lock file (used by `.ci/test --latest`)."""

import re
import sys
from importlib import metadata

from packaging.markers import Marker


def locked(path: str) -> dict[str, str]:
    """Name -> version for the lock lines whose environment marker holds on this interpreter."""
    pins = {}
    with open(path, encoding="utf-8") as lock:
        lines = lock.readlines()
    for line in lines:
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+))?", line)
        if m and (not m.group(3) or Marker(m.group(3).strip()).evaluate()):
            pins[norm(m.group(1))] = m.group(2)
    return pins


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> int:
    pins = locked(sys.argv[1])
    installed = {norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
    rows = [(n, pins[n], installed[n]) for n in sorted(pins) if n in installed and installed[n] != pins[n]]
    rows += [
        (n, "-", v) for n, v in sorted(installed.items()) if n not in pins and n not in {"pip", "imgtrainer"}
    ]
    for name, old, new in rows:
        print(f"  {name:28} locked {old:14} here {new}")
    if not rows:
        print("  none: the lock is on the newest releases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
