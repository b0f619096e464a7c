"""The remedies for mode collapse as parts: the packing wrapper, minibatch standard deviation, mode seeking."""

from __future__ import annotations

import json
import warnings

import pytest
import torch

from ganzoo import ConfigError, PluginError
from ganzoo.discovery import get_registry
from ganzoo.train import Trainer, resolve_config
from ganzoo.train.build import Shapes, build_discriminator
from ganzoo_families.layers import MinibatchStdDev
from ganzoo_families.pacgan import PackedDiscriminator


def test_pacgan_wraps_the_recipes_discriminator_with_its_options():
    config = resolve_config(get_registry(), "mnist", "dcgan", discriminator="pacgan")
    assert config.discriminator == "pacgan"
    assert config.discriminator_options == {"inner": "infogan", "width": 32, "hidden": 512}


def test_pacgan_options_and_the_inner_part_come_from_set():
    registry = get_registry()
    config = resolve_config(registry, "mnist", "dcgan", discriminator="pacgan", part_options={"discriminator": {"pack": 4, "width": 16}})
    assert config.discriminator_options == {"inner": "infogan", "width": 16, "hidden": 512, "pack": 4}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        other = resolve_config(registry, "mnist", "dcgan", discriminator="pacgan", image_size=32, part_options={"discriminator": {"inner": "dcgan"}})
    # at 32 px the recipe's resolution table picks the DCGAN networks, which have no hidden layer: the 28-px option is not carried over
    assert other.discriminator_options["inner"] == "dcgan" and "hidden" not in other.discriminator_options


@pytest.mark.parametrize(
    "options, batch, message",
    [
        ({"pack": 3}, 64, "needs batches of a multiple of 3 images"),
        ({"pack": 5}, 60, "pack must be 2, 3 or 4"),
        ({"pack": True}, 64, "discriminator.pack takes a int"),
        ({"inner": "projection"}, 64, "needs class labels, but this run is unconditional"),
        ({"inner": "nothing"}, 64, "Unknown discriminator 'nothing'"),
        ({"widht": 8}, 64, "has no option 'widht'"),
        ({"width": "wide"}, 64, "discriminator.width takes a int"),
    ],
)
def test_bad_pacgan_settings_are_refused_at_configuration(options, batch, message):
    with pytest.raises(ConfigError, match=message):
        resolve_config(get_registry(), "mnist", "dcgan", discriminator="pacgan", batch_size=batch, part_options={"discriminator": options})


def test_pacgan_cannot_take_labels():
    with pytest.raises(ConfigError, match="'pacgan' cannot use class labels"):
        resolve_config(get_registry(), "mnist", "cgan", discriminator="pacgan")


