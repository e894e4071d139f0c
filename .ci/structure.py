"""Which runtimes use each module under shared/, and whether the project's imports hold a cycle.

A runtime is what one kind of process starts from: the HTTP service on ECS (handlers.http,
handlers.server), the HTTP Lambda function (handlers.lambda_function: a runtime of its own even
though it wraps the same app, since it is deployed and started apart from the service), the
batch-job Lambda (handlers.batch_job), the rollout judge Lambda (handlers.rollout_judge), the
`inferno` command (handlers.cli) and model_build. A
runtime uses what its own packages import, transitively, without passing through another
runtime: `inferno serve` starting the service does not make the service's modules the CLI's.
shared/ is for modules two runtimes use; one only a single runtime uses belongs beside that
runtime.

Imports are read by grimp (import-linter's graph), every import counted: inside functions and
under TYPE_CHECKING too. Modules are found by walking the packages, so moves need no edit here.
Usage: .venv/bin/python .ci/structure.py [--check]  (`make structure`); with --check it exits 1
when a target is missed.
"""

import subprocess
import sys
from pathlib import Path

import grimp

PACKAGES = ("handlers", "shared", "model_build")
RUNTIMES = {
    "http": ("handlers.http", "handlers.server"),
    "lambda": ("handlers.lambda_function",),
    "judge": ("handlers.rollout_judge",),
    "batch": ("handlers.batch_job",),
    "cli": ("handlers.cli",),
    "model_build": ("model_build",),
}


def belongs(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(f"{package}.") for package in packages)


def used_by(graph: grimp.ImportGraph, runtime: str) -> set[str]:
    """Every module the runtime's own modules reach, stopping at other runtimes' modules."""
    others = tuple(p for name, packages in RUNTIMES.items() if name != runtime for p in packages)
    pending = [m for m in graph.modules if belongs(m, RUNTIMES[runtime])]
    reached = set(pending)
    while pending:
        for imported in graph.find_modules_directly_imported_by(pending.pop()):
            if imported not in reached and not belongs(imported, others):
                reached.add(imported)
                pending.append(imported)
    return reached


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    group = []
                    while (member := stack.pop()) != module:
                        group.append(member)
                        on_stack.discard(member)
                    on_stack.discard(module)
                    if group:
                        found.append(sorted([module, *group]))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
            elif child in on_stack:
                low[module] = min(low[module], index[child])
    return found


def lint_imports() -> tuple[int, str]:
    """import-linter's own verdict on the contracts in pyproject.toml."""
    program = Path(sys.executable).with_name("lint-imports")
    if not program.exists():
        return 1, "lint-imports is not installed"
    done = subprocess.run([program, "--no-cache"], capture_output=True, text=True, check=False)
    verdicts = ("KEPT", "BROKEN", "Contracts:")
    lines = [line for line in done.stdout.splitlines() if any(v in line for v in verdicts)]
    return done.returncode, "\n  ".join(["", *lines]) if lines else done.stdout + done.stderr


def main() -> int:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    users = {runtime: used_by(graph, runtime) for runtime in RUNTIMES}
    shared = sorted(m for m in graph.modules if belongs(m, ("shared",)))
    width = max(len(m) for m in shared)
    print(f"{'shared module':<{width}}  runtimes")
    alone: list[str] = []
    for module in shared:
        runtimes = [runtime for runtime in RUNTIMES if module in users[runtime]]
        print(f"{module:<{width}}  {', '.join(runtimes) or '-'}")
        if len(runtimes) == 1:
            alone.append(f"{module} ({runtimes[0]})")
    print(f"\nshared modules used by one runtime: {len(alone)} (target 0)")
    for line in alone:
        print(f"  {line}")
    found = cycles(graph)
    print(f"import cycles among project modules: {len(found) or 'none'} (target none)")
    for group in found:
        print(f"  {' <-> '.join(group)}")
    status, verdict = lint_imports()
    print(f"import-linter: {verdict}")
    missed = bool(alone or found or status)
    return 1 if missed and "--check" in sys.argv[1:] else 0


if __name__ == "__main__":
    sys.exit(main())
