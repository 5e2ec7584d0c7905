"""``python -m tests.bench.run [--quick] [--only NAME]``: run tests/bench/bench_*.py modules and rewrite
docs/benchmarks.md with the figures, their same-run baselines, the machine and the goals.

Every section's figures are also kept in docs/benchmarks.json, so ``--only`` re-runs some modules and keeps the
others' last figures (each section says when it was measured)."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tests.bench.harness import REPO_ROOT, Result, machine_info

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUTPUT = REPO_ROOT / "docs" / "benchmarks.md"


@dataclass
class Section:
    """One benchmark module's outcome."""

    module: str
    doc: str
    seconds: float = 0.0
    results: list[Result] = field(default_factory=list)
    error: str = ""
    measured: str = ""
    quick: bool = False

    def to_json(self) -> dict[str, object]:
        """The section as plain JSON data."""
        data = dataclasses.asdict(self)
        data["results"] = [dataclasses.asdict(result) for result in self.results]
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Section:
        """A section saved by an earlier run."""
        fields = dict(data)
        results = fields.pop("results")
        assert isinstance(results, list)
        return cls(**fields, results=[Result(**result) for result in results])  # type: ignore[arg-type]


def discover(only: str = "") -> list[str]:
    """Module names of tests/bench/bench_*.py, sorted, optionally filtered by a substring."""
    names = sorted(path.stem for path in BENCH_DIR.glob("bench_*.py"))
    return [name for name in names if only in name]


def run_module(name: str, quick: bool) -> Section:
    """Import and run one benchmark module; a failure is recorded, not raised."""
    start = time.perf_counter()
    measured = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    try:
        module = importlib.import_module(f"tests.bench.{name}")
        section = Section(name, (module.__doc__ or "").strip(), measured=measured, quick=quick)
        section.results = list(module.run(quick))
    except Exception:  # a broken benchmark is reported in the document and fails the run
        section = Section(name, "", measured=measured, quick=quick)
        section.error = traceback.format_exc()
    section.seconds = time.perf_counter() - start
    return section


def sidecar(output: Path) -> Path:
    """Where the figures behind a benchmarks document are kept."""
    return output.with_suffix(".json")


def load_sections(output: Path) -> dict[str, Section]:
    """Sections of the last runs, by module name (none when there is no sidecar)."""
    path = sidecar(output)
    if not path.exists():
        return {}
    return {data["module"]: Section.from_json(data) for data in json.loads(path.read_text(encoding="utf-8"))}


def save_sections(output: Path, sections: Sequence[Section]) -> None:
    """Keep every section's figures beside the document."""
    body = json.dumps([section.to_json() for section in sections], indent=1, ensure_ascii=False)
    sidecar(output).write_text(body + "\n", encoding="utf-8")


def fmt_number(value: float | None, unit: str = "") -> str:
    """A figure with sensible precision for its unit."""
    if value is None:
        return "—"
    if unit in ("rows/s", "msg/s", "statements") or abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    elif abs(value) >= 0.1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.4f}"
    return f"{text} {unit}".strip()


def fmt_ratio(ratio: float | None) -> str:
    """value / baseline as a multiplier."""
    if ratio is None:
        return "—"
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:,.0f}×"


def fmt_met(met: bool | None) -> str:
    """Goal status."""
    return "—" if met is None else ("yes" if met else "**NO**")


def cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def render_section(section: Section) -> list[str]:
    """Markdown of one benchmark module."""
    lines = [f"## {section.module}", ""]
    if section.doc:
        lines += [" ".join(section.doc.split()), ""]
    kind = "quick run" if section.quick else "full run"
    lines += [f"Measured {section.measured or 'earlier'} ({kind}), in {section.seconds:.0f} s.", ""]
    if section.error:
        return [*lines, "**FAILED:**", "", "```", section.error.rstrip(), "```", ""]
    lines += [
        "| Figure | Value | Baseline | Baseline value | Ratio | Goal | Met |",
        "|---|---:|---|---:|---:|---|---|",
    ]
    for r in section.results:
        lines.append(
            f"| {cell(r.name)} | {fmt_number(r.value, r.unit)} | {cell(r.baseline_name)} | "
            f"{fmt_number(r.baseline_value, r.unit)} | {fmt_ratio(r.ratio)} | {cell(r.goal)} | {fmt_met(r.goal_met)} |"
        )
    notes = [r for r in section.results if r.notes]
    if notes:
        lines += ["", "Notes:", ""]
        lines += [f"- *{r.name}*: {r.notes}" for r in notes]
    return [*lines, ""]


