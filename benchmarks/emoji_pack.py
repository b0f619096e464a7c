"""The 64-px colour packs (issue #27, item 4): an unconditional dcgan and a conditional cgan trained on the
Twitter emoji folder, stored as 8-bit generators with their cards, and scored from the stored weights.

    GANZOO_DATA_ROOT=../shared/data GANZOO_OFFLINE=1 OMP_NUM_THREADS=1 python benchmarks/emoji_pack.py

The folder (3781 64-px PNGs in 9 category sub-folders) is built by ``benchmarks/emoji.py`` from the npm
registry's ``emoji-datasource-twitter`` (fetched here, never at test time); the domain extractor that scores
the packs is the one ``ganzoo extractor train`` trains for that folder (``benchmarks/emoji.py`` does it too).
Each pack's run is ``ganzoo train RECIPE --data folder:EMOJI`` with the flags in :data:`PACKS` (the DCGAN
networks at half width, 32, float32 and channels-last, a fixed number of steps), resumed when interrupted. Each pack is
scored twice with the same protocol (``ganzoo eval``: :data:`EVAL_N` samples of latent seed 0 against the
training images, in the domain extractor's features): from the run's float32 weights and from the pack's
int8 weights; the card holds both. Writes ``ganzoo/pretrained/packs/NAME/`` and
``benchmarks/results/emoji_pack.{json,md}``.

Twemoji graphics are Copyright Twitter, Inc and other contributors, licensed CC-BY 4.0; the cards say so.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import emoji  # benchmarks/emoji.py: the folder and the domain extractor
from records import invocation, merged_rows, run_training

from ganzoo.api.evaluation import evaluate
from ganzoo.api.model import GanModel, load
from ganzoo.base.atomic import write_atomically, write_json_atomically
from ganzoo.base.layout import CONFIG_FILE
from ganzoo.discovery import get_registry
from ganzoo.loading import load_pack
from ganzoo.pretrained.pack import GRID_FILE, write_card, write_pack
from ganzoo.pretrained.spec import PretrainedSpec
from ganzoo.train.speed import images_per_s_of

REPO = Path(__file__).resolve().parent.parent
PACK_FOLDER = REPO / "ganzoo" / "pretrained" / "packs"
RESULTS = REPO / "benchmarks" / "results" / "emoji_pack.json"
RUNS = REPO / "runs" / "emoji_pack"
EVAL_N = 2000
METRICS = "fid,kid,prc"
SPEED = ("--channels-last",)  # float32: on a CPU without native bf16 (AVX2 only) bf16 is ~20x slower here
WIDTH = ("--set", "generator.width=32", "--set", "discriminator.width=32")  # half the paper's 64: ~1 s a step on one thread
#: pack name -> (recipe, flags after ``ganzoo train RECIPE --data folder:EMOJI``)
PACKS: dict[str, tuple[str, tuple[str, ...]]] = {
    # the recipe's 64-px row: the DCGAN networks, batch 128, Adam 2e-4, beta1 0.5
    "dcgan-emoji-64": ("dcgan", ("--image-size", "64", *WIDTH, *SPEED)),
    # the category as the label: the DCGAN generator with a label embedding and the DCGAN projection
    # discriminator (the recipe's 128-px row; its 64-px row, the SN-GAN ResNets with 5 D steps, is too slow for a CPU),
    # with DiffAugment: without it D won from the start and the run drew grey noise at step 1000
    "cgan-emoji-64": ("cgan", ("--image-size", "64", "--generator", "dcgan", "--discriminator", "projection", "--loss", "bce", "--d-steps", "1",
                               "--batch-size", "128", "--betas", "0.5,0.999", "--augment", "diffaugment", *WIDTH, *SPEED)),
}  # fmt: skip
LICENCE = "Trained on Twemoji 64-px images (emoji-datasource-twitter on npm); Twemoji graphics: Copyright Twitter, Inc and other contributors, CC-BY 4.0."


def train(name: str, data: str, steps: int, runs: Path = RUNS) -> dict:
    """Train (or resume) one pack's run; its command, CPU seconds and wall seconds."""
    recipe, flags = PACKS[name]
    run = runs / name
    command = [sys.executable, "-m", "ganzoo", "train", recipe, "--data", data, "--steps", str(steps), "--seed", "0", "-q", "--out", str(run), *flags]
    _, cpu, wall = run_training(command, run)
    shown = " ".join(["ganzoo", *command[3:]]).replace(data, "folder:EMOJI").replace(str(run), f"runs/emoji_pack/{name}")
    return {"command": shown, "train_cpu_s": round(cpu, 1), "train_wall_s": round(wall, 1)}


def _scores(metrics: dict) -> dict:
    keep = ("fid", "kid", "precision", "recall", "classes_covered", "legible_classes_covered", "legible_fraction", "conditional_accuracy", "legible_conditional_accuracy")
    return {k: metrics[k] for k in keep if metrics.get(k) is not None}


