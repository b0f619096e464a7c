"""A long training run watched from outside: memory stays flat and checkpoints keep rotating.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/endurance.py --steps 20000

Starts `ganzoo train` as a subprocess, samples its resident memory (VmRSS, VmHWM from
/proc) and its checkpoint folder every second, and writes benchmarks/results/endurance.json:
peak memory, memory at 10% / 50% / 100% of the run, growth between 10% and the end, and the
checkpoint files present over time (never more than --keep).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from records import invocation

from ganzoo.base.layout import CHECKPOINT_DIR, METRICS_FILE, WEIGHTS_SUFFIX

RESULTS = Path(__file__).resolve().parent / "results"


def _status_kib(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="vanilla")
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--checkpoint-every", type=int, default=500)
    parser.add_argument("--keep", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS / "endurance.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        command = [sys.executable, "-m", "ganzoo", "train", args.recipe, "--data", "mnist", "--steps", str(args.steps), "--out", str(run), "-q",
                   "--checkpoint-every", str(args.checkpoint_every), "--keep", str(args.keep), "--log-every", "100", "--sample-every", "2000"]
        start = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        samples = []
        while process.poll() is None:
            rss = _status_kib(process.pid, "VmRSS")
            hwm = _status_kib(process.pid, "VmHWM")
            folder = run / CHECKPOINT_DIR
            names = sorted(p.name for p in folder.glob(f"*{WEIGHTS_SUFFIX}")) if folder.is_dir() else []
            step = 0
            metrics = run / METRICS_FILE
            if metrics.exists():
                lines = metrics.read_text().splitlines()
                step = json.loads(lines[-1])["step"] if lines else 0
            if rss is not None:
                samples.append({"t": round(time.monotonic() - start, 1), "step": step, "rss_mib": round(rss / 1024, 1), "hwm_mib": round((hwm or 0) / 1024, 1), "checkpoints": len(names)})
            time.sleep(1.0)
        stdout, stderr = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"training failed ({process.returncode}):\n{stderr}")
        final = sorted(p.name for p in (run / CHECKPOINT_DIR).glob(f"*{WEIGHTS_SUFFIX}"))
    at = lambda fraction: next((s for s in samples if s["step"] >= fraction * args.steps), samples[-1])  # noqa: E731
    result = {
        "command": invocation(),
        "recipe": args.recipe,
        "steps": args.steps,
        "wall_s": round(time.monotonic() - start, 1),
        "peak_rss_mib": max(s["hwm_mib"] for s in samples),
        "rss_mib_at": {"10%": at(0.1)["rss_mib"], "50%": at(0.5)["rss_mib"], "end": samples[-1]["rss_mib"]},
        "rss_growth_10pct_to_end_mib": round(samples[-1]["rss_mib"] - at(0.1)["rss_mib"], 1),
        "max_checkpoints_seen": max(s["checkpoints"] for s in samples),
        "final_checkpoints": final,
        "keep": args.keep,
        "samples_every_s": 1.0,
        "trace": samples[:: max(1, len(samples) // 60)],
        "load_avg_at_end": os.getloadavg(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "trace"}, indent=2))


if __name__ == "__main__":
    main()