def render(sections: Sequence[Section]) -> str:
    """The whole docs/benchmarks.md."""
    results = [r for s in sections for r in s.results]
    goals = [r for r in results if r.goal_met is not None]
    missed = [r for r in goals if not r.goal_met]
    failed = [s.module for s in sections if s.error]
    lines = [
        "# Benchmarks",
        "",
        "<!-- Written by `python -m tests.bench.run`; every run rewrites this file. -->",
        "",
        "Each section says when it was measured; `--only NAME` re-runs some sections and keeps the others.",
        "",
        "Every figure is compared with a baseline measured in the same run on the same machine: absolute "
        "numbers move with the machine and its load, the ratio (value ÷ baseline) much less. Goals are "
        "checked here, never in unit tests.",
        "",
        "## Summary",
        "",
        f"- Goals met: {len(goals) - len(missed)} of {len(goals)}.",
    ]
    lines += [f"- Missed: {r.name} = {fmt_number(r.value, r.unit)} (goal {r.goal})." for r in missed]
    lines += [f"- Benchmark failed: {name} (see its section)." for name in failed]
    lines += ["", "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {cell(value)} |" for key, value in machine_info().items()]
    lines += [
        "",
        "## How to reproduce",
        "",
        "```sh",
        "make bench                                      # full run, rewrites this file (a few minutes)",
        ".venv/bin/python -m tests.bench.run             # the same, without make",
        ".venv/bin/python -m tests.bench.run --quick     # smaller sizes: a smoke test of the harness",
        ".venv/bin/python -m tests.bench.run --only sales  # re-run matching modules, keep the other sections",
        "```",
        "",
        "Each `tests/bench/bench_*.py` exposes `run(quick: bool) -> list[Result]`; `tests/bench/run.py` runs "
        "them in name order. Only loopback (127.0.0.1) is used; temporary stores are deleted afterwards.",
        "",
    ]
    for section in sections:
        lines += render_section(section)
    return "\n".join(lines).rstrip() + "\n"


def summary_line(r: Result) -> str:
    """One stdout line per figure."""
    goal = f"  goal {r.goal}: {'met' if r.goal_met else 'MISSED'}" if r.goal_met is not None else ""
    return (f"  {r.name}: {fmt_number(r.value, r.unit)} (baseline {fmt_number(r.baseline_value, r.unit)}, "
            f"ratio {fmt_ratio(r.ratio)}){goal}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, write the document, print a summary; 1 when a benchmark failed."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a quick check")
    parser.add_argument("--only", default="", help="run only modules whose name contains this")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown file to rewrite")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    sections = []
    for name in discover(args.only):
        print(f"running {name} ...", flush=True)
        section = run_module(name, args.quick)
        sections.append(section)
        if section.error:
            print(f"  FAILED after {section.seconds:.0f} s:\n{section.error}", flush=True)
            continue
        print(f"  done in {section.seconds:.0f} s", flush=True)
        for result in section.results:
            print(summary_line(result), flush=True)
    seconds = time.perf_counter() - start
    args.output.parent.mkdir(parents=True, exist_ok=True)
    kept = load_sections(args.output) if args.only else {}
    kept.update({section.module: section for section in sections})
    everything = [kept[name] for name in sorted(kept)]
    args.output.write_text(render(everything), encoding="utf-8")
    save_sections(args.output, everything)
    goals = [r for s in sections for r in s.results if r.goal_met is not None]
    met = sum(1 for r in goals if r.goal_met)
    print(f"{len(sections)} benchmark modules, {met} of {len(goals)} goals met, {seconds:.0f} s; "
          f"wrote {args.output}", flush=True)
    return 1 if any(s.error for s in sections) or not sections else 0


if __name__ == "__main__":
    sys.exit(main())
