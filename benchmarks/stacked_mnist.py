"""Mode collapse on Stacked-MNIST: every recipe, then the remedies on the two weakest, beside the published rows.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/stacked_mnist.py --threads 2

1. ``real``: the MNIST classifier on the real test images (its accuracy per digit and per
   triple) and the real data's own modes and KL on 26,000 images: the ceiling.
2. ``baseline``: every recipe (``--recipes``) x ``--seeds`` on ``stacked-mnist`` through
   ganzoo's grid runner (``ganzoo bench``'s engine), each recipe at its default run (the budget
   of ``ganzoo train RECIPE``; ``--steps`` sets one for all), evaluated on ``--eval-n`` samples:
   modes captured, KL, FID and IS with the per-channel MNIST features.
3. ``remedies``: the two recipes with the fewest mean modes (then the highest KL) again, once per
   remedy that fits them: ``pacgan2`` (``--discriminator pacgan``, pack 2, wrapping the recipe's
   own discriminator), ``mbstd`` (``discriminator.mbstd=true``) and ``mode-seeking``
   (``--loss LOSS+mode-seeking``). A remedy that a recipe's parts cannot take is listed as such.
4. The table, ``--table`` (Markdown) and the same stem ``.json``, is rewritten after every cell.

Cells live in ``--out``, one folder each (``result.json``, ``samples.png``, ``metrics.jsonl``;
``run/`` holds checkpoints and is not committed). Re-running the same command skips finished
cells and resumes an interrupted one from its last checkpoint; ``--table-only`` just rewrites
the table from what is there.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path

import torch

from ganzoo.base.atomic import write_atomically, write_json_atomically
from ganzoo.bench import Budget, Cell, GridRunner, Settings, load_results
from ganzoo.bench.ranking import Row
from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError
from ganzoo.evaluate.classifier import load_classifier
from ganzoo.evaluate.coverage import classify
from ganzoo.evaluate.modes import mode_metrics, read_modes
from ganzoo.protocols import Recipe
from ganzoo.registry import Registry
from ganzoo.train import resolve_config
from records import invocation

RESULTS = Path(__file__).resolve().parent / "results"
DATASET = "stacked-mnist"
RECIPES = ("vanilla", "dcgan", "wgan-gp", "cgan", "lsgan", "sngan")
REMEDIES = ("pacgan2", "mbstd", "mode-seeking")
GOAL = {"modes": 990, "kl": 0.1}  # PacGAN's best rows: 1000 modes, KL 0.06-0.07

#: Published Stacked-MNIST rows, verified against the sources named in ``source``: the VEEGAN
#: project page's Table 2 (github.com/akashgit/VEEGAN, tab.png) and PacGAN's Table 2 as its
#: repository shows it (github.com/fjxmlzn/PacGAN, stacked_MNIST_experiments/results/Table2.png;
#: ± is the standard error over 10 trials there).
PUBLISHED = [
    # row, modes and KL as printed, their means (for the verdict), source
    ("DCGAN", "99.0", "3.40", 99.0, 3.40, "VEEGAN Table 2 (also PacGAN Table 2)"),
    ("ALI", "16.0", "5.40", 16.0, 5.40, "VEEGAN Table 2 (also PacGAN Table 2)"),
    ("Unrolled GAN", "48.7", "4.32", 48.7, 4.32, "VEEGAN Table 2 (also PacGAN Table 2)"),
    ("VEEGAN", "150.0", "2.95", 150.0, 2.95, "VEEGAN Table 2 (also PacGAN Table 2)"),
    ("DCGAN (PacGAN's implementation)", "78.9 ± 6.46", "4.50 ± 0.127", 78.9, 4.50, "PacGAN Table 2"),
    ("PacDCGAN2", "1000.0 ± 0.00", "0.06 ± 0.003", 1000.0, 0.06, "PacGAN Table 2"),
    ("PacDCGAN3", "1000.0 ± 0.00", "0.06 ± 0.003", 1000.0, 0.06, "PacGAN Table 2"),
    ("PacDCGAN4", "1000.0 ± 0.00", "0.07 ± 0.005", 1000.0, 0.07, "PacGAN Table 2"),
]


# -- the remedies as recipes -------------------------------------------------------------------
def remedy_recipe(base: Recipe, remedy: str) -> Recipe:
    """``base`` with one remedy, as a recipe named ``BASE.REMEDY`` (a combination the CLI trains as well, e.g.
    ``ganzoo train dcgan --discriminator pacgan --set discriminator.pack=2``)."""
    name = f"{base.name}.{remedy}"
    if remedy == "pacgan2":
        options = {"inner": base.discriminator, **base.discriminator_options, "pack": 2}
        return dataclasses.replace(base, name=name, discriminator="pacgan", discriminator_options=options)
    if remedy == "mbstd":
        return dataclasses.replace(base, name=name, discriminator_options={**base.discriminator_options, "mbstd": True})
    if remedy == "mode-seeking":
        return dataclasses.replace(base, name=name, loss=f"{base.loss}+mode-seeking")
    raise ConfigError(f"Unknown remedy {remedy!r}; choose from {', '.join(REMEDIES)}.")


def register_remedies(registry: Registry, recipes: list[str], remedies: list[str]) -> tuple[list[str], dict[str, str]]:
    """Register each fitting recipe x remedy; returns their names and, for the others, why they do not fit."""
    names, refused = [], {}
    for recipe in recipes:
        for remedy in remedies:
            variant = remedy_recipe(registry.recipe(recipe), remedy)
            try:
                resolve_config(registry, DATASET, variant)
            except ConfigError as error:
                refused[variant.name] = str(error)
                continue
            registry.add("recipe", variant, plugin="benchmarks/stacked_mnist.py", override=True)
            names.append(variant.name)
    return names, refused


# -- the real data: the ceiling -----------------------------------------------------------------
def measure_real(registry: Registry, data_root: str | None, n: int) -> dict:
    """The classifier's accuracy on real stacked images and the real data's own modes and KL."""
    from ganzoo.data.root import resolve_data_root

    spec = registry.dataset(DATASET)
    classifier = load_classifier(spec.mode_reader)
    root = resolve_data_root(data_root)
    result = {"classifier": spec.mode_reader, "n": n}
    for split in ("test", "train"):
        data = spec.load(root, split, False)
        images, labels = data.images[:n], data.labels[:n]
        predicted = read_modes(classifier, images)
        digits = torch.stack([labels // 100, labels // 10 % 10, labels % 10], dim=1)
        per_channel = [float((classify(classifier, images[:, c : c + 1]).cpu() == digits[:, c]).double().mean()) for c in range(3)]
        result[split] = {
            "images": len(images),
            "digit_accuracy_per_channel": per_channel,
            "triple_accuracy": float((predicted == labels).double().mean()),
            "classified": {k: v for k, v in mode_metrics(predicted, spec.num_classes).items() if k != "num_modes"},
            "true_labels": {k: v for k, v in mode_metrics(labels, spec.num_classes).items() if k != "num_modes"},
        }
    return result


# -- the table ------------------------------------------------------------------------------------
def summarise(out: Path) -> dict[str, Row]:
    """Finished cells by recipe (variant) name."""
    try:
        results = [r for r in load_results(out) if r.get("status") == "done" and r["cell"]["dataset"] == DATASET]
    except ConfigError:
        return {}
    names = sorted({r["cell"]["recipe"] for r in results})
    return {name: Row(name, [r for r in results if r["cell"]["recipe"] == name]) for name in names}


def weakest(rows: dict[str, Row], recipes: list[str], count: int, seeds: int) -> list[str] | None:
    """The ``count`` recipes with the fewest mean modes (then the highest KL); None until every baseline cell is done."""
    if any(name not in rows or len(rows[name].results) < seeds for name in recipes):
        return None
    order = sorted(recipes, key=lambda name: (rows[name].summary("modes")["mean"], -rows[name].summary("kl")["mean"]))
    return order[:count]


def _cell(summary: dict | None, digits: int) -> str:
    if summary is None:
        return "–"
    return f"{summary['mean']:.{digits}f} ± {summary['std']:.{digits}f}" if summary["n"] > 1 else f"{summary['mean']:.{digits}f}"


def _row_json(row: Row) -> dict:
    minutes = [(r["train_wall_s"] + r.get("eval_wall_s", 0)) / 60 for r in row.results]
    return {
        "recipe": row.recipe,
        "seeds": row.seeds,
        **{key: row.summary(key) for key in ("modes", "kl", "fid", "is", "conditional_accuracy") if row.summary(key)},
        "steps": sorted({r["training"]["steps"] for r in row.results}),
        "train_minutes": statistics.fmean(r["train_wall_s"] / 60 for r in row.results),
        "cell_minutes": statistics.fmean(minutes),
        "parts": sorted({f"{r['training']['generator']} x {r['training']['discriminator']} x {r['training']['loss']}" for r in row.results}),
    }


def write_table(path: Path, out: Path, state: dict) -> None:
    """The Markdown page and its JSON twin from the cells in ``out`` and the run's ``state``."""
    rows = summarise(out)
    ours = [_row_json(rows[name]) for name in state["recipes"] if name in rows]
    remedied = [_row_json(rows[name]) for name in state.get("remedy_recipes", []) if name in rows]
    data = {"command": state["command"], "budget": state["budget"], "seeds": state["seeds"], "eval_n": state["eval_n"], "real": state.get("real"),
            "recipes": ours, "remedies": remedied, "weakest": state.get("weakest"), "remedies_refused": state.get("refused", {}),
            "published": [dict(zip(("row", "modes", "kl", "modes_mean", "kl_mean", "source"), p)) for p in PUBLISHED],
            "hardware": state.get("hardware")}  # fmt: skip
    write_json_atomically(path.with_suffix(".json"), data)
    lines = [
        "# Stacked-MNIST: modes captured and KL",
        "",
        f"<!-- generated by `{state['command']}`; edit the script, not this page -->",
        "",
        f"Command: `{state['command']}` (re-running it resumes; `--table-only` rewrites this page).",
        f"Budget: {state['budget']}; {state['seeds']} seeds; {state['eval_n']} samples per evaluation; {state.get('hardware', '?')}.",
        "Modes: digit triples (of 1000) with at least one sample, read by ganzoo's MNIST classifier on each channel; "
        "KL: KL(generated mode distribution ‖ uniform), as PacGAN's code computes it. Mean ± sample standard deviation over seeds.",
        "",
    ]
    real = state.get("real")
    if real:
        test = real["test"]
        lines += [
            "## The real data (the ceiling)",
            "",
            f"On {test['images']} real test images the classifier reads each digit with accuracy "
            f"{', '.join(f'{a:.4f}' for a in test['digit_accuracy_per_channel'])} (red, green, blue) and the whole triple with "
            f"{test['triple_accuracy']:.4f}. Classified, the real images cover {test['classified']['modes']} modes with KL "
            f"{test['classified']['kl']:.4f} (their true labels: {test['true_labels']['modes']} modes, KL {test['true_labels']['kl']:.4f}); "
            f"{real['train']['images']} training images: {real['train']['classified']['modes']} modes, KL {real['train']['classified']['kl']:.4f}.",
            "",
        ]
    lines += ["## Every recipe", "", *_markdown_rows(ours), ""]
    if state.get("weakest"):
        weakest = state["weakest"]
        title = f"the {len(weakest)} weakest" if len(weakest) > 1 else "the weakest"
        lines += [f"## Remedies on {title} ({' and '.join(weakest)})", "", *_markdown_rows(remedied), ""]
        for name, why in state.get("refused", {}).items():
            lines.append(f"- `{name}` does not apply: {why}")
        lines.append("")
    lines += ["## Published rows", "", "| method | modes (of 1000) | KL | source |", "|---|---|---|---|"]
    lines += [f"| {row} | {modes} | {kl} | {source} |" for row, modes, kl, _, _, source in PUBLISHED]
    lines += ["", *NOTES, "", "## Against the published rows and the goal", "", *_verdict(ours + remedied), ""]
    write_atomically(path, lambda tmp: tmp.write_text("\n".join(lines) + "\n"))


