"""GPU-scale presets: the papers' CIFAR-10, STL-10 and CelebA-64 configurations, each with its card.

A preset is a recipe (:class:`ganzoo.Recipe`) that fixes one paper's whole configuration for one
dataset: the networks, the loss, the optimiser, the batch, the discriminator steps, the latent
size, the image side and the paper's number of generator updates, and carries what the paper
published for it (:class:`ganzoo.PaperFigures`, shown by ``ganzoo list recipes``). The family
recipes (``dcgan``, ``sngan``...) pick the same networks by resolution but keep budgets a CPU can
train; a preset trains the paper's budget, which is GPU work (days on a 2-core CPU)::

    ganzoo train sngan-cifar10 --data cifar10 --precision bf16 --channels-last

The SN-GAN and WGAN-GP presets decay both learning rates linearly to zero over the run
(``lr_schedule="linear"``), as the papers' code does. The cards' FIDs are the papers' own, on their
sample counts (10,000 or 50,000, see each card); ``ganzoo eval`` measures a run's.
The data behind STL-10 and CelebA presets is the user's folder (``--data folder:DIR``); the
preset resizes it to the paper's side.
"""

from __future__ import annotations

from ganzoo import PaperFigures, Recipe, hookimpl

#: SN-GAN's ResNet setting (Miyato et al. 2018, appendix B.2; the official configs' batch of 64)
_SNGAN = dict(generator="sngan-resnet", discriminator="sngan-resnet", loss="hinge", latent_dim=128, batch_size=64,
              lr_g=2e-4, lr_d=2e-4, betas=(0.0, 0.9), d_steps=5, ema_decay=0.0, lr_schedule="linear")  # fmt: skip
#: the DCGAN networks as Heusel et al. 2017 trained them (batch 64, Adam beta1 0.5; the rates differ per dataset)
_DCGAN = dict(generator="dcgan", discriminator="dcgan", loss="bce", batch_size=64, betas=(0.5, 0.999), d_steps=1, ema_decay=0.0)
_HEUSEL = "Radford et al. 2015 (networks); Heusel et al. 2017, GANs Trained by a Two Time-Scale Update Rule (Table 1)"
_SNGAN_FID = "FID on 10,000 generated and 5,000 real images (appendix B.1)."

PRESETS = (
    Recipe(
        name="sngan-cifar10",
        description="SN-GAN ResNet on CIFAR-10, 32 px: the paper's unconditional configuration",
        reference="Miyato et al. 2018, Spectral Normalization for GANs (sec. 4.1, appendix B)",
        image_size=32, steps=100_000, **_SNGAN,
        paper=PaperFigures(source="Miyato et al. 2018, Table 2", data="CIFAR-10 32 px", steps=100_000, fid=21.7, inception_score=8.22,
                           note=f"{_SNGAN_FID} The official code's CIFAR-10 config trains 50,000 G steps."),
    ),
    Recipe(
        name="sngan-stl10",
        description="SN-GAN ResNet on STL-10 resized to 48 px (your folder: --data folder:DIR)",
        reference="Miyato et al. 2018, Spectral Normalization for GANs (sec. 4.1, appendix B)",
        image_size=48, steps=100_000, **_SNGAN,
        paper=PaperFigures(source="Miyato et al. 2018, Table 2", data="STL-10 48 px", steps=100_000, fid=40.1, inception_score=9.10,
                           note=_SNGAN_FID),
    ),
    Recipe(
        name="cgan-cifar10",
        description="class-conditional SN-GAN ResNets with a projection discriminator on CIFAR-10, 32 px",
        reference="Miyato & Koyama 2018, cGANs with Projection Discriminator (the official CIFAR-10 config)",
        image_size=32, steps=50_000, conditional=True, **_SNGAN,
        paper=PaperFigures(source="Miyato & Koyama 2018, as Mimicry (Lee & Town 2020) quotes it", data="CIFAR-10 32 px", steps=50_000, fid=17.5,
                           inception_score=8.62, note="Mimicry lists it on 10,000 generated and 5,000 real images."),
    ),
    Recipe(
        name="wgan-gp-cifar10",
        description="WGAN-GP ResNet on CIFAR-10, 32 px: the paper's unconditional configuration",
        reference="Gulrajani et al. 2017, Improved Training of Wasserstein GANs (appendix F)",
        generator="wgan-gp-resnet", discriminator="wgan-gp-resnet", loss="wgan-gp", latent_dim=128, image_size=32, batch_size=64,
        lr_g=2e-4, lr_d=2e-4, betas=(0.0, 0.9), d_steps=5, ema_decay=0.0, lr_schedule="linear", steps=100_000,
        paper=PaperFigures(source="Gulrajani et al. 2017, Table 3", data="CIFAR-10 32 px", steps=100_000, inception_score=7.86,
                           note="The paper reports no FID (Heusel et al. 2017, Table 1, measured 29.3 for WGAN-GP on CIFAR-10)."),
    ),
    Recipe(
        name="dcgan-cifar10",
        description="the DCGAN networks on CIFAR-10, 32 px, as Heusel et al. 2017 trained them",
        reference=_HEUSEL, image_size=32, lr_g=1e-4, lr_d=1e-4, steps=100_000, **_DCGAN,
        paper=PaperFigures(source="Heusel et al. 2017, Table 1", data="CIFAR-10 32 px", steps=100_000, fid=37.7,
                           note="FID on 50,000 generated images against the training set. Radford et al. 2015 report no FID."),
    ),
    Recipe(
        name="dcgan-celeba64",
        description="the DCGAN networks on CelebA resized to 64 px (your folder: --data folder:DIR), as Heusel et al. 2017 trained them",
        reference=_HEUSEL, image_size=64, lr_g=5e-4, lr_d=5e-4, steps=70_000, **_DCGAN,
        paper=PaperFigures(source="Heusel et al. 2017, Table 1", data="CelebA 64 px", steps=70_000, fid=21.4,
                           note="FID on 50,000 generated images against the training set."),
    ),
)  # fmt: skip


@hookimpl
def ganzoo_register(registry):
    """Register the presets as recipes."""
    for preset in PRESETS:
        registry.add_recipe(preset)
