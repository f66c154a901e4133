"""The content-addressed cache: hits on rerun, never stale, damaged entries ignored."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

import batch_fakes
from checker.cache import CACHE_FILE, Cache, decode_document, encode_document
from checker.cli import main
from checker.model import Clause, DateMention, DocError, Document, Field, Period, Sentence


def sample_document(path="x/contract.pdf") -> Document:
    return Document(
        path=path, format="pdf", sha256="ab" * 32, pages=3, kinds=("contract", "special_provisions"),
        warnings=("p.3 は画像です",), title="業務委託契約書", text="第1条 甲は乙に委託する。",
        sentences=(Sentence(text="甲は乙に委託する。", page=1, index=0, raw="甲は乙に委託する。", clause="第1条",
                            article="第1条", caption="委託"),),
        clauses=(Clause(label="第1条", number=1, caption="委託", page=1, text="…", sentence_indexes=(0,)),),
        fields=(Field(label="再委託", value="無", page=2, sentence_indexes=()),),
        parties={"甲": "東村山市", "乙": "株式会社テスト"},
        dates=(DateMention(text="令和8年4月1日", date=dt.date(2026, 4, 1), page=1, sentence_index=0),),
        period=Period(start=dt.date(2026, 4, 1), end=dt.date(2027, 3, 31), text="…", page=1, source="契約期間"),
    )


def test_document_roundtrip_is_exact():
    doc = sample_document()
    assert decode_document(encode_document(doc)) == doc
    bad = Document(path="s.pdf", format="pdf", sha256="", pages=0, error=DocError("image_only", "読めません"))
    assert decode_document(encode_document(bad)) == bad


def test_damaged_blob_is_rejected():
    blob = bytearray(encode_document(sample_document()))
    blob[-5] ^= 0xFF
    with pytest.raises(ValueError):
        decode_document(bytes(blob))
    with pytest.raises(ValueError):
        decode_document(b"short")


def test_load_document_hits_misses_and_invalidates(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("one", encoding="utf-8")
    calls = []

    def loader(p):
        calls.append(p)
        return Document(path=str(p), format="txt", sha256="", pages=1, text=Path(p).read_text(encoding="utf-8"))

    c = Cache(tmp_path / "cache")
    assert c.load_document(f, loader).text == "one"
    c.flush()
    assert c.load_document(f, loader).text == "one"
    assert len(calls) == 1 and c.hits == 1
    f.write_text("two", encoding="utf-8")  # a changed file is never served from the cache
    assert c.load_document(f, loader).text == "two"
    assert len(calls) == 2
    c.close()
    c2 = Cache(tmp_path / "cache")  # another process sees the same entries
    assert c2.load_document(f, loader).text == "two" and len(calls) == 2
    c2.close()


def test_corrupted_entry_is_ignored_and_rebuilt(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("one", encoding="utf-8")
    calls = []

    def loader(p):
        calls.append(p)
        return Document(path=str(p), format="txt", sha256="", pages=1, text="one")

    c = Cache(tmp_path / "cache")
    c.load_document(f, loader)
    c.close()
    con = sqlite3.connect(tmp_path / "cache" / CACHE_FILE)
    con.execute("UPDATE entries SET value = ?", (b"\x00garbage" * 10,))
    con.commit()
    con.close()
    c = Cache(tmp_path / "cache")
    assert c.load_document(f, loader).text == "one"
    assert len(calls) == 2  # rebuilt, not fatal
    c.flush()
    assert c.load_document(f, loader).text == "one" and len(calls) == 2  # and stored again
    c.close()


def test_damaged_cache_file_is_set_aside(tmp_path, capsys):
    d = tmp_path / "cache"
    d.mkdir()
    (d / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    c = Cache(d)
    assert c.enabled
    f = tmp_path / "a.txt"
    f.write_text("x", encoding="utf-8")
    assert c.load_document(f, lambda p: Document(path=str(p), format="txt", sha256="", pages=1)).pages == 1
    c.close()
    assert any(p.name.startswith(CACHE_FILE + ".corrupt-") for p in d.iterdir())


def test_parse_store_seals_values(tmp_path):
    c = Cache(tmp_path / "cache")
    store = c.parse_store()
    store["ginza:ja_ginza:abc"] = b"docbytes"
    assert store["ginza:ja_ginza:abc"] == b"docbytes"
    assert store.get("ginza:ja_ginza:zzz") is None
    c.flush()
    con = sqlite3.connect(tmp_path / "cache" / CACHE_FILE)
    con.execute("UPDATE entries SET value = ? WHERE kind='parse'", (b"x" * 40,))
    con.commit()
    con.close()
    assert store.get("ginza:ja_ginza:abc") is None  # damaged parse reads as absent
    c.close()


def test_batch_rerun_reads_only_the_changed_file(tmp_path, monkeypatch):
    batch_fakes.install(monkeypatch)
    src = tmp_path / "in"
    for case in ("a", "b", "c"):
        (src / case).mkdir(parents=True)
        (src / case / "contract.txt").write_text("subcontracting=ok\n", encoding="utf-8")
    args = [str(src), "--out", str(tmp_path / "out"), "--workers", "1", "--cache-dir", str(tmp_path / "cache"),
            "--as-of", "2026-11-26"]
    assert main(["batch", *args]) == 0
    assert sorted(batch_fakes.CALLS) == ["contract.txt"] * 3
    batch_fakes.CALLS.clear()
    assert main(["batch", *args]) == 0
    assert batch_fakes.CALLS == []  # warm: nothing read again
    (src / "b" / "contract.txt").write_text("subcontracting=violation\n", encoding="utf-8")
    assert main(["batch", *args]) == 1
    assert batch_fakes.CALLS == ["contract.txt"]  # only the changed file
    obj = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert obj["cases"][1]["rules"]["subcontracting"] == "violation"  # never stale
    batch_fakes.CALLS.clear()
    assert main(["batch", *args[:-4], "--no-cache", "--as-of", "2026-11-26"]) == 1
    assert len(batch_fakes.CALLS) == 3


def test_code_change_changes_the_key(monkeypatch):
    from checker import cache

    k1 = cache.document_key("ff" * 32, "a.pdf")
    cache.code_version.cache_clear()
    monkeypatch.setattr("checker.__version__", "9.9.9")
    try:
        assert cache.document_key("ff" * 32, "a.pdf") != k1
    finally:
        cache.code_version.cache_clear()