@pytest.mark.parametrize("pack", [2, 3, 4])
def test_packed_scores_are_the_inner_score_of_each_pack(pack):
    registry = get_registry()
    config = resolve_config(registry, "stacked-mnist", "dcgan", discriminator="pacgan", batch_size=12, part_options={"discriminator": {"pack": pack}})
    D = build_discriminator(registry, config, Shapes((3, 28, 28), 0, 100)).eval()  # the build probe: the run's 12 images
    assert isinstance(D, PackedDiscriminator) and D.inner.image_shape == (3 * pack, 28, 28)
    x = torch.rand(12, 3, 28, 28) * 2 - 1
    with torch.no_grad():
        scores = D(x)
        expected = D.inner(x.reshape(12 // pack, 3 * pack, 28, 28)).repeat_interleave(pack)
        first = D.inner(torch.cat(list(x[:pack]), dim=0)[None])  # images 0..pack-1, their channels side by side
    assert scores.shape == (12,) and torch.allclose(scores, expected)
    assert torch.allclose(scores[:pack], first.expand(pack), atol=1e-5)


def test_build_part_is_the_registrys_public_builder():
    registry = get_registry()
    D = registry.build_part("discriminator", "mlp", image_shape=(1, 28, 28), num_classes=0, hidden=(8,))
    assert D(torch.zeros(2, 1, 28, 28)).shape == (2,)
    with pytest.raises(ConfigError, match="Unknown discriminator 'mpl'"):
        registry.build_part("discriminator", "mpl", image_shape=(1, 28, 28))
    with pytest.raises(PluginError, match="Could not build discriminator 'mlp'"):
        registry.build_part("discriminator", "mlp", image_shape=(1, 28, 28), depth=3)


def test_minibatch_stddev_appends_the_groups_spread():
    layer = MinibatchStdDev(group=4)
    same = torch.ones(8, 5, 3, 3)
    out = layer(same)
    assert out.shape == (8, 6, 3, 3) and torch.allclose(out[:, 5], torch.full((8, 3, 3), 1e-4), atol=1e-6)
    varied = torch.randn(8, 5)
    out = layer(varied)
    assert out.shape == (8, 6) and out[:, 5].min() > 0.1
    # sample i is in group i mod 2 (groups of 4 out of 8): samples 0, 2, 4, 6 share a value
    assert torch.equal(out[0::2, 5], out[0, 5].expand(4)) and torch.equal(out[1::2, 5], out[1, 5].expand(4))
    assert layer(torch.randn(6, 5)).shape == (6, 6)  # 4 does not divide 6: groups of gcd(6, 4) = 2


@pytest.mark.parametrize("discriminator", ["infogan", "dcgan", "mlp", "wgan-gp", "infogan-critic"])
def test_mbstd_is_an_option_of_the_built_in_discriminators(discriminator):
    registry = get_registry()
    plain = registry.build_part("discriminator", discriminator, image_shape=(3, 28, 28), num_classes=0)
    D = registry.build_part("discriminator", discriminator, image_shape=(3, 28, 28), num_classes=0, mbstd=True)
    assert any(isinstance(m, MinibatchStdDev) for m in D.modules()) and not any(isinstance(m, MinibatchStdDev) for m in plain.modules())
    x = torch.rand(8, 3, 28, 28, requires_grad=True)
    D(x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_mode_seeking_trains_a_conditional_run_and_logs_its_ratio(tmp_path, tiny):
    config = resolve_config(get_registry(), "mnist", "cgan", loss="bce+mode-seeking", **tiny)
    assert Trainer(config, tmp_path / "run", progress=False).fit().step == tiny["steps"]
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert all(r["ms_ratio"] > 0 for r in records if "loss_g" in r)


def test_mode_seeking_rewards_distant_images_for_distant_latents():
    from ganzoo.testing import phase_context

    registry = get_registry()
    loss = registry.build_part("loss", "mode-seeking")
    z1, z2 = torch.tensor([[1.0, 0.0], [5.0, 5.0]]), torch.tensor([[0.0, 0.0]])
    scale = torch.nn.Parameter(torch.tensor(2.0))
    calls = []
    G = lambda z, labels=None: calls.append(len(z)) or (z * scale).view(-1, 1, 1, 2)  # noqa: E731
    real = torch.zeros(2, 1, 1, 2)
    fake = G(z1)  # the batch's fakes, with their latents: the first of the pair is reused, not generated again
    ctx = phase_context("generator", None, real, fake, G=G, latents=z1, sample_latents=lambda n: z2[:n])
    value, stats = loss.generator_loss(ctx)
    assert calls == [2, 1]  # one extra forward, of half the batch
    # |G(z1) - G(z2)| = 2 * |z1 - z2| everywhere: the ratio is 2 and the term 1 / (2 + 1e-5)
    assert stats["ms_ratio"].item() == pytest.approx(2.0) and value.item() == pytest.approx(1 / (2 + 1e-5))
    value.backward()
    assert scale.grad < 0  # a larger spread lowers the loss


def test_a_pack_of_3_trains_at_batch_18(tmp_path, tiny):
    """The wrapper, built through the registry's public builder, trains with a batch that splits into packs of 3."""
    options = {"discriminator": {"pack": 3, "width": 8, "hidden": 32}, "generator": {"width": 8, "hidden": 32}}
    config = resolve_config(get_registry(), "mnist", "dcgan", discriminator="pacgan", part_options=options, **{**tiny, "batch_size": 18, "steps": 2})
    trainer = Trainer(config, tmp_path / "run", progress=False)
    assert trainer.fit().step == 2 and isinstance(trainer.gan.D, PackedDiscriminator) and trainer.gan.D.pack == 3


def test_split_channels_draws_each_channel_with_the_same_convolutions():
    registry = get_registry()
    torch.manual_seed(0)
    G = registry.build_part("generator", "infogan", latent_dim=8, image_shape=(3, 28, 28), num_classes=0, width=4, hidden=16, split_channels=True).eval()
    assert G.conv[-2].out_channels == 1  # the last transposed conv draws one channel
    z = torch.randn(5, 8)
    with torch.no_grad():
        images = G(z)
        maps = G.fc(z).view(5, 3, *G.map_shape)  # one feature map per channel, side by side in the fc output
        for channel in range(3):
            assert torch.allclose(images[:, channel], G.conv(maps[:, channel])[:, 0], atol=1e-6)
    plain = registry.build_part("generator", "infogan", latent_dim=8, image_shape=(3, 28, 28), num_classes=0, width=4, hidden=16)
    assert plain(z).shape == images.shape == (5, 3, 28, 28) and plain.conv[-2].out_channels == 3


@pytest.mark.parametrize("num_classes", [0, 4])
def test_split_latent_draws_each_channel_from_its_own_slice_of_z(num_classes):
    registry = get_registry()
    torch.manual_seed(0)
    G = registry.build_part(
        "generator", "infogan", latent_dim=7, image_shape=(3, 28, 28), num_classes=num_classes, width=4, hidden=16,
        split_channels=True, split_latent=True,
    ).eval()
    z, labels = torch.randn(5, 7), torch.arange(5) % 4 if num_classes else None
    with torch.no_grad():
        images = G(z, labels)
        for channel in range(3):  # 7 // 3 = 2 dims per channel; the seventh is unused
            moved = z.clone()
            moved[:, 2 * channel : 2 * channel + 2] = torch.randn(5, 2)
            changed = (G(moved, labels) - images).abs().flatten(2).amax(dim=2)  # (batch, channel)
            assert (changed[:, channel] > 0).all()
            assert torch.equal(changed[:, [c for c in range(3) if c != channel]], torch.zeros(5, 2))
        unused = z.clone()
        unused[:, 6] += 1.0
        assert torch.equal(G(unused, labels), images)
    if num_classes:  # the same slice of z in every channel: the channel's code still tells them apart
        same = z[:, :2].repeat(1, 3)
        drawn = G(torch.cat([same, z[:, 6:]], dim=1), labels)
        assert not torch.allclose(drawn[:, 0], drawn[:, 1]) and not torch.allclose(drawn[:, 1], drawn[:, 2])
    with pytest.raises(PluginError, match="needs split_channels"):
        registry.build_part("generator", "infogan", latent_dim=8, image_shape=(3, 28, 28), num_classes=0, split_latent=True)


@pytest.mark.parametrize("num_classes", [0, 4])
def test_without_a_joint_score_each_channel_is_judged_alone_and_the_scores_summed(num_classes):
    registry = get_registry()
    torch.manual_seed(0)
    options = dict(image_shape=(3, 28, 28), num_classes=num_classes, width=4, hidden=16, split_channels=True, joint_score=False)
    D = registry.build_part("discriminator", "infogan", **options).eval()
    x, labels = torch.randn(5, 3, 28, 28), torch.arange(5) % 4 if num_classes else None
    with torch.no_grad():
        scores = D(x, labels)
        one = registry.build_part("discriminator", "infogan", **{**options, "image_shape": (1, 28, 28), "split_channels": False, "joint_score": True}).eval()
        one.load_state_dict(D.state_dict())  # the same network, for 1-channel images
        alone = sum(one(x[:, c : c + 1], labels) for c in range(3))
        assert torch.allclose(scores, alone, atol=1e-5)
        moved = x.clone()
        moved[:, 1] = torch.randn(5, 28, 28)
        assert torch.allclose(D(moved, labels) - scores, one(moved[:, 1:2], labels) - one(x[:, 1:2], labels), atol=1e-5)


@pytest.mark.parametrize("discriminator", ["infogan", "infogan-critic"])
def test_split_channels_judges_each_channel_alone_and_all_together(discriminator):
    registry = get_registry()
    torch.manual_seed(0)
    D = registry.build_part("discriminator", discriminator, image_shape=(3, 28, 28), num_classes=0, width=4, hidden=16, split_channels=True).eval()
    assert D.channel_features[0].in_channels == 1
    x = torch.rand(6, 3, 28, 28, requires_grad=True)
    score = D(x)
    assert score.shape == (6,)
    with torch.no_grad():  # the score is the joint head's plus one linear score per channel, on the channel's own features
        maps = D.channel_features(x.reshape(18, 1, 28, 28))
        alone = D.channel_score(maps.flatten(1)).view(6, 3).sum(1)
        together = D.score(D.features(maps.reshape(6, 3 * maps.shape[1], *maps.shape[2:]))).view(-1)
    assert torch.allclose(score, alone + together, atol=1e-5)
    score.sum().backward()
    assert all(x.grad[:, c].abs().sum() > 0 for c in range(3))
