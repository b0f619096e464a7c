"""``ganzoo leaderboard``: ranking, mean ± std, protocol marking, assets, JSON and the README block."""

from __future__ import annotations

import json

import pytest
from PIL import Image
from typer.testing import CliRunner

from ganzoo.bench.grid import SCHEMA
from ganzoo.cli import app

PROTOCOL = {"dataset": "mnist", "reference_split": "test", "n_real": 100, "n_fake": 100, "feature_extractor": "ganzoo-mnist", "feature_weights_sha256": "ab" * 32, "extractor_input_size": 28, "torch_fidelity": "0.4.0"}
SETTINGS = {"budget": {"steps": 100}, "precision": "fp32", "eval_n": 100, "metrics": ["fid", "kid"], "split": "test"}


def write_cell(root, recipe, seed, fid, *, dataset="mnist", status="done", steps=100, image_size=28, when="2026-01-01T00:00:00+00:00"):
    cell_id = f"{recipe}--{dataset}--seed{seed}"
    folder = root / cell_id
    folder.mkdir(parents=True)
    result = {
        "schema": SCHEMA,
        "cell": {"id": cell_id, "recipe": recipe, "dataset": dataset, "seed": seed},
        "settings": {**SETTINGS, "budget": {"steps": steps}},
        "status": status,
        "finished_at": when,
        "versions": {"torch": "2.13.0"},
        "hardware": {"cpu": "test cpu", "cpu_count": 2, "torch_threads": 2, "device": "cpu"},
    }
    if status == "done":
        result |= {
            "metrics": {"fid": fid, "kid": fid / 10, "classes_covered": 10},
            "protocol": {**PROTOCOL, "dataset": dataset, "seed": 0, "image_size": [1, image_size, image_size], "generator": "raw"},
            "images_per_s": 100.0 + seed,
            "train_wall_s": 10.0,
            "samples": "samples.png",
            "log": "metrics.jsonl",
        }
        Image.new("L", (8, 8), seed * 40).save(folder / "samples.png")
        (folder / "metrics.jsonl").write_text("".join(json.dumps({"step": s, "loss_d": 1.0 / s, "loss_g": float(s)}) + "\n" for s in (1, 2, 3)))
    else:
        result["error"] = "RunError: the loss became NaN at step 7"
    (folder / "result.json").write_text(json.dumps(result))


@pytest.fixture()
def results(tmp_path):
    root = tmp_path / "results"
    for seed, fid in enumerate((10.0, 12.0)):
        write_cell(root, "dcgan", seed, fid)
    for seed, fid in enumerate((5.0, 7.0, 9.0)):
        write_cell(root, "lsgan", seed, fid, image_size=32)  # another image size is still the same protocol
    write_cell(root, "dcgan", 2, None, status="failed")
    write_cell(root, "vanilla", 0, 1.0, steps=999)  # another budget: must not be ranked with the rest
    write_cell(root, "vanilla", 0, 3.0, dataset="fashion-mnist", when="2026-01-02T00:00:00+00:00")
    return root


def run_leaderboard(*args):
    return CliRunner().invoke(app, ["leaderboard", *map(str, args)])


def test_ranks_by_mean_fid_with_std_and_marks_other_protocols(results, tmp_path):
    out = tmp_path / "site" / "leaderboard.md"
    result = run_leaderboard(results, "--out", out)
    assert result.exit_code == 0, result.output
    page = out.read_text()
    mnist = page.split("## mnist")[1].split("## fashion-mnist")[0]
    ranked = mnist.split("### Not ranked")[0]
    assert ranked.index("| 1 | lsgan | 7.00 ± 2.00 |") < ranked.index("| 2 | dcgan | 11.00 ± 1.41 |")
    assert "vanilla" not in ranked  # its budget differs
    other = mnist.split("### Not ranked")[1]
    assert "budget.steps = 999 (ranked table: 100)" in other and "| 1 | vanilla | 1.00 |" in other
    assert "dcgan seed 2: RunError: the loss became NaN" in mnist and "| 2 (1 failed) |" in ranked
    assert page.index("## mnist") < page.index("## fashion-mnist")  # the order the grid ran them
    assert page.count("## Protocol") == 1 and "100 generator steps per run" in page and "Lucic et al. 2018" in page
    assert "![lsgan samples](leaderboard/mnist/lsgan-samples.png)" in page
    for name in ("lsgan-samples.png", "lsgan-losses.png", "dcgan-losses.png"):
        assert Image.open(tmp_path / "site" / "leaderboard" / "mnist" / name).size[0] > 0
    assert Image.open(tmp_path / "site" / "leaderboard" / "mnist" / "lsgan-samples.png").getpixel((0, 0)) == 0  # seed 0's grid


