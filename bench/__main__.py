"""`python -m bench NAME` runs bench/NAME.py, which prints one JSON object per metric."""

import importlib
import sys


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: python -m bench NAME [args]", file=sys.stderr)
        return 2
    name = sys.argv[1]
    module = importlib.import_module(f"bench.{name}")
    sys.argv = [f"bench {name}", *sys.argv[2:]]
    return int(module.main() or 0)


if __name__ == "__main__":
    sys.exit(main())
