"""One training step of any generator x discriminator x loss, and everything it changes.

:class:`GanStep` owns the networks, their optimisers, the precision, the augmentation, the EMA
generator, the data order and the random streams: all a step reads and writes, and so all a
checkpoint must carry (:meth:`GanStep.state_dict`). It is also the one place a
:class:`~ganzoo.protocols.PhaseContext` is built (:meth:`GanStep.context`): the trainer, the
conformance kit and the tests all get their phase contexts here.

Each step runs ``d_steps`` discriminator phases and one generator phase; the loss object owns
what happens inside a phase (objective and regularisers), so this step never asks which GAN it
trains. The last discriminator phase's fakes are generated with gradients and reused by the
generator phase (one generator forward per step, as in the canonical DCGAN loop).

What the step does not own is the run around it (:mod:`ganzoo.train.trainer`): the directory,
its lock, the cadence of logs, grids and checkpoints, roll-backs and the clock.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ganzoo.data.batcher import DeviceBatcher, to_uint8
from ganzoo.data.dataset import ImageDataset
from ganzoo.errors import CheckpointError
from ganzoo.protocols import Augmentation, Loss, PhaseContext
from ganzoo.registry import Registry
from ganzoo.train.build import Shapes, build_augmentation, build_discriminator, build_generator, build_loss, part_needs
from ganzoo.train.config import TrainConfig
from ganzoo.train.ema import EMA
from ganzoo.train.precision import Precision
from ganzoo.train.profiler import PhaseTimer
from ganzoo.train.strategy import SingleProcess

#: The random streams of a step, by the offset of their seed from ``--seed`` (rank > 0 re-seeds torch's
#: global generator with offset 2 on resume; the sample grids' fixed noise also uses ``--seed`` + 2).
STREAMS = {"data": 0, "latent": 1, "augment": 3, "loss": 4}
_RANK_STRIDE, _STEP_STRIDE = 1_000_003, 7_919


def make_adam(params, lr: float, betas: tuple[float, float]) -> torch.optim.Adam:
    """Adam with the fused implementation where this torch and device support it (4-10x faster
    steps than the default on a CPU, measured on the vanilla generator), else the default."""
    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(params, lr=lr, betas=betas)


def stream_seed(seed: int, stream: int, rank: int = 0, step: int = 0) -> int:
    """Seed of random stream ``stream`` for process ``rank``; rank 0 of a fresh run uses ``seed + stream``.

    ``step`` re-seeds the streams of ranks > 0 on resume (a checkpoint holds rank 0's streams only).
    """
    return seed + stream + _RANK_STRIDE * rank + _STEP_STRIDE * step


class GanStep:
    """The networks, optimisers, precision, augmentation, EMA and random streams of a run, and its step.

    Build it from a configuration with :meth:`build`, or from parts already built (the conformance
    kit's tiny networks, a test's) with the constructor. ``count`` is the number of generator
    steps trained so far, over the whole run (resumes included).
    """

    def __init__(
        self,
        config: TrainConfig,
        G: nn.Module,
        D: nn.Module,
        loss: Loss,
        dataset: ImageDataset,
        *,
        augment: Augmentation | None = None,
        strategy: SingleProcess | None = None,
        needs: set[str] | frozenset[str] = frozenset(),
    ):
        self.config = config
        self.strategy = strategy or SingleProcess(torch.device("cpu"))
        self.device = device = self.strategy.device
        self.G, self.D, self.loss, self.augment = G.to(device).train(), D.to(device).train(), loss, augment
        self.needs = set(needs)
        self.count = 0
        self.opt_g = make_adam(self.G.parameters(), config.lr_g, config.betas)
        self.opt_d = make_adam(self.D.parameters(), config.lr_d, config.betas)
        if config.channels_last:
            self.G.to(memory_format=torch.channels_last)
            self.D.to(memory_format=torch.channels_last)
        self.G_train, self.D_train = self.strategy.wrap(self.G), self.strategy.wrap(self.D)
        self.D_eval = self.D  # what the generator phase calls
        if config.compile:
            self.G_train = torch.compile(self.G_train)
            if "double_backward" not in self.needs:  # declared in the registry; compiled graphs cannot double backward
                self.D_train, self.D_eval = torch.compile(self.D_train), torch.compile(self.D)
        self.ema = EMA(self.G, config.ema_decay) if config.ema_decay > 0 else None
        self.precision = Precision(config.precision, device)
        self.timer = PhaseTimer(config.profile, device)
        self.batcher = DeviceBatcher(dataset, config.batch_size, device, seed=self.seed_of("data"), channels_last=config.channels_last)
        self.rngs = {name: torch.Generator(device=device).manual_seed(self.seed_of(name)) for name in STREAMS if name != "data"}

    @classmethod
    def build(cls, config: TrainConfig, registry: Registry, dataset: ImageDataset, shapes: Shapes, strategy: SingleProcess) -> "GanStep":
        """The step of ``config``: its parts built from ``registry`` (torch seeded with ``--seed`` first)."""
        torch.manual_seed(config.seed)
        G = build_generator(registry, config, shapes)
        D = build_discriminator(registry, config, shapes)
        loss = build_loss(registry, config)
        augment = build_augmentation(registry, config)
        return cls(config, G, D, loss, dataset, augment=augment, strategy=strategy, needs=part_needs(registry, config))

    # -- random streams ---------------------------------------------------------------------
    def seed_of(self, stream: str, step: int = 0) -> int:
        """This process's seed of a named stream (``data``, ``latent``, ``augment``, ``loss``)."""
        return stream_seed(self.config.seed, STREAMS[stream], self.strategy.rank, step)

    def latents(self, n: int) -> torch.Tensor:
        """``n`` latents from the run's seeded latent stream."""
        return torch.randn(n, self.config.latent_dim, device=self.device, generator=self.rngs["latent"])

    # -- the phase context ------------------------------------------------------------------
    def context(
        self,
        phase: str,
        real: torch.Tensor,
        labels: torch.Tensor | None,
        fake: torch.Tensor,
        *,
        latents: torch.Tensor | None = None,
        d_index: int | None = None,
        discriminator: Any = None,
    ) -> PhaseContext:
        """The phase context of ``phase`` ("discriminator" or "generator") of the current step.

        ``d_index`` is the discriminator update within the step (default: the last);
        ``discriminator`` replaces the network the phase calls (default: the training D in the
        discriminator phase, the bare D in the generator phase).
        """
        if d_index is None:
            d_index = self.config.d_steps - 1
        if discriminator is None:
            discriminator = self.D_train if phase == "discriminator" else self.D_eval
        augment, augment_rng = self.augment, self.rngs["augment"]
        extra = {"augment": lambda images: augment(images, augment_rng)} if augment is not None else {}
        return PhaseContext(
            phase=phase,
            step=self.count,
            d_step=self.count * self.config.d_steps + d_index,
            real=real,
            labels=labels,
            fake=fake,
            discriminator=discriminator,
            G=self.G_train,
            sample_latents=self.latents,
            mean_across_processes=self.strategy.mean_tensor,
            rng=self.rngs["loss"],
            latents=latents,
            **extra,
        )

    # -- the step ---------------------------------------------------------------------------
    def step(self) -> dict[str, torch.Tensor]:
        """One generator step and its discriminator steps; returns detached stats (``loss_d``, ``loss_g``...)."""
        G, loss, precision, timer = self.G_train, self.loss, self.precision, self.timer
        stats: dict[str, torch.Tensor] = {}
        adapts = hasattr(self.augment, "update")
        for d_index in range(self.config.d_steps):
            last = d_index == self.config.d_steps - 1
            with timer.section("data"):
                real, labels = self.batcher.next()
                z = self.latents(len(real))
            with timer.section("g_forward"), torch.set_grad_enabled(last), precision.autocast():
                fake = G(z, labels)
            ctx = self.context("discriminator", real, labels, fake.detach(), latents=z, d_index=d_index)
            with timer.section("d_forward_loss"), precision.autocast():
                d_loss, d_stats = loss.discriminator_loss(ctx)
            self._optimize(d_loss, self.opt_d, "d")
            if adapts:
                with timer.section("augment_update"):
                    stats.update(self.augment.update(ctx) or {})
        # The generator phase calls the bare discriminator: its gradients are not wanted, so
        # neither is DDP's gradient synchronisation of D.
        self.D.requires_grad_(False)
        ctx = self.context("generator", real, labels, fake, latents=z)
        with timer.section("g_loss"), precision.autocast():
            g_loss, g_stats = loss.generator_loss(ctx)
        self._optimize(g_loss, self.opt_g, "g")
        self.D.requires_grad_(True)
        if self.ema is not None:
            with timer.section("ema"):
                self.ema.update(self.G, self.count)
        timer.steps += 1
        self.count += 1
        stats.update(d_stats)
        stats.update(g_stats)
        stats["loss_d"] = d_loss.detach()
        stats["loss_g"] = g_loss.detach()
        return stats

    def _optimize(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer, key: str) -> None:
        """Backward and step of one player ("d" or "g"), timed as ``KEY_backward`` and ``KEY_optimizer``."""
        with self.timer.section(f"{key}_backward"):
            optimizer.zero_grad(set_to_none=True)
            self.precision.backward(loss, key)
        with self.timer.section(f"{key}_optimizer"):
            self.precision.step(optimizer, key)

    def set_learning_rates(self, lr_g: float, lr_d: float) -> None:
        """Set the generator's and the discriminator's learning rates (a schedule's value for this step)."""
        for optimizer, lr in ((self.opt_g, lr_g), (self.opt_d, lr_d)):
            for group in optimizer.param_groups:
                group["lr"] = lr

    def scale_learning_rates(self, factor: float) -> dict[str, float]:
        """Multiply both learning rates by ``factor``; returns the new ``lr_g`` and ``lr_d``."""
        for optimizer in (self.opt_g, self.opt_d):
            for group in optimizer.param_groups:
                group["lr"] *= factor
        return {"lr_g": self.opt_g.param_groups[0]["lr"], "lr_d": self.opt_d.param_groups[0]["lr"]}

    # -- images -----------------------------------------------------------------------------
    @property
    def sampling_generator(self) -> nn.Module:
        """The generator that draws samples, grids and evaluations: the EMA one when there is one."""
        return self.ema.model if self.ema is not None else self.G

    @torch.no_grad()
    def draw(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """uint8 images of ``z`` from :attr:`sampling_generator`."""
        model = self.sampling_generator
        was_training = model.training
        model.eval()
        images = to_uint8(model(z, labels))
        model.train(was_training)
        return images

    def nonfinite_weights(self) -> list[str]:
        """"generator weights" and/or "discriminator weights" when one of their weights is NaN or infinite."""
        bad = []
        for name, model in (("generator weights", self.G), ("discriminator weights", self.D)):
            if not torch.stack([p.detach().isfinite().all() for p in model.parameters()]).all():
                bad.append(name)
        return bad

    # -- state ------------------------------------------------------------------------------
    def stateful_parts(self) -> list[tuple[str, Any]]:
        """The parts besides the networks whose state a checkpoint carries: ``(name, part)``."""
        return [(name, part) for name, part in (("loss", self.loss), ("augment", self.augment)) if hasattr(part, "state_dict")]

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: weights, optimisers, data order, random streams, scalers, part state."""
        rng = {"torch": torch.get_rng_state(), **{name: g.get_state() for name, g in self.rngs.items()}}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        state = {
            "generator": self.G.state_dict(),
            "discriminator": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "batcher": self.batcher.state_dict(),
            "rng": rng,
            "precision": self.precision.state_dict(),
        }
        if self.ema is not None:
            state["generator_ema"] = self.ema.model.state_dict()
        for name, part in self.stateful_parts():
            state[name] = part.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any], count: int) -> None:
        """Continue from :meth:`state_dict` saved after ``count`` steps; CheckpointError when it does not fit.

        Ranks > 0 re-seed their streams from ``count`` (a checkpoint holds rank 0's streams only),
        so that no two processes draw the same numbers."""
        where = f"The checkpoint of step {count}"
        try:
            self.G.load_state_dict(state["generator"])
            self.D.load_state_dict(state["discriminator"])
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
            if self.ema is not None and "generator_ema" in state:
                self.ema.model.load_state_dict(state["generator_ema"])
        except (RuntimeError, KeyError, ValueError) as error:
            raise CheckpointError(f"{where} does not fit the networks: {error}") from error
        for name, part in self.stateful_parts():
            if name in state and hasattr(part, "load_state_dict"):
                try:
                    part.load_state_dict(state[name])
                except (RuntimeError, KeyError, ValueError, TypeError) as error:
                    raise CheckpointError(f"{where} holds {name} state that {type(part).__name__} cannot load: {error}") from error
        self.count = count
        self.precision.load_state_dict(state.get("precision", {}))
        if self.strategy.rank == 0:
            self.batcher.load_state_dict(state["batcher"])
            torch.set_rng_state(state["rng"]["torch"])
            for name, generator in self.rngs.items():
                if name in state["rng"]:  # a checkpoint older than the stream starts it fresh
                    generator.set_state(state["rng"][name])
            if "cuda" in state["rng"] and self.device.type == "cuda":
                torch.cuda.set_rng_state(state["rng"]["cuda"], self.device)
            return
        self.batcher.generator.manual_seed(self.seed_of("data", count))
        for name, generator in self.rngs.items():
            generator.manual_seed(self.seed_of(name, count))
        torch.manual_seed(stream_seed(self.config.seed, 2, self.strategy.rank, count))
