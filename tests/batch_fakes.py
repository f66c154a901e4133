"""Small stand-ins for the reading and rule stages, so batch tests run in milliseconds.

A fake document is a text file of lines ``rule=status``; ``BROKEN-DOC`` makes it
unreadable (as a reader reports), ``RAISE-DOC`` makes loading raise, ``RAISE-CASE`` makes
checking the case raise, ``CRASH-WORKER`` kills the process reading it.
"""
from __future__ import annotations

import hashlib
import sys
import types
from pathlib import Path

from checker.model import CaseResult, DocError, Document, Evidence, Finding, Status

RULES = [("subcontracting", "再委託"), ("password-handling", "パスワードの取扱い"),
         ("privacy-mark-validity", "プライバシーマーク")]
CALLS: list[str] = []


def profile():
    rules = [types.SimpleNamespace(id=i, title=t, checks=()) for i, t in RULES]
    return types.SimpleNamespace(name="fake", rulebook=types.SimpleNamespace(rules=rules))


def load_document(path):
    p = Path(path)
    CALLS.append(p.name)
    data = p.read_bytes()
    text = data.decode("utf-8", "replace")
    if "CRASH-WORKER" in text:
        import os

        os._exit(3)  # the worker process dies (as on a segfault or the OOM killer)
    if "RAISE-DOC" in text:
        raise RuntimeError("reader bug")
    sha = hashlib.sha256(data).hexdigest()
    if "BROKEN-DOC" in text:
        return Document(path=str(p), format="pdf", sha256=sha, pages=0,
                        error=DocError("damaged", f"{p.name}: ファイルが壊れています。保存し直してください。"))
    return Document(path=str(p), format="txt", sha256=sha, pages=1, kinds=("contract",), text=text)


def check_case(case, as_of, profile=None):
    rules = {i: Status.NOT_APPLICABLE for i, _ in RULES}
    findings = []
    for d in case.documents:
        if "RAISE-CASE" in d.text:
            raise ValueError("engine bug")
        for line in d.text.splitlines():
            if "=" in line:
                rid, st = line.strip().split("=", 1)
                st = Status(st)
                rules[rid] = Status.worst([rules[rid], st])
                findings.append(Finding(rule=rid, check=f"{rid}.clause", status=st, severity="high",
                                        message=f"{rid} は {st.value} です。",
                                        evidence=(Evidence(path=d.path, page=2, clause="第7条", text=line),)))
    return CaseResult(case=case.name, documents=case.documents, rules=rules, findings=tuple(findings))


def install(monkeypatch):
    """Route checker.api and checker.profile to the fakes (in this process)."""
    from checker import api

    CALLS.clear()
    monkeypatch.setattr(api, "load_document", load_document)
    monkeypatch.setattr(api, "check_case", check_case)
    mod = types.ModuleType("checker.profile")
    mod.load_profile = lambda name=None: profile()
    monkeypatch.setitem(sys.modules, "checker.profile", mod)
