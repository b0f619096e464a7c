"""Downloads of missing files, served from a local HTTP server on loopback."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from ganzoo import DataError
from ganzoo.data.download import RemoteFile, ensure_files, md5_of

NAME = "t10k-labels-idx1-ubyte.gz"


@pytest.fixture()
def server(data_root):
    folder = data_root / "MNIST" / "raw"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", folder
    httpd.shutdown()


def test_missing_file_is_downloaded_and_verified(server, tmp_path, monkeypatch):
    monkeypatch.delenv("GANZOO_OFFLINE")
    base, folder = server
    md5 = md5_of(folder / NAME)
    ensure_files(tmp_path, [RemoteFile(NAME, base + NAME, md5)], "mnist")
    assert md5_of(tmp_path / NAME) == md5


def test_a_download_with_the_wrong_checksum_is_discarded(server, tmp_path, monkeypatch):
    monkeypatch.delenv("GANZOO_OFFLINE")
    base, _ = server
    with pytest.raises(DataError, match="does not match its md5"):
        ensure_files(tmp_path, [RemoteFile(NAME, base + NAME, "0" * 32)], "mnist")
    assert list(tmp_path.iterdir()) == []  # no partial or wrong file left behind


def test_unreachable_server_names_folder_and_files(server, tmp_path, monkeypatch):
    monkeypatch.delenv("GANZOO_OFFLINE")
    base, _ = server
    with pytest.raises(DataError, match=rf"missing files in {tmp_path}: {NAME}, and downloading .* failed"):
        ensure_files(tmp_path, [RemoteFile(NAME, base + "absent.gz", "0" * 32)], "mnist")
