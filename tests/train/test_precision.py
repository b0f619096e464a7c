"""Precision: a bf16 run on a CPU that only emulates bf16 is warned about before it crawls."""

from __future__ import annotations

import warnings

import pytest
import torch

from ganzoo.errors import GanzooWarning
from ganzoo.train import precision
from ganzoo.train.precision import Precision, cpu_has_native_bf16


def _cpuinfo(tmp_path, flags: str):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: {flags}\n\nprocessor\t: 1\nflags\t\t: {flags}\n")
    return path


def test_the_cpu_flags_tell_native_bf16_from_emulated(tmp_path):
    assert cpu_has_native_bf16(_cpuinfo(tmp_path, "fpu sse2 avx2 fma")) is False
    assert cpu_has_native_bf16(_cpuinfo(tmp_path, "fpu avx2 avx512f avx512_bf16")) is True
    assert cpu_has_native_bf16(_cpuinfo(tmp_path, "fpu avx2 amx_bf16 amx_tile")) is True
    assert cpu_has_native_bf16(tmp_path / "missing") is None  # not Linux, or unreadable: no claim either way


@pytest.mark.parametrize("flags, warned", [("fpu avx2", True), ("fpu avx2 avx512_bf16", False)])
def test_bf16_on_a_cpu_without_it_warns_and_names_the_fix(tmp_path, monkeypatch, flags, warned):
    monkeypatch.setattr(precision, "CPUINFO", _cpuinfo(tmp_path, flags))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Precision("bf16", torch.device("cpu"))
        Precision("fp32", torch.device("cpu"))
    messages = [str(w.message) for w in caught if issubclass(w.category, GanzooWarning)]
    assert len(messages) == int(warned)
    if warned:
        assert "emulated" in messages[0] and "--precision fp32" in messages[0]