def pack(name: str, timing: dict, folder: dict, runs: Path = RUNS) -> dict:
    """Write one pack from its run, score run and pack; the results row."""
    recipe, _ = PACKS[name]
    run_dir = runs / name
    run = load(run_dir, ema=True)
    logged = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line.strip()]
    record = json.loads((run_dir / CONFIG_FILE).read_text())
    config = record["config"]
    out_dir = PACK_FOLDER / name
    card = {
        "name": name,
        "description": f"{recipe} trained on 3781 Twitter emoji at 64x64 (9 categories{', the category as the label' if run.num_classes else ''}) "
        f"for {run.step} steps, int8 weights. {LICENCE}",
        "recipe": recipe,
        "dataset": "emoji-64 (folder)",
        "image_shape": list(run.image_shape),
        "class_names": list(run.class_names or []),
        "seed": 0,
        "step": run.step,
        "ema": run.ema,
        "licence": LICENCE,
        "training": {
            "command": timing["command"],
            "data": f"benchmarks/emoji.py's folder: {folder['package']}, {folder['images']} images, {len(folder['per_category'])} categories",
            **{k: config[k] for k in ("steps", "batch_size", "generator", "discriminator", "loss")},
            "train_s": timing["train_wall_s"],
            "images_per_s": round(images_per_s_of(logged) or 0.0, 1),
            "train_cpu_s": timing["train_cpu_s"],
            "hardware": emoji.machine().get("cpu", "?"),
        },
        "protocol": f"{EVAL_N:,} samples (seed 0) against the folder's training images, in the folder's domain extractor (ganzoo extractor train); "
        "needs the folder and its extractor, so a user without them can sample but not re-score",
    }
    card = write_pack(out_dir, run.generator, record, card, "int8")
    loaded = load_pack(PretrainedSpec(name, str(out_dir), sha256=card["weights"]["sha256"]), get_registry())
    packed = GanModel(loaded.generator, loaded.config, source=name, step=run.step, ema=run.ema, card=card, class_names=loaded.class_names)
    packed.grid(9 * 8 if packed.num_classes else 64).save(out_dir / GRID_FILE)
    protocol = dict(n=EVAL_N, metrics=METRICS, split="train", seed=0)
    run_scores, pack_scores = _scores(evaluate(run, **protocol).metrics), _scores(evaluate(packed, **protocol).metrics)
    card["scores"] = {"this run (float32)": run_scores, "this pack (int8)": pack_scores}
    write_card(out_dir, card)
    return {"name": name, "folder": str(out_dir.relative_to(REPO)), "bytes": card["weights"]["bytes"], "step": run.step, **timing, "run": run_scores, "pack": pack_scores}


def _markdown(rows: list[dict], command: str) -> str:
    def f(value, digits=1):
        return "–" if value is None else f"{value:.{digits}f}"

    lines = [
        "# Colour packs: 64-px emoji, 8-bit weights against the run's",
        "",
        f"<!-- generated by `{command}`; edit the script, not this page -->",
        "",
        f"{EVAL_N:,} samples (seed 0) against the training images, in the emoji folder's domain extractor (FD, precision, recall, "
        "categories covered of 9, conditional accuracy), from the run's float32 weights and from the pack's int8 weights.",
        "",
        "| pack | steps | CPU min | bytes | FD run | FD pack | categories run / pack | cond. accuracy run / pack |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        run, packed = r["run"], r["pack"]
        lines.append(
            f"| {r['name']} | {r['step']} | {r['train_cpu_s'] / 60:.1f} | {r['bytes']:,} | {f(run.get('fid'))} | {f(packed.get('fid'))} "
            f"| {run.get('classes_covered', '–')} / {packed.get('classes_covered', '–')} | {f(run.get('conditional_accuracy'), 3)} / {f(packed.get('conditional_accuracy'), 3)} |"
        )
    lines += ["", "Commands (`folder:EMOJI` is benchmarks/emoji.py's folder):", ""]
    lines += [f"- `{r['name']}`: `{r['command']}`" for r in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PACKS), help=f"comma-separated, of {', '.join(PACKS)}")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--extractor-seconds", type=float, default=180.0)
    parser.add_argument("--runs", type=Path, default=RUNS, help="where the runs go (git-ignored runs/ by default)")
    args = parser.parse_args()
    folder = emoji.build_folder()
    data = f"folder:{folder['root']}"
    emoji.run_extractor({}, data, args.extractor_seconds)
    rows = []
    for name in [n for n in args.only.split(",") if n]:
        if name not in PACKS:
            parser.error(f"unknown pack {name!r}; choose from {', '.join(PACKS)}")
        timing = train(name, data, args.steps, args.runs)
        rows.append(pack(name, timing, folder, args.runs))
        print(json.dumps(rows[-1]), flush=True)
        command = invocation()
        rows_all = sorted(merged_rows(RESULTS, rows, key=lambda row: row["name"]), key=lambda row: row["name"])
        write_json_atomically(RESULTS, {"command": command, "rows": rows_all}, "the results")
        write_atomically(RESULTS.with_suffix(".md"), lambda tmp: Path(tmp).write_text(_markdown(rows_all, command)), "the table")


if __name__ == "__main__":
    main()
