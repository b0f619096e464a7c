"""docs/python-api.md's code blocks run, in order, as a reader would run them."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "python-api.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S)


def test_the_python_api_page_runs(tmp_path, monkeypatch, data_root):
    blocks = _blocks()
    assert len(blocks) >= 5, "the Python API page lost its code blocks"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for number, block in enumerate(blocks, 1):
            try:
                exec(compile(block, f"docs/python-api.md block {number}", "exec"), namespace)
            except Exception as error:  # noqa: BLE001 - say which block failed
                raise AssertionError(f"block {number} of docs/python-api.md failed: {error}\n{block}") from error
    output = printed.getvalue()
    run, model, sevens = namespace["run"], namespace["cgan"], namespace["sevens"]
    assert run.step == 200 and len(run.samples) == 2 and (tmp_path / "runs" / "api-vanilla").is_dir()
    assert "refused:" in output and "gp_wieght" in output
    assert sevens.shape == (8, 1, 28, 28) and model.num_classes == 10
    assert (tmp_path / "sevens.png").stat().st_size > 0
    assert namespace["path"].shape == (8, 1, 28, 28)
    assert 0 <= namespace["scores"].metrics["fid"] < 200 and namespace["own"].metrics["conditional_accuracy"] >= 0.75
    assert "cgan-mnist" in output
