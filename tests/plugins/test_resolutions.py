"""The papers' networks by resolution: every declared size builds and trains a step, impossible sizes are refused
before any data is read, and each recipe's table picks the paper's networks for colour images (flags still win)."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from ganzoo.cli import app
from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError
from ganzoo.protocols import PartSpec
from ganzoo.sizes import SquareSides
from ganzoo.train.config import resolve_config
from ganzoo.train.part_options import part_options

REGISTRY = get_registry()
#: Every generator and discriminator that declares square sides, with each side it builds up to 128 px.
DECLARED = [
    (kind, name, side)
    for kind in ("generator", "discriminator")
    for name in REGISTRY.names(kind)
    if isinstance(REGISTRY.get(kind, name).supports, SquareSides)
    for side in REGISTRY.get(kind, name).supports.working_sides()
    if 28 <= side <= 128
]
TINY = {"width": 4, "hidden": 16}  # the options that size the networks, where a part has them
RECIPE_TABLES = [name for name in REGISTRY.names("recipe") if REGISTRY.recipe(name).by_resolution]


def _tiny(spec) -> dict:
    options, _ = part_options(spec)
    return {k: v for k, v in TINY.items() if k in options}


def _classes(spec) -> list[int]:
    return {True: [10], False: [0], None: [0, 10]}[spec.conditional]


def test_the_papers_networks_are_registered_and_declare_their_sizes():
    assert {"dcgan", "sngan-resnet", "wgan-gp-resnet"} <= set(REGISTRY.names("generator"))
    assert {"dcgan", "wgan-gp", "projection", "sngan-resnet", "wgan-gp-resnet"} <= set(REGISTRY.names("discriminator"))
    assert REGISTRY.generator("sngan-resnet").supports.working_sides() == [32, 48, 64]
    assert REGISTRY.discriminator("wgan-gp-resnet").supports.working_sides() == [32]
    assert {32, 64, 128} <= set(REGISTRY.generator("dcgan").supports.working_sides())
    assert REGISTRY.generator("infogan").supports((1, 28, 28)) is None and "divisible by 4" in REGISTRY.generator("infogan").supports((1, 30, 30))


@pytest.mark.parametrize("kind, name, side", DECLARED)
def test_every_declared_size_builds_and_runs_forward_and_backward(kind, name, side):
    spec = REGISTRY.get(kind, name)
    for classes in _classes(spec):
        torch.manual_seed(0)
        labels = torch.arange(2) % classes if classes else None
        shape = (3, side, side)
        if kind == "generator":
            net = spec.factory(latent_dim=8, image_shape=shape, num_classes=classes, **_tiny(spec))
            out = net(torch.randn(2, 8), labels)
            assert tuple(out.shape) == (2, *shape) and out.abs().max() <= 1
            out.square().mean().backward()
        else:
            net = spec.factory(image_shape=shape, num_classes=classes, **_tiny(spec))
            x = torch.randn(2, *shape, requires_grad=True)
            out = net(x, labels)
            assert tuple(out.shape) == (2,)
            out.sum().backward()
            assert x.grad is not None and x.grad.abs().sum() > 0
        assert all(p.grad is not None for p in net.parameters() if p.requires_grad), f"{name} at {side} px: a parameter got no gradient"


@pytest.mark.parametrize("kind, name", sorted({(k, n) for k, n, _ in DECLARED}))
def test_an_impossible_size_is_refused_by_the_declaration_and_the_factory(kind, name):
    spec = REGISTRY.get(kind, name)
    for shape in [(3, 36, 36), (3, 64, 48)]:
        refusal = spec.supports(shape)
        assert refusal and "pass --image-size" in refusal
        arguments = dict(image_shape=shape, num_classes=_classes(spec)[0], **_tiny(spec))
        with pytest.raises(ValueError, match="pass --image-size"):
            spec.factory(**({"latent_dim": 8} if kind == "generator" else {}), **arguments)


def _colour_registry(shape=(3, 64, 64), num_classes=10, loaded=None):
    """The registry plus an in-memory labelled dataset of ``shape``; ``loaded`` records each load."""

    def load(root, split, download):
        if loaded is not None:
            loaded.append(split)
        images = torch.randint(0, 256, (32, *shape), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
        return ImageDataset("colour", images, torch.arange(32) % num_classes, num_classes=num_classes)

    registry = REGISTRY.copy()
    registry.add("dataset", DatasetSpec("colour", load, shape, num_classes, "random colour images"), plugin="tests")
    return registry


def test_an_impossible_size_is_a_config_error_before_any_data_is_read():
    loaded = []
    registry = _colour_registry((3, 96, 80), loaded=loaded)
    with pytest.raises(ConfigError, match=r"generator 'dcgan' cannot be built for 3x96x80 images: .*side of 8, 14, 16, 28, 32, 56, 64, 112, 128, 224"):
        resolve_config(registry, "colour", None, generator="dcgan", discriminator="dcgan", loss="bce")
    with pytest.raises(ConfigError, match=r"discriminator 'sngan-resnet' cannot be built for 3x128x128 images: .*32, 48, 64 only"):
        resolve_config(registry, "colour", "sngan", image_size=128, discriminator="sngan-resnet")
    with pytest.raises(ConfigError, match=r"'infogan' \(inside 'pacgan'\) cannot be built for 3x30x30"):
        resolve_config(registry, "colour", "dcgan", image_size=30, generator="mlp", discriminator="pacgan", generator_options={})
    assert loaded == []


@pytest.mark.parametrize("recipe", RECIPE_TABLES)
def test_a_recipe_keeps_its_networks_for_28px_greyscale_and_takes_the_papers_for_64px_colour(recipe):
    base = REGISTRY.recipe(recipe)
    mnist = resolve_config(REGISTRY, "mnist", recipe)
    assert (mnist.generator, mnist.discriminator, mnist.loss, mnist.batch_size, mnist.lr_g, mnist.betas, mnist.d_steps) == (
        base.generator, base.discriminator, base.loss, base.batch_size, base.lr_g, base.betas, base.d_steps,
    )  # fmt: skip
    assert mnist.generator_options == base.generator_options
    row = base.defaults_for((3, 64, 64))
    assert row, f"recipe {recipe} has no 64 px row"
    colour = resolve_config(_colour_registry((3, 64, 64)), "colour", recipe)
    for key, value in row.items():
        assert getattr(colour, key) == (tuple(value) if isinstance(value, list) else value), key
    assert (colour.generator, colour.discriminator) != (base.generator, base.discriminator)
    assert colour.image_size is None and colour.conditional == base.conditional


@pytest.mark.parametrize("recipe", RECIPE_TABLES)
def test_every_row_of_every_table_is_a_valid_configuration(recipe):
    for side in REGISTRY.recipe(recipe).by_resolution:
        config = resolve_config(_colour_registry((3, int(side), int(side))), "colour", recipe)
        assert config.generator == REGISTRY.recipe(recipe).defaults_for((3, int(side), int(side))).get("generator", config.generator)


def test_the_dcgan_table_gives_the_papers_settings_and_image_size_selects_the_row():
    config = resolve_config(REGISTRY, "mnist", "dcgan", image_size=32)
    assert (config.generator, config.discriminator, config.batch_size, config.betas, config.generator_options, config.augment) == ("dcgan", "dcgan", 128, (0.5, 0.999), {}, None)
    at_64 = resolve_config(REGISTRY, "mnist", "dcgan", image_size=64)  # half width with DiffAugment (docs/colour.md)
    assert (at_64.generator, at_64.batch_size, at_64.generator_options, at_64.discriminator_options, at_64.augment) == ("dcgan", 128, {"width": 32}, {"width": 32}, "diffaugment")
    wgan = resolve_config(_colour_registry((3, 32, 32)), "colour", "wgan-gp")
    assert (wgan.generator, wgan.discriminator, wgan.d_steps, wgan.betas) == ("wgan-gp-resnet", "wgan-gp-resnet", 5, (0.0, 0.9))
    cgan = resolve_config(_colour_registry((3, 32, 32)), "colour", "cgan")
    assert (cgan.generator, cgan.discriminator, cgan.loss, cgan.conditional) == ("sngan-resnet", "sngan-resnet", "hinge", True)
    other = resolve_config(_colour_registry((3, 40, 40)), "colour", "dcgan")  # no row for 40 px: the recipe's own networks
    assert other.generator == "infogan"


def test_the_users_flags_win_over_the_table():
    registry = _colour_registry((3, 64, 64))
    config = resolve_config(registry, "colour", "dcgan", batch_size=16, lr_d=1e-4, part_options={"generator": {"width": 8}})
    assert (config.generator, config.batch_size, config.lr_d, config.lr_g, config.generator_options) == ("dcgan", 16, 1e-4, 2e-4, {"width": 8})
    named = resolve_config(registry, "colour", "wgan-gp", generator="infogan", discriminator="infogan-critic", d_steps=2)
    assert (named.generator, named.discriminator, named.d_steps, named.lr_g) == ("infogan", "infogan-critic", 2, 1e-4)


def test_augment_none_turns_off_the_augmentation_a_row_sets_and_widths_can_go_back_to_the_papers():
    registry = _colour_registry((3, 64, 64))
    paper = resolve_config(registry, "colour", "dcgan", augment="none", part_options={"generator": {"width": 64}, "discriminator": {"width": 64}})
    assert (paper.augment, paper.augment_options, paper.generator_options, paper.discriminator_options) == (None, {}, {"width": 64}, {"width": 64})
    assert resolve_config(registry, "colour", "vanilla", augment="none").augment is None  # no augmentation to turn off: none either way


def test_the_table_line_names_the_widths_and_augmentation_a_row_sets():
    from ganzoo.api.catalogue import describe_resolution_row, resolution_table

    dcgan = REGISTRY.recipe("dcgan")
    lines = [describe_resolution_row(dcgan, row) for row in resolution_table(dcgan)]
    assert lines == [
        "32, 128 px: dcgan x dcgan x bce, batch 128, Adam 0.0002/0.0002 (0.5, 0.999), 1 D step",
        "64 px: dcgan x dcgan x bce, batch 128, Adam 0.0002/0.0002 (0.5, 0.999), 1 D step, width 32, diffaugment",
    ]
    lopsided = {"sides": [64], "generator_options": {"width": 32}, "discriminator_options": {"width": 16}}
    assert describe_resolution_row(dcgan, lopsided).endswith("1 D step, G width 32, D width 16")


def test_a_table_with_unknown_fields_is_refused():
    from ganzoo import Recipe

    with pytest.raises(ValueError, match="by_resolution"):
        Recipe(name="x", generator="g", discriminator="d", loss="l", by_resolution={64: {"learning_rate": 1e-3}})


def test_resnet_discriminators_are_conditional_by_projection_and_sngan_is_spectrally_normalised():
    D = REGISTRY.discriminator("sngan-resnet").factory(image_shape=(3, 32, 32), num_classes=10, width=4).eval()
    x = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        a, b = D(x, torch.zeros(3, dtype=torch.long)), D(x, torch.ones(3, dtype=torch.long))
    assert not torch.allclose(a, b)
    assert any(type(m).__name__ == "ParametrizedConv2d" for m in D.modules())
    critic = REGISTRY.discriminator("wgan-gp-resnet").factory(image_shape=(3, 32, 32), num_classes=0, width=4)
    assert not any(isinstance(m, (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)) for m in critic.modules())  # a per-sample penalty
    G = REGISTRY.generator("sngan-resnet").factory(latent_dim=8, image_shape=(3, 48, 48), num_classes=10, width=4).eval()
    z = torch.randn(1, 8).repeat(2, 1)
    with torch.no_grad():
        pair = G(z, torch.tensor([0, 1]))
    assert G.start == 6 and not torch.allclose(pair[0], pair[1])  # the STL-10 layout; labels reach the conditional BatchNorm


def test_list_recipes_shows_the_table(monkeypatch):
    from ganzoo.cli.app import out

    monkeypatch.setattr(out, "_width", 400)  # one table row per line
    output = CliRunner().invoke(app, ["list", "recipes"]).output
    assert "32, 128 px: dcgan x dcgan x bce, batch 128, Adam 0.0002/0.0002 (0.5, 0.999), 1 D step" in output
    assert "64 px: dcgan x dcgan x bce, batch 128, Adam 0.0002/0.0002 (0.5, 0.999), 1 D step, width 32, diffaugment" in output
    assert "32 px: wgan-gp-resnet x wgan-gp-resnet x wgan-gp, batch 64, Adam 0.0002/0.0002 (0, 0.9), 5 D steps" in output


def test_a_supports_that_is_not_callable_is_refused_at_registration():
    from ganzoo import PluginError
    from ganzoo.registrar import PluginRegistrar
    from ganzoo.registry import Registry

    with pytest.raises(PluginError, match="supports is not callable"):
        PluginRegistrar(Registry(), "sized").add_generator("sized", object, supports=(32, 64))


def test_the_docs_page_shows_every_table_and_declaration():
    from pathlib import Path

    from ganzoo.api.catalogue import describe_resolution_row, resolution_table

    page = (Path(__file__).resolve().parents[2] / "docs" / "resolutions.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| ") and " G steps on " not in line]  # presets: test_presets.py
    for name in RECIPE_TABLES:
        recipe = REGISTRY.recipe(name)
        assert any(line.startswith(f"| `{name}` | {recipe.generator} x {recipe.discriminator} x {recipe.loss}") for line in rows), name
        for row in resolution_table(recipe):
            assert f"| {describe_resolution_row(recipe, row)} | {row['reference']} |" in page, (name, row["sides"])
    assert sum(line.count(" px: ") for line in rows) == sum(len(resolution_table(REGISTRY.recipe(n))) for n in RECIPE_TABLES)  # no stale row
    for kind, name in sorted({(k, n) for k, n, _ in DECLARED}):
        assert f"`{name}`" in page and str(REGISTRY.get(kind, name).supports) in page, name


def test_the_kits_recipe_check_trains_on_28px_grey_and_32_and_64px_colour():
    from ganzoo.testing import check_recipe

    results = check_recipe("dcgan", REGISTRY)
    assert [r.check for r in results] == ["trains 3 steps (1x28x28)", "trains 3 steps (3x32x32)", "trains 3 steps (3x64x64)"]
    assert all(r.ok for r in results), [r.detail for r in results if not r.ok]


def test_the_cost_table_on_the_docs_page_is_the_benchmarks_result():
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = json.loads((root / "benchmarks" / "results" / "resolution_nets.json").read_text())
    page = (root / "docs" / "resolutions.md").read_text()
    assert result["cpu"] in page and f"torch {result['torch']}" in page
    for r in result["rows"]:
        line = f"| {r['generator']} x {r['discriminator']} | {r['side']} | {r['classes']} | {r['generator_params'] / 1e6:.2f}M | {r['discriminator_params'] / 1e6:.2f}M | {r['images_per_second']} |"
        assert line in page, line
    import sys

    sys.path.insert(0, str(root / "benchmarks"))
    try:
        from resolution_nets import pairs
    finally:
        sys.path.pop(0)
    measured = {(r["generator"], r["discriminator"], r["side"], r["classes"]) for r in result["rows"]}
    assert measured == set(pairs(REGISTRY))  # every pair a table trains is measured, and no other


def test_a_recipe_file_keeps_its_bases_table_less_what_it_states(tmp_path):
    from ganzoo.train.recipe_file import load_recipe_file

    path = tmp_path / "narrow.toml"
    path.write_text('base = "dcgan"\nbatch_size = 32\n[discriminator]\nwidth = 16\n')
    recipe = load_recipe_file(REGISTRY, path)
    config = resolve_config(_colour_registry((3, 32, 32)), "colour", recipe)
    assert (config.generator, config.generator_options, config.batch_size) == ("dcgan", {}, 32)  # the table's G; the file's batch
    assert (config.discriminator, config.discriminator_options) == ("infogan", {"width": 16, "hidden": 512})  # the file's D


class _Only64Generator(nn.Module):
    """A third-party generator that builds 64 px only, and says so."""

    def __init__(self, latent_dim, image_shape, num_classes=0):
        super().__init__()
        SquareSides(sides=(64,)).plan(image_shape)  # raises for any other shape
        self.latent_dim, self.image_shape, self.num_classes = latent_dim, tuple(image_shape), num_classes
        self.net = nn.Linear(latent_dim, int(torch.tensor(image_shape).prod()))

    def forward(self, z, labels=None):
        return torch.tanh(self.net(z)).view(len(z), *self.image_shape)


def test_the_kit_checks_a_part_at_the_sizes_it_declares():
    from ganzoo.testing import check_generator

    registry = REGISTRY.copy()
    registry.add("generator", PartSpec("only-64", _Only64Generator, supports=SquareSides(sides=(64,))), plugin="tests")
    results = check_generator("only-64", registry)
    assert [r.check for r in results] == ["contract (1x64x64, 0 classes)", "contract (3x64x64, 0 classes)"] and all(r.ok for r in results)
    registry.add("generator", PartSpec("refuses-all", _Only64Generator, supports=lambda shape: "never"), plugin="tests")
    (refused,) = check_generator("refuses-all", registry)
    assert refused.check == "declared sizes" and not refused.ok and "refuses every shape the kit builds (1x32x32, 3x32x32)" in refused.detail
