"""Real colour data: every recipe on Twitter's emoji at 32 and 64 px, beside a plain PyTorch DCGAN-64 loop.

    GANZOO_DATA_ROOT=../shared/data GANZOO_OFFLINE=1 OMP_NUM_THREADS=1 python benchmarks/emoji.py
    python benchmarks/emoji.py --table-only   # rewrite the .md from the JSON

Steps, each skipped when its result is already in benchmarks/results/emoji.json (so an interrupted
run resumes where it stopped):

1. the folder: ``npm pack emoji-datasource-twitter`` into ``~/.cache/ganzoo-bench/emoji`` (once; the
   tarball is reused), and an ImageFolder ``folder/<category>/<image>.png`` of its 64x64 PNGs, skin-tone
   variants included, the category read from ``emoji.json``. The "Component" category (5 images:
   skin-tone swatches and hair parts) is left out. Nothing here runs at test time.
2. the domain extractor: ``ganzoo extractor train --data folder:ROOT --seconds S``.
3. speed at equal network: short runs of ganzoo's ``dcgan`` at 64 px on the plain loop's networks (the
   paper's width 64, no augmentation) in fp32, with ``--channels-last``, with ``--precision bf16`` and
   with both, and the plain loop for as long; images/s of each.
4. the grid: ``ganzoo train RECIPE --data folder:ROOT --image-size SIDE`` for every recipe at 32 and
   64 px, with ``--steps`` set from a measured speed so that the run fills its wall-time budget
   (``--dcgan-64-minutes`` for the default dcgan at 64 px, ``--cell-minutes`` for the others);
   then ``ganzoo eval RUN --json``: FD/KID/precision-recall in the domain extractor's features and
   the categories covered.
5. the plain loop: a plain PyTorch DCGAN-64 loop (``plain_loops.plain_dcgan_folder``: PIL files through
   torchvision's ImageFolder, ToTensor/Normalize, a DataLoader, fp32, Adam 2e-4 (0.5, 0.999), BCE)
   on the DCGAN networks at the paper's width 64 (ganzoo's dcgan at 64 px defaults to half width with
   DiffAugment; the ``paper width`` variant trains that), for the wall time ganzoo's dcgan-64 run took,
   scored by the same evaluator call as ``ganzoo eval``.
6. ``--variants "paper width",...``: the default dcgan at 64 px again for its budget with further flags (the paper's
   width, DiffAugment, channels-last, bf16), each a cell of its own.

Writes benchmarks/results/emoji.json/.md (``--out``) and a 64-sample grid per cell in benchmarks/results/emoji/ (the
folder of the results file's name).
One training at a time; use one torch thread (OMP_NUM_THREADS=1) on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from records import invocation

RESULTS = Path(__file__).resolve().parent / "results"
OUT = RESULTS / "emoji.json"
CACHE = Path.home() / ".cache" / "ganzoo-bench" / "emoji"
PACKAGE = "emoji-datasource-twitter"
SKIPPED_CATEGORIES = ("Component",)
RECIPES = ("dcgan", "vanilla", "lsgan", "wgan-gp", "cgan", "sngan")
SIDES = (64, 32)
GANZOO = [sys.executable, "-m", "ganzoo"]


# ---------------------------------------------------------------- the folder


def fetch_package(cache: Path) -> Path:
    """The unpacked npm package (``package/``), packed with ``npm pack`` on first use."""
    package = cache / "pkg" / "package"
    if (package / "emoji.json").is_file():
        return package
    cache.mkdir(parents=True, exist_ok=True)
    tarballs = sorted(cache.glob(f"{PACKAGE}-*.tgz"))
    if not tarballs:
        subprocess.run(["npm", "pack", PACKAGE], cwd=cache, check=True, capture_output=True)
        tarballs = sorted(cache.glob(f"{PACKAGE}-*.tgz"))
    with tarfile.open(tarballs[-1]) as archive:
        members = [m for m in archive.getmembers() if m.name.endswith(".json") or m.name.startswith("package/img/twitter/64/")]
        archive.extractall(cache / "pkg", members=members, filter="data")
    return package


def slug(category: str) -> str:
    """A folder name for a category: "Smileys & Emotion" -> "smileys-emotion"."""
    return re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-")


def build_folder(cache: Path = CACHE) -> dict:
    """``cache/folder/<category>/<image>.png`` from the package's 64-px PNGs (hard links); its census."""
    package = fetch_package(cache)
    entries = json.loads((package / "emoji.json").read_text())
    source, root = package / "img" / "twitter" / "64", cache / "folder"
    counts: dict[str, int] = {}
    skipped: dict[str, int] = {}
    missing = 0
    for entry in entries:
        images = [entry["image"], *(v["image"] for v in (entry.get("skin_variations") or {}).values())]
        category = entry["category"]
        if category in SKIPPED_CATEGORIES:
            skipped[category] = skipped.get(category, 0) + len(images)
            continue
        target = root / slug(category)
        target.mkdir(parents=True, exist_ok=True)
        for name in images:
            if not (source / name).is_file():
                missing += 1
                continue
            if not (target / name).exists():
                try:
                    os.link(source / name, target / name)
                except OSError:
                    shutil.copy2(source / name, target / name)
            counts[slug(category)] = counts.get(slug(category), 0) + 1
    version = json.loads((package / "package.json").read_text())["version"]
    return {"root": str(root), "package": f"{PACKAGE}@{version}", "images": sum(counts.values()), "per_category": dict(sorted(counts.items())), "skipped": skipped, "missing_files": missing}


