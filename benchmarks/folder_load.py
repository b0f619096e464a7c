"""How long ``folder:PATH`` takes to load a ~2k-image folder: decoding every file, then from its cache.

    python benchmarks/folder_load.py --images 2000
    python benchmarks/folder_load.py --images 2000 --side 512 --out benchmarks/results/folder_load_512.json

Builds a synthetic ImageFolder (9 class sub-folders of 64x64 PNGs with alpha, or --side px ones with
noise, a tenth of them JPEGs, shapes drawn with PIL) in a temporary folder, then in fresh processes times ``folder_spec`` plus both
splits' ``load``: once with an empty cache (every file decoded once) and twice more with the cache
written by the first. Writes benchmarks/results/folder_load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from records import invocation

RESULTS = Path(__file__).resolve().parent / "results"
CLASSES = ("animals", "food", "flags", "objects", "people", "places", "plants", "symbols", "travel")

TIMED = """
import sys, time
start = time.perf_counter()
from ganzoo.data.folder import folder_spec
imported = time.perf_counter()
spec = folder_spec(sys.argv[1])
train, test = spec.load(None, "train", False), spec.load(None, "test", False)
done = time.perf_counter()
print(round(imported - start, 3), round(done - imported, 3), len(train), len(test), *spec.image_shape)
"""


def build(folder: Path, count: int, side: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    k = side / 64
    for i in range(count):
        name = CLASSES[i % len(CLASSES)]
        image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        box = sorted(rng.integers(4, 60, 2) * k), sorted(rng.integers(4, 60, 2) * k)
        draw.ellipse((box[0][0], box[1][0], box[0][1] + 2 * k, box[1][1] + 2 * k), fill=(*colour, 255))
        draw.rectangle((int(rng.integers(0, 40) * k), 30 * k, side - 1, 40 * k), fill=(*colour[::-1], 160))
        if side > 64:  # texture, so that the files are not trivially compressible
            noise = rng.integers(0, 40, (side, side, 3), dtype=np.uint8)
            image = Image.fromarray(np.minimum(np.asarray(image)[..., :3].astype(np.int16) + noise, 255).astype(np.uint8)).convert("RGBA")
            image.putalpha(255)
        (folder / name).mkdir(parents=True, exist_ok=True)
        if i % 10 == 9:
            image.convert("RGB").save(folder / name / f"{i:05d}.jpg", quality=90)
        else:
            image.save(folder / name / f"{i:05d}.png")


def timed(argument: str, cache_home: Path) -> dict:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home), OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", TIMED, argument], env=env, check=True, capture_output=True, text=True).stdout.split()
    return {"import_s": float(out[0]), "load_s": float(out[1]), "train": int(out[2]), "test": int(out[3]), "image_shape": [int(x) for x in out[4:7]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--side", type=int, default=64, help="side of the files in pixels (64: emoji-like; larger ones are stored at most 256)")
    parser.add_argument("--out", type=Path, default=RESULTS / "folder_load.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder, cache_home = Path(tmp) / "emoji", Path(tmp) / "cache"
        build(folder, args.images, args.side)
        on_disk = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        rows = [dict(run=run, **timed(str(folder), cache_home)) for run in ("empty cache", "cached", "cached again")]
        cache_bytes = sum(p.stat().st_size for p in cache_home.rglob("*.safetensors"))
    for row in rows:
        print(f"{row['run']:13s} load {row['load_s']:6.2f} s  (import {row['import_s']:.2f} s)  train {row['train']}  test {row['test']}  {row['image_shape']}")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor())
    record = {
        "command": invocation(),
        "images": args.images,
        "side": args.side,
        "folder_bytes": on_disk,
        "cache_bytes": cache_bytes,
        "rows": rows,
        "machine": {"cpu": cpu, "cpus": os.cpu_count(), "load_avg_at_end": os.getloadavg()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