def _markdown_rows(rows: list[dict]) -> list[str]:
    lines = ["| recipe | modes ↑ | KL ↓ | FID ↓ | IS ↑ | cond. accuracy | steps | minutes per run (training + evaluation) | seeds | parts |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [_cell(r.get("modes"), 1), _cell(r.get("kl"), 3), _cell(r.get("fid"), 1), _cell(r.get("is"), 1), _cell(r.get("conditional_accuracy"), 3)]
        steps = "/".join(map(str, r["steps"]))
        lines.append(f"| {r['recipe']} | " + " | ".join(cells) + f" | {steps} | {r['cell_minutes']:.1f} | {len(r['seeds'])} | {'; '.join(r['parts'])} |")
    return lines


def _verdict(rows: list[dict]) -> list[str]:
    lines = []
    for r in rows:
        modes, kl = r["modes"]["mean"], r["kl"]["mean"]
        beaten = [row for row, _, _, their_modes, their_kl, _ in PUBLISHED if modes > their_modes and kl < their_kl]
        short = [f"{GOAL['modes'] - modes:.0f} modes" for _ in [0] if modes < GOAL["modes"]] + [f"{kl - GOAL['kl']:.2f} KL" for _ in [0] if kl > GOAL["kl"]]
        gap = f"{' and '.join(short)} short of the goal" if short else "meets the goal"
        lines.append(f"- {r['recipe']} ({r['cell_minutes']:.1f} min per run): beats {', '.join(beaten) or 'no published row'} on both modes and KL; {gap} (≥ {GOAL['modes']} modes, KL ≤ {GOAL['kl']}).")
    return lines


NOTES = [
    "Architectures differ, so this is a comparison of protocols, not of networks:",
    "",
    "- The published DCGAN/PacDCGAN rows (PacGAN's code for VEEGAN's setting) train carpedm20's DCGAN: a generator from a 100-d z through "
    "a 2x2x512 projection and four transposed convolutions, a discriminator of four strided convolutions with 64-512 channels, batch 64, "
    "Adam 2e-4 / beta1 0.5, 50 epochs of 128,000 images (100,000 discriminator steps, the generator updated twice per step), "
    "on 128,000 images drawn from MNIST's training and test digits together; modes and KL on 26,000 samples.",
    "- ganzoo's recipes train their own networks (`ganzoo list recipes`): the 28x28 recipes the half-width InfoGAN pair of Lucic et al. 2018 "
    "(32/64 channels, 512 hidden units; wgan-gp an MLP critic; vanilla MLPs; sngan its narrow SN-CNN) for the budget stated above: "
    "a fixed number of generator steps, a few percent or less of the published 100,000 discriminator steps. Stacked-MNIST here draws "
    "training images from MNIST's training digits only.",
    "- ganzoo's classifier is its own MNIST CNN (`ganzoo-mnist`), not PacGAN's Keras classifier; its accuracy on real triples is stated above.",
    "- cgan is conditional: it is asked for each of the 1000 modes in turn (balanced labels), so its modes measure how often it draws the "
    "triple it was asked for, not collapse in the papers' sense.",
]


# -- the driver -------------------------------------------------------------------------------------
def _grid(registry, recipes, seeds, settings, out, args, on_finish) -> None:
    cells = [Cell(recipe, DATASET, seed) for seed in range(seeds) for recipe in recipes]  # seed-major: seed 0 of every recipe first
    GridRunner(registry, cells, settings, out, device=args.device, data_root=args.data_root, command=invocation(), progress=False, on_finish=on_finish).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS / "stacked_mnist", help="cells folder (one sub-folder per run)")
    parser.add_argument("--table", type=Path, default=RESULTS / "stacked_mnist.md", help="the Markdown table (and .json beside it)")
    parser.add_argument("--recipes", default=",".join(RECIPES))
    parser.add_argument("--remedies", default=",".join(REMEDIES))
    parser.add_argument("--weakest", type=int, default=2, help="how many of the weakest recipes get the remedies")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=None, help="generator steps per run (default: each recipe's default run)")
    parser.add_argument("--eval-n", type=int, default=26_000)
    parser.add_argument("--metrics", default="fid,is")
    parser.add_argument("--real-n", type=int, default=26_000, help="real images classified for the ceiling")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--table-only", action="store_true", help="rewrite the table from the cells in --out, train nothing")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    registry = get_registry()
    recipes = [r.strip() for r in args.recipes.split(",") if r.strip()]
    remedies = [r.strip() for r in args.remedies.split(",") if r.strip()]
    for remedy in remedies:
        remedy_recipe(registry.recipe(recipes[0]), remedy)  # an unknown remedy fails before anything runs
    settings = Settings(Budget(steps=args.steps), eval_n=args.eval_n, metrics=tuple(args.metrics.split(",")))
    args.out.mkdir(parents=True, exist_ok=True)
    state_file = args.out / "state.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    from ganzoo.bench.environment import hardware

    state.update(command=invocation(), recipes=recipes, seeds=args.seeds, eval_n=args.eval_n, budget=settings.budget.describe(), hardware=_hardware_text(hardware(torch.device(args.device))))

    def save(*_):
        write_json_atomically(state_file, state)
        write_table(args.table, args.out, state)

    if args.table_only:
        save()
        return 0
    if "real" not in state or state["real"].get("n") != args.real_n:
        started = time.perf_counter()
        state["real"] = measure_real(registry, args.data_root, args.real_n)
        print(f"real data measured in {time.perf_counter() - started:.0f} s: {json.dumps(state['real']['test']['classified'])}", flush=True)
        save()
    _grid(registry, recipes, args.seeds, settings, args.out, args, save)
    chosen = weakest(summarise(args.out), recipes, args.weakest, args.seeds)
    if chosen is None:
        print("some baseline cells failed; re-run to retry them before the remedies", file=sys.stderr)
        save()
        return 1
    state["weakest"] = chosen
    state["remedy_recipes"], state["refused"] = register_remedies(registry, chosen, remedies)
    save()
    _grid(registry, state["remedy_recipes"], args.seeds, settings, args.out, args, save)
    save()
    return 0


def _hardware_text(hw: dict) -> str:
    return f"{hw.get('gpu') or hw.get('cpu', '?')} ({hw.get('cpu_count', '?')} cores, torch threads: {hw.get('torch_threads', '?')})"


if __name__ == "__main__":
    sys.exit(main())
