"""TensorBoard: event files in ``RUN/trackers/tensorboard`` (``tensorboard --logdir runs`` shows every run).

A resumed or rolled-back run writes TensorBoard's purge marker at the step after the
checkpoint, so readers drop what an earlier session logged after it and the steps logged again
appear once, as in ``metrics.jsonl``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from ganzoo.loggers.base import Logger, LoggerContext, flatten

#: Metrics the HPARAMS tab shows beside each run's configuration.
HPARAM_METRICS = ("loss_d", "loss_g", "eval/fid")


def _hparam_value(value: Any) -> bool | int | float | str:
    return value if isinstance(value, (bool, int, float, str)) else json.dumps(value)


class TensorBoardLogger(Logger):
    """Scalars, sample grids, and the configuration (as text and in the HPARAMS tab)."""

    def start(self, context: LoggerContext) -> dict[str, Any]:
        from torch.utils.tensorboard import SummaryWriter

        purge = context.logged_through + 1 if context.resumed else None
        self.writer = SummaryWriter(log_dir=str(context.dir), purge_step=purge)
        return {}

    def log_hyperparams(self, params: Mapping[str, Any]) -> None:
        from torch.utils.tensorboard.summary import hparams

        text = "\n".join("    " + line for line in json.dumps(dict(params), indent=2).splitlines())
        self.writer.add_text("config", text)  # indented: a code block in TensorBoard's Markdown
        flat = {key: _hparam_value(value) for key, value in flatten(params).items()}
        for summary in hparams(flat, dict.fromkeys(HPARAM_METRICS, 0.0)):
            self.writer.file_writer.add_summary(summary)

    def log_metrics(self, step: int, metrics: Mapping[str, float]) -> None:
        for key, value in metrics.items():
            self.writer.add_scalar(key, value, step)

    def log_image(self, step: int, tag: str, path: Path) -> None:
        import numpy as np
        from PIL import Image

        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB"))
        self.writer.add_image(tag, pixels, step, dataformats="HWC")

    def flush(self) -> bool:
        self.writer.flush()
        return True

    def rewind(self, step: int) -> None:
        from tensorboard.compat.proto.event_pb2 import Event, SessionLog

        self.writer.file_writer.add_event(Event(step=step + 1, session_log=SessionLog(status=SessionLog.START)))

    def finalize(self, status: str) -> None:
        self.writer.close()