# ---------------------------------------------------------------- machine and records


def machine() -> dict:
    """The CPU every speed figure is measured on, and the threads the runs use."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), platform.processor())
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines() if line.startswith("flags")), [])
    return {
        "cpu": model, "cpus": os.cpu_count(), "threads": int(os.environ.get("OMP_NUM_THREADS", "0") or 0),
        "bf16_instructions": [f for f in flags if "bf16" in f or f.startswith("amx")], "load_avg_at_end": os.getloadavg(),
    }  # fmt: skip


def load_record(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {"rows": []}


def save_record(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")


def find_row(record: dict, **key) -> dict | None:
    return next((r for r in record["rows"] if all(r.get(k) == v for k, v in key.items())), None)


def add_row(path: Path, record: dict, row: dict) -> None:
    record["rows"].append(row)
    save_record(path, record)
    print(json.dumps(row), flush=True)


# ---------------------------------------------------------------- ganzoo's side


def ganzoo(*arguments: str, capture: bool = True) -> str:
    return subprocess.run([*GANZOO, *arguments], check=True, capture_output=capture, text=True).stdout


def train_for(recipe: str, data: str, side: int, seconds: float, run_dir: Path, *flags: str) -> dict:
    """``ganzoo train`` for ``seconds`` of wall time: started with more steps than it can reach, then
    stopped with SIGTERM (it finishes the step, writes a checkpoint and exits with 130)."""
    if run_dir.exists():
        shutil.rmtree(run_dir)
    command = ["train", recipe, "--data", data, "--image-size", str(side), "--steps", "1000000", "--log-every", "5", "--out", str(run_dir), "--quiet", *flags]
    start = time.perf_counter()
    process = subprocess.Popen([*GANZOO, *command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.terminate()
        process.wait()
    wall = time.perf_counter() - start
    output = process.stdout.read() if process.stdout else ""
    if process.returncode not in (0, 130):
        raise RuntimeError(f"ganzoo {' '.join(command)} exited with {process.returncode}:\n{output[-3000:]}")
    from ganzoo.train.speed import images_per_s_of

    metrics = run_dir / "metrics.jsonl"
    records = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()] if metrics.is_file() else []
    config = json.loads((run_dir / "config.json").read_text())
    config = config.get("config", config)
    steps = max((int(p.stem.split("-")[1]) for p in (run_dir / "checkpoints").glob("step-*.json")), default=0)  # the step it stopped at
    return {
        "command": "ganzoo " + " ".join(command).replace("--steps 1000000", f"--steps {steps}"),
        "steps": steps,
        "batch_size": config.get("batch_size"), "d_steps": config.get("d_steps"),
        "networks": f"{config.get('generator')} x {config.get('discriminator')} x {config.get('loss')}",
        "wall_s": round(wall, 1), "train_s": round(sum(r.get("train_s", 0.0) for r in records), 1),
        "images_per_s": round(images_per_s_of(records) or 0.0, 1),
    }  # fmt: skip


def evaluate_run(run_dir: Path, n: int, split: str) -> dict:
    """``ganzoo eval RUN --json``: FD/KID/precision-recall in the domain extractor's features, coverage."""
    result = json.loads(ganzoo("eval", str(run_dir), "--n", str(n), "--split", split, "--metrics", "fid,kid,prc", "--json"))
    return result


