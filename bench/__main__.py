"""Runs every ready benchmark in bench/ (a module exposing `main(argv)`), or the ones named.

    python -m bench                      # all of them, one after another
    python -m bench ingest --events 50000
"""
import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

NOT_BENCHMARKS = {"common", "generate"}  # helpers: generate has a CLI of its own (python -m bench.generate)


def discover() -> list[str]:
    here = Path(__file__).parent
    return sorted(info.name for info in pkgutil.iter_modules([str(here)])
                  if not info.name.startswith("_") and info.name not in NOT_BENCHMARKS)


def _load(name: str):
    module = importlib.import_module(f"bench.{name}")
    return module if callable(getattr(module, "main", None)) else None


def main(argv: list[str]) -> int:
    names = discover()
    if argv and not argv[0].startswith("-"):
        name, rest = argv[0], argv[1:]
        if name not in names:
            print(f"No benchmark named {name!r}; found: {', '.join(names) or 'none'}", file=sys.stderr)
            return 2
        module = _load(name)
        if module is None:
            print(f"bench/{name}.py has no main(argv) yet", file=sys.stderr)
            return 2
        return module.main(rest) or 0
    status = 0
    for name in names:
        try:
            module = _load(name)
        except Exception:  # a benchmark still being written must not stop the others
            print(f"-- skipping {name}: it does not import\n{traceback.format_exc(limit=1)}", file=sys.stderr)
            continue
        if module is None:
            print(f"-- skipping {name}: no main(argv)", file=sys.stderr)
            continue
        print(f"\n#### {name}")
        status = max(status, module.main(list(argv)) or 0)  # options given without a name go to each
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