def test_json_for_tools(results, tmp_path):
    out = tmp_path / "leaderboard.md"
    assert run_leaderboard(results, "--out", out, "--json", tmp_path / "board.json").exit_code == 0
    board = json.loads((tmp_path / "board.json").read_text())
    rows = board["datasets"]["mnist"]["ranked"]["rows"]
    assert [r["recipe"] for r in rows] == ["lsgan", "dcgan"]
    assert rows[1]["metrics"]["fid"] == pytest.approx({"mean": 11.0, "std": 2**0.5, "n": 2})
    assert rows[1]["failed_seeds"] == [2] and rows[0]["seeds"] == [0, 1, 2]
    assert board["datasets"]["mnist"]["other_protocols"][0]["rows"][0]["recipe"] == "vanilla"
    assert board["datasets"]["mnist"]["failed"] == [{"cell": "dcgan--mnist--seed2", "error": "RunError: the loss became NaN at step 7"}]


def test_readme_block_is_replaced_and_the_rest_kept(results, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# project\n\nintro\n\n<!-- leaderboard:start -->\nstale rows\n<!-- leaderboard:end -->\n\nafter\n")
    out = tmp_path / "docs" / "leaderboard.md"
    assert run_leaderboard(results, "--out", out, "--readme", readme).exit_code == 0
    text = readme.read_text()
    assert text.startswith("# project\n\nintro\n\n<!-- leaderboard:start -->") and text.endswith("<!-- leaderboard:end -->\n\nafter\n")
    assert "stale rows" not in text and "[leaderboard](docs/leaderboard.md)" in text and "| 1 | lsgan | 7.00 ± 2.00 |" in text
    first = text
    assert run_leaderboard(results, "--out", out, "--readme", readme).exit_code == 0
    assert readme.read_text() == first  # regenerating changes nothing


@pytest.mark.parametrize("case", ["missing folder", "empty folder", "no markers", "not markdown"])
def test_bad_leaderboard_input_is_one_paragraph_and_exit_2(results, tmp_path, case):
    readme = tmp_path / "README.md"
    readme.write_text("no block here\n")
    args = {
        "missing folder": [tmp_path / "nope", "--out", tmp_path / "x.md"],
        "empty folder": [tmp_path, "--out", tmp_path / "x.md"],
        "no markers": [results, "--out", tmp_path / "x.md", "--readme", readme],
        "not markdown": [results, "--out", tmp_path / "x.html"],
    }[case]
    result = run_leaderboard(*args)
    assert result.exit_code == 2 and "error:" in result.output and "Traceback" not in result.output
    assert readme.read_text() == "no block here\n" and not (tmp_path / "x.md").exists()


def test_stacked_mnist_cells_show_modes_and_kl(tmp_path):
    from ganzoo.bench import write_leaderboard

    root = tmp_path / "results"
    for seed, (modes, kl) in enumerate(((100, 3.0), (300, 2.0))):
        write_cell(root, "dcgan", seed, 50.0, dataset="stacked-mnist")
        path = root / f"dcgan--stacked-mnist--seed{seed}" / "result.json"
        result = json.loads(path.read_text())
        result["metrics"] = {"fid": 50.0, "modes": modes, "kl": kl, "num_modes": 1000}
        path.write_text(json.dumps(result))
    board = write_leaderboard(root, tmp_path / "board.md")
    page = (tmp_path / "board.md").read_text()
    assert "| modes (argmax) ↑ | KL (argmax) ↓ |" in page and "| 200.0 ± 141.4 | 2.500 ± 0.707 |" in page and "classes covered (argmax)" not in page
    assert "legible" not in page  # results evaluated before the legible count get no empty legible columns
    assert "digit triples, of 1000" in page
    assert board.to_json()["datasets"]["stacked-mnist"]["ranked"]["rows"][0]["metrics"]["modes"]["mean"] == 200


def test_legible_figures_come_before_the_argmax_ones(tmp_path):
    from ganzoo.bench import write_leaderboard

    root = tmp_path / "results"
    for seed, (fraction, modes, legible_modes) in enumerate(((0.05, 900, 200), (0.15, 950, 400))):
        write_cell(root, "dcgan", seed, 50.0, dataset="stacked-mnist")
        path = root / f"dcgan--stacked-mnist--seed{seed}" / "result.json"
        result = json.loads(path.read_text())
        result["metrics"] = {"fid": 50.0, "legible_fraction": fraction, "legible_modes": legible_modes, "legible_kl": 1.5, "modes": modes, "kl": 0.7, "num_modes": 1000}
        path.write_text(json.dumps(result))
    write_leaderboard(root, tmp_path / "board.md")
    page = (tmp_path / "board.md").read_text()
    header = next(line for line in page.splitlines() if line.startswith("| rank"))
    assert header.index("legible ↑") < header.index("legible modes ↑") < header.index("legible KL ↓") < header.index("modes (argmax) ↑")
    assert "| 0.100 ± 0.071 | 300.0 ± 141.4 | 1.500 ± 0.000 | 925.0 ± 35.4 | 0.700 ± 0.000 |" in page
    assert "legible classes and modes count those samples only" in page