def save_grid_of(run_dir: Path, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ganzoo("sample", str(run_dir), "--out", str(path), "--n", "64", "--seed", "0")


def scores(evaluation: dict) -> dict:
    metrics = evaluation.get("metrics", evaluation)
    keep = ("fid", "kid", "precision", "recall", "classes_covered", "legible_classes_covered", "legible_fraction", "class_histogram", "conditional_accuracy")
    return {k: metrics[k] for k in keep if k in metrics}


# ---------------------------------------------------------------- the plain loop


def plain_dcgan(root: Path, data: str, seconds: float, seed: int = 0, warmup_steps: int = 5) -> tuple[object, dict]:
    """The plain loop on ganzoo's dcgan networks at 64 px (built from the registry) for ``seconds``
    of wall time, counted from before the networks and the DataLoader are built."""
    import torch
    from plain_loops import PlainLoop, folder_loader

    from ganzoo.discovery import get_registry
    from ganzoo.train import resolve_config
    from ganzoo.train.build import build_discriminator, build_generator, shapes_for

    start = time.perf_counter()
    registry = get_registry()
    paper_width = {"generator": {"width": 64}, "discriminator": {"width": 64}}  # the classic DCGAN-64, whatever ganzoo's default
    config = resolve_config(registry, data, "dcgan", image_size=64, seed=seed, device="cpu", augment="none", part_options=paper_width)
    shapes = shapes_for(config, registry.dataset(data))
    torch.manual_seed(seed)
    G, D = build_generator(registry, config, shapes), build_discriminator(registry, config, shapes)
    G.train(), D.train()
    loader = folder_loader(root, 64, config.batch_size, workers=0, seed=seed)
    loop = PlainLoop(G, D, config.loss, config.lr_g, config.lr_d, config.betas, config.d_steps, loader, False)
    steps, timed_steps, timed_s = 0, 0, 0.0
    while time.perf_counter() - start < seconds:
        begin = time.perf_counter()
        loop.step()
        steps += 1
        if steps > warmup_steps:
            timed_steps, timed_s = timed_steps + 1, timed_s + time.perf_counter() - begin
    wall = time.perf_counter() - start
    row = {
        "networks": f"{config.generator} x {config.discriminator} x {config.loss}", "batch_size": config.batch_size, "d_steps": config.d_steps,
        "steps": steps, "wall_s": round(wall, 1), "train_s": round(timed_s, 1),
        "images_per_s": round(timed_steps * config.batch_size * config.d_steps / timed_s, 1) if timed_s else 0.0,
    }  # fmt: skip
    return G, row


def evaluate_plain(G, data: str, n: int, split: str) -> dict:
    """The evaluator call ``ganzoo eval`` makes, on the plain loop's generator (raw weights, latents of seed 0)."""
    from ganzoo import api
    from ganzoo.sampling import sample_images

    G.eval()
    images = sample_images(G, n, seed=0)
    return api.evaluate(images, dataset=data, n=n, split=split, metrics="fid,kid,prc").to_json()


def save_plain_grid(G, path: Path) -> None:
    from ganzoo.sampling import sample_images
    from ganzoo.train.images import save_grid

    G.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    save_grid(sample_images(G, 64, seed=0), path, nrow=8)


# ---------------------------------------------------------------- the steps

FAST = "bf16 + channels-last"
CHANNELS_LAST, BF16, DIFFAUGMENT = ("--channels-last",), ("--precision", "bf16"), ("--augment", "diffaugment")
HALF_WIDTH = ("--set", "generator.width=32", "--set", "discriminator.width=32")
SPEED_VARIANTS = {"fp32": (), "channels-last": CHANNELS_LAST, "bf16": BF16, "bf16 + channels-last": (*BF16, *CHANNELS_LAST)}
# the plain loop's networks, the paper's width without augmentation: the speed runs' (equal network), and a
# cell variant since the 64-px default trains at half width with DiffAugment (the committed records before
# that change call this cell "fp32")
PAPER_WIDTH = ("--set", "generator.width=64", "--set", "discriminator.width=64", "--augment", "none")
# further variants of the default dcgan at 64 px, trained for its budget when --variants names them (not speed runs)
CELL_VARIANTS = {
    **SPEED_VARIANTS,
    "paper width": PAPER_WIDTH,
    "diffaugment": DIFFAUGMENT,
    "diffaugment + channels-last": (*DIFFAUGMENT, *CHANNELS_LAST),
    "diffaugment + bf16 + channels-last": (*DIFFAUGMENT, *BF16, *CHANNELS_LAST),
    "half width + diffaugment": (*DIFFAUGMENT, *HALF_WIDTH),
    "half width + diffaugment + channels-last": (*DIFFAUGMENT, *CHANNELS_LAST, *HALF_WIDTH),
}


def run_extractor(record: dict, data: str, seconds: float) -> None:
    if "extractor" not in record:
        from ganzoo.discovery import get_registry
        from ganzoo.evaluate.domain import domain_weights, read_record

        trained = domain_weights(get_registry().dataset(data))
        if trained is not None:  # already trained for this content (e.g. by an earlier, interrupted run)
            record["extractor"] = {**read_record(trained), "command": f"ganzoo extractor train --data {data} --seconds {seconds:g}"}
            return
        start = time.perf_counter()
        record["extractor"] = json.loads(ganzoo("extractor", "train", "--data", data, "--seconds", str(seconds), "--json"))
        record["extractor"].update(command=f"ganzoo extractor train --data {data} --seconds {seconds:g}", wall_s=round(time.perf_counter() - start, 1))


def run_speed(args, record: dict, data: str, work: Path) -> None:
    """Images/s of ganzoo's dcgan at 64 px in each variant, and of the plain loop, ``--speed-seconds`` each."""
    for variant, flags in SPEED_VARIANTS.items():
        if not find_row(record, kind="speed", trainer="ganzoo", variant=variant):
            row = train_for("dcgan", data, 64, args.speed_seconds, work / f"speed-{slug(variant)}", *PAPER_WIDTH, *flags)
            add_row(args.out, record, {"kind": "speed", "trainer": "ganzoo", "variant": variant, **row})
    if not find_row(record, kind="speed", trainer="plain loop"):
        _, row = plain_dcgan(Path(record["folder"]["root"]), data, args.speed_seconds)
        add_row(args.out, record, {"kind": "speed", "trainer": "plain loop", "variant": "fp32", **row})


def seed_suffix(seed: int) -> str:
    """File-name suffix of a seed's runs and grids (none for seed 0, the first measured)."""
    return f"-seed{seed}" if seed else ""


def run_cell(args, record: dict, data: str, work: Path, recipe: str, side: int, variant: str = "fp32") -> None:
    """One recipe x side (x speed variant) for its budget, its grid and its scores."""
    if find_row(record, kind="cell", recipe=recipe, side=side, variant=variant, seed=args.seed):
        return
    minutes = args.dcgan_64_minutes if (recipe, side) == ("dcgan", 64) else args.cell_minutes
    name = f"{recipe}-{side}" + ("" if variant == "fp32" else f"-{slug(variant)}") + seed_suffix(args.seed)
    run_dir = work / name
    row = {"kind": "cell", "trainer": "ganzoo", "recipe": recipe, "side": side, "variant": variant, "seed": args.seed, "budget_s": minutes * 60}
    row.update(train_for(recipe, data, side, minutes * 60, run_dir, *CELL_VARIANTS[variant], "--seed", str(args.seed)))
    grid = f"{args.out.stem}/{name}.png"  # beside the results file, in a folder of its name
    save_grid_of(run_dir, args.out.parent / grid)
    evaluation = evaluate_run(run_dir, args.eval_n, args.eval_split)
    record["eval_protocol"] = evaluation.get("protocol", {})
    row.update(grid=grid, **scores(evaluation))
    add_row(args.out, record, row)


def run_plain(args, record: dict, data: str) -> None:
    """The plain loop for the wall time ganzoo's dcgan-64 cell took."""
    if find_row(record, kind="plain", seed=args.seed):
        return
    reference = find_row(record, kind="cell", recipe="dcgan", side=64, variant="fp32", seed=args.seed)
    seconds = reference["wall_s"] if reference else args.dcgan_64_minutes * 60
    G, row = plain_dcgan(Path(record["folder"]["root"]), data, seconds, seed=args.seed)
    grid = f"{args.out.stem}/plain-dcgan-64{seed_suffix(args.seed)}.png"
    save_plain_grid(G, args.out.parent / grid)
    row = {"kind": "plain", "trainer": "plain loop", "recipe": "dcgan", "side": 64, "variant": "fp32", "seed": args.seed, "budget_s": round(seconds, 1), **row, "grid": grid}
    row.update(scores(evaluate_plain(G, data, args.eval_n, args.eval_split)))
    add_row(args.out, record, row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", default=",".join(RECIPES))
    parser.add_argument("--sides", default=",".join(map(str, SIDES)))
    parser.add_argument("--dcgan-64-minutes", type=float, default=15.0, help="wall-time budget of the default dcgan at 64 px (and of the plain loop)")
    parser.add_argument("--cell-minutes", type=float, default=3.0, help="wall-time budget of every other recipe x side")
    parser.add_argument("--speed-seconds", type=float, default=45.0, help="wall time of each speed run")
    parser.add_argument("--extractor-seconds", type=float, default=180.0)
    parser.add_argument("--eval-n", type=int, default=5000, help="generated samples per evaluation (against all of the split when it holds fewer)")
    parser.add_argument("--eval-split", default="train", help="reference split (the test split holds ~380 images)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the runs (ganzoo's --seed, the plain loop's torch seed); each seed's cells are kept apart")
    parser.add_argument("--skip", default="", help="comma-separated steps to leave out: speed, grid, plain, fast")
    parser.add_argument("--variants", default="", help=f"comma-separated further variants of the default dcgan at 64 px, each for its budget: {', '.join(v for v in CELL_VARIANTS if v not in SPEED_VARIANTS)}")
    parser.add_argument("--work", type=Path, default=CACHE / "runs", help="where the run directories go")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--table-only", action="store_true", help="only rewrite the .md from the JSON")
    args = parser.parse_args()
    variants = list(filter(None, args.variants.split(",")))
    if unknown := [v for v in variants if v not in CELL_VARIANTS]:
        parser.error(f"--variants: {', '.join(unknown)} not among {', '.join(CELL_VARIANTS)}")
    record = load_record(args.out)
    if not args.table_only:
        record.setdefault("command", invocation())
        record["folder"] = build_folder()
        data = f"folder:{record['folder']['root']}"
        run_extractor(record, data, args.extractor_seconds)
        save_record(args.out, record)
        skip = set(filter(None, args.skip.split(",")))
        if "speed" not in skip:
            run_speed(args, record, data, args.work)
        recipes, sides = args.recipes.split(","), [int(s) for s in args.sides.split(",")]
        if "grid" not in skip and "dcgan" in recipes and 64 in sides:
            run_cell(args, record, data, args.work, "dcgan", 64)
        if "plain" not in skip:
            run_plain(args, record, data)
        if "fast" not in skip and "dcgan" in recipes and 64 in sides:  # the same run with ganzoo's CPU speed flags
            run_cell(args, record, data, args.work, "dcgan", 64, FAST)
        for variant in variants:
            run_cell(args, record, data, args.work, "dcgan", 64, variant)
        if "grid" not in skip:
            for side in sides:
                for recipe in recipes:
                    run_cell(args, record, data, args.work, recipe, side)
        record["machine"] = machine()
        save_record(args.out, record)
    write_table(record, args.out.with_suffix(".md"))


# ---------------------------------------------------------------- the table


def _f(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def write_table(record: dict, path: Path) -> None:
    rows, m = record["rows"], record.get("machine", machine())
    folder, extractor = record.get("folder", {}), record.get("extractor", {})
    lines = [
        f"Command: `{record.get('command', invocation())}`.", "",
        (f"Data: {folder.get('images')} Twitter emoji ({folder.get('package')}), 64x64 PNGs composited on white, in "
        f"{len(folder.get('per_category', {}))} categories ({', '.join(f'{k} {v}' for k, v in folder.get('per_category', {}).items())}); "
        f"left out: {folder.get('skipped')}. Domain extractor: held-out accuracy {extractor.get('test_accuracy')} (chance {extractor.get('chance_accuracy')}), "
        f"{extractor.get('epochs')} epochs in {extractor.get('train_seconds')} s."), "",
        f"Machine: {m['cpu']}, {m['cpus']} cores, {m['threads']} torch thread(s) (OMP_NUM_THREADS), bf16 instructions: {', '.join(m['bf16_instructions']) or 'none'}.", "",
    ]  # fmt: skip
    protocol = record.get("eval_protocol", {})
    lines += [(f"Scores: `ganzoo eval RUN --n {protocol.get('n_fake')} --split {protocol.get('reference_split')} --metrics fid,kid,prc` "
              f"({protocol.get('n_fake')} samples against the {protocol.get('n_real')} images of the {protocol.get('reference_split')} split, "
              f"features of the domain extractor {str(protocol.get('feature_weights_sha256', ''))[:12]}); the plain loop's generator through the same evaluator call. "
              "FD and KID: lower is better; categories covered: of 9, a category counts when it receives at least 20 % of its uniform share of the samples."), ""]  # fmt: skip
    speed = [r for r in rows if r["kind"] == "speed"]
    if speed:
        plain = next((r["images_per_s"] for r in speed if r["trainer"] == "plain loop"), None)
        lines += ["Speed at equal network (dcgan x dcgan x bce at 64 px, batch 128), each run for about the same wall time:", "",
                  "| trainer | variant | steps | wall (s) | images/s | vs plain loop |", "|---|---|---|---|---|---|"]  # fmt: skip
        for r in speed:
            ratio = f"{r['images_per_s'] / plain:.2f}×" if plain else "–"
            lines.append(f"| {r['trainer']} | {r['variant']} | {r['steps']} | {r['wall_s']} | {r['images_per_s']} | {ratio} |")
        lines.append("")
    quality = [r for r in rows if r["kind"] in ("cell", "plain")]
    if quality:
        lines += ["| recipe | side | trainer | variant | seed | networks | budget (s) | wall (s) | steps | batch × D steps | images/s | FD | KID | precision | recall | categories covered | grid |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for r in sorted(quality, key=lambda r: (-r["side"], r["recipe"] != "dcgan", r["recipe"], r["trainer"], r["variant"] != "fp32", r.get("seed", 0))):
            kid = r.get("kid")
            lines.append(
                f"| {r['recipe']} | {r['side']} | {r['trainer']} | {r['variant']} | {r.get('seed', 0)} | {r['networks']} | {r['budget_s']:.0f} | {r['wall_s']:.0f} | {r['steps']} | {r['batch_size']} × {r['d_steps']} | {r['images_per_s']:.0f} | "
                f"{_f(r.get('fid'))} | {_f(kid)} | {_f(r.get('precision'), 3)} | {_f(r.get('recall'), 3)} | {r.get('classes_covered', '–')} | ![{r['recipe']}-{r['side']} {r['trainer']}]({r['grid']}) |"
            )  # fmt: skip
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
