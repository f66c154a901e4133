"""No network, ever (SPEC "Cases and documents": everything runs offline; issue 7).

* In a network namespace without any interface (``unshare -n``, as root) the CLI checks
  a case (PDF, DOCX, text, with --redact, which loads GiNZA's NER) and a batch runs.
* Everywhere (the fallback where unshare is refused, and a stricter test in any case):
  every Python process of a run, the read guard's children included, gets a
  ``sitecustomize`` that makes every IP socket connection and name lookup fail and
  records the attempt; a check and a batch must still work and record nothing, and no
  model hub client (huggingface_hub, transformers) is imported: the model is a pip package.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "fixtures" / "docs"


def _case(tmp_path: Path) -> Path:
    case = tmp_path / "case"
    case.mkdir()
    for name in ("contract_with_provisions.cid.pdf", "consultation_form.docx"):
        shutil.copy(DOCS / name, case / name)
    (case / "memo.txt").write_text("第1条 乙は、担当 山田太郎（電話 042-393-5111）を責任者とする。\n", encoding="utf-8")
    return case


def _batch_dir(tmp_path: Path) -> Path:
    root = tmp_path / "batch_in"
    root.mkdir()
    for i, name in enumerate(("contract_with_provisions.cid.pdf", "special_provisions.docx")):
        d = root / f"case{i}"
        d.mkdir()
        shutil.copy(DOCS / name, d / name)
    return root


def _env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.pop("http_proxy", None)
    env.pop("https_proxy", None)
    env.update(extra or {})
    return env


def _check_output(out: str) -> None:
    data = json.loads(out)
    docs = data["cases"][0]["documents"]
    assert len(docs) == 3
    assert all(d["error"] is None for d in docs), docs
    text = json.dumps(data, ensure_ascii=False)
    assert "山田太郎" not in text  # --redact ran, with the model


# --------------------------------------------------------------------------- unshare -n
def _unshare_works() -> bool:
    if not shutil.which("unshare") or os.geteuid() != 0:
        return False
    r = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return r.returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="unshare -n refused here (not root or no user namespaces)")
def test_cli_in_a_network_namespace(tmp_path):
    ip = subprocess.run(["unshare", "-n", "python3", "-c",
                         "import socket; print([n for _, n in socket.if_nameindex()])"],
                        capture_output=True, text=True)
    assert ip.returncode == 0 and json.loads(ip.stdout.strip().replace("'", '"')) == ["lo"]
    case = _case(tmp_path)
    r = subprocess.run(["unshare", "-n", sys.executable, "-m", "checker.cli", "check", str(case), "--format", "json",
                        "--redact", "--as-of", "2026-11-26"], capture_output=True, text=True, timeout=600,
                       env=_env(), cwd=ROOT)
    assert r.returncode in (0, 1), r.stderr
    _check_output(r.stdout)

    out = tmp_path / "report"
    r = subprocess.run(["unshare", "-n", sys.executable, "-m", "checker.cli", "batch", str(_batch_dir(tmp_path)),
                        "--out", str(out), "--workers", "2", "--as-of", "2026-11-26", "--no-cache"],
                       capture_output=True, text=True, timeout=600, env=_env(), cwd=ROOT)
    assert r.returncode in (0, 1), r.stderr
    assert (out / "index.html").exists()


# --------------------------------------------------------------------------- sockets that fail
SITECUSTOMIZE = r'''
import atexit, os, socket, sys

_LOG = os.environ["ITAKU_NET_LOG"]


def _record(what):
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()} {what}\n")


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _is_ip(sock):
    return sock.family in (socket.AF_INET, socket.AF_INET6)


def connect(self, address):
    if _is_ip(self):
        _record(f"connect {address!r}")
        raise OSError(101, "network is unreachable (test)")
    return _connect(self, address)


def connect_ex(self, address):
    if _is_ip(self):
        _record(f"connect_ex {address!r}")
        return 101
    return _connect_ex(self, address)


def getaddrinfo(host, *a, **k):
    _record(f"getaddrinfo {host!r}")
    raise socket.gaierror(-2, "name lookup refused (test)")


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.getaddrinfo = getaddrinfo


@atexit.register
def _hubs():
    for m in ("huggingface_hub", "transformers", "spacy_huggingface_hub"):
        if m in sys.modules:
            _record(f"imported {m}")
'''


def test_no_connection_is_attempted(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "net.log"
    env = _env({"PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]), "ITAKU_NET_LOG": str(log)})

    probe = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('192.0.2.1', 80), 1)"],
                           capture_output=True, text=True, env=env)
    assert probe.returncode != 0 and log.exists(), "the socket patch must be active in child interpreters"
    log.unlink()

    case = _case(tmp_path)
    r = subprocess.run([sys.executable, "-m", "checker.cli", "check", str(case), "--format", "json", "--redact",
                        "--as-of", "2026-11-26"], capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert r.returncode in (0, 1), r.stderr
    _check_output(r.stdout)
    out = tmp_path / "report"
    r = subprocess.run([sys.executable, "-m", "checker.cli", "batch", str(_batch_dir(tmp_path)), "--out", str(out),
                        "--workers", "2", "--as-of", "2026-11-26", "--cache-dir", str(tmp_path / "cache")],
                       capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert r.returncode in (0, 1), r.stderr
    assert not log.exists(), log.read_text()


def test_model_is_a_local_package():
    """ja_ginza loads from site-packages (no download path, no hub)."""
    import importlib.util

    spec = importlib.util.find_spec("ja_ginza")
    assert spec is not None and spec.origin and Path(spec.origin).exists()
    src = (ROOT / "checker" / "nlp.py").read_text(encoding="utf-8")
    for word in ("urllib", "requests", "http", "download", "huggingface"):
        assert word not in src.lower().replace("https://", "")
