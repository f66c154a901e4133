"""Property-based fuzzing (bounded) of the readers, the structure parser and the engine.

For longer runs, fuzz/ holds atheris harnesses over the same targets (see fuzz/README.md).
Every crash found becomes a regression test in tests/test_fuzz_regressions.py.

* readers: mutated bytes of the fixture documents (PDF, DOCX, text) never make
  ``read_document`` raise: the result is a document or one of SPEC's error codes. Run in
  the read guard, so that a hang or a memory blow-up shows as a limit, not a stuck test.
* structure: Japanese-ish text with 第N条, (1), 一, ア, 別記, tables and era dates always
  structures, with sentences in order and on existing pages.
* engine: random clauses built from the rules' vocabulary always evaluate to valid
  statuses, every rule of the profile present, a rule's status the worst of its checks.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from checker.model import ERROR_CODES, Case, RawDocument, Status  # noqa: E402
from checker.read.guard import GuardLimits, read_guarded  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = int(os.environ.get("ITAKU_FUZZ_EXAMPLES", "12"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("ITAKU_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

SEEDS = {
    ".pdf": [ROOT / "fixtures" / "docs" / "special_provisions.cid.pdf", ROOT / "fixtures" / "hostile" / "cyclic.pdf",
             ROOT / "fixtures" / "docs" / "consultation_form.ttf.pdf"],
    ".docx": [ROOT / "fixtures" / "docs" / "special_provisions.docx", ROOT / "fixtures" / "docs" / "consultation_form.docx"],
    ".txt": [ROOT / "fixtures" / "hostile" / "shift_jis.txt"],
}
LIMITS = GuardLimits(memory_mb=768, cpu_seconds=30, timeout_seconds=40)


def _seed_bytes(suffix: str) -> list[bytes]:
    return [p.read_bytes() for p in SEEDS[suffix] if p.exists()]


@st.composite
def mutated(draw, suffix: str):
    seeds = _seed_bytes(suffix)
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup", "zero"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[i:i + draw(st.integers(1, 4096))]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=64))
        elif op == "dup":
            j = draw(st.integers(1, 2048))
            data[i:i] = data[i:i + j]
        else:
            data[i:i + draw(st.integers(1, 512))] = bytes(min(512, len(data) - i))
    return bytes(data)


def _assert_reader_contract(raw: RawDocument, name: str) -> None:
    if raw.error is not None:
        assert raw.error.code in ERROR_CODES
        assert name in raw.error.message
        # the guard's own wording for a reader that raised or died: read_document must
        # catch every exception itself (SPEC: one bad document never stops the others)
        assert "読み込み中にエラーが起きた" not in raw.error.message, raw.error.message
        assert "異常終了" not in raw.error.message, raw.error.message
    else:
        assert raw.page_count == len(raw.pages)
        for i, page in enumerate(raw.pages, start=1):
            assert page.number == i
            for b in page.blocks:
                assert b.page == i and isinstance(b.text, str)


def _fuzz_reader(tmp_path_factory, data: bytes, suffix: str) -> None:
    d = tmp_path_factory.mktemp("fuzz")
    p = d / f"文書{suffix}"
    p.write_bytes(data)
    raw = read_guarded(p, LIMITS, force=True)
    _assert_reader_contract(raw, p.name)
    if raw.error is None:
        from checker.structure import build_document

        doc = build_document(raw)
        assert doc.error is None


@pytest.mark.skipif(not _seed_bytes(".pdf"), reason="no PDF seeds")
@FUZZ
@given(data=mutated(".pdf"))
def test_fuzz_pdf_reader(tmp_path_factory, data):
    _fuzz_reader(tmp_path_factory, data, ".pdf")


@pytest.mark.skipif(not _seed_bytes(".docx"), reason="no DOCX seeds")
@FUZZ
@given(data=mutated(".docx"))
def test_fuzz_docx_reader(tmp_path_factory, data):
    _fuzz_reader(tmp_path_factory, data, ".docx")


@FUZZ
@given(data=st.one_of(mutated(".txt"), st.binary(max_size=2048),
                      st.text(max_size=500).map(lambda s: s.encode("utf-8", "surrogatepass")),
                      st.text(alphabet=st.characters(min_codepoint=0x3000, max_codepoint=0x9fff), max_size=300)
                      .map(lambda s: s.encode("cp932", "ignore"))))
def test_fuzz_txt_reader(tmp_path_factory, data):
    from checker.read import read_document

    d = tmp_path_factory.mktemp("fuzz")
    p = d / "文書.txt"
    p.write_bytes(data)
    raw = read_document(p)  # in-process: the text reader must be safe by itself
    _assert_reader_contract(raw, p.name)


# --------------------------------------------------------------------------- structure
ERA_DATES = st.sampled_from(["令和8年4月1日", "令和元年5月1日", "R8.4.1", "平成29年7月", "2026年11月26日", "令和８年３月３１日",
                             "平成31年4月30日", "令和9年2月29日", "2026/4/1", "昭和64年1月7日", "令和0年1月1日"])
HEADS = st.sampled_from(["第{n}条", "第{n}", "第{n}条の2", "（{n}）", "({n})", "{n}", "一", "ア", "別記", "別紙{n}",
                         "第{n}項", "|", "# ", "## ", "===page===", "\f"])
WORDS = st.sampled_from(["乙は", "甲の", "あらかじめ", "書面による承諾を得て", "再委託", "してはならない", "個人情報",
                         "廃棄", "返還", "パスワード", "暗号化", "プライバシーマーク", "有効期間", "から", "まで", "契約期間",
                         "退職後", "誓約書", "件名", "委託先", "未定", "。", "、", "（", "）", "「", "」", " ", "\u3000",
                         "\n", "｜", "－", "〜", "～", "①", "Ⅱ", "㈱", "ｶﾀｶﾅ"])


@st.composite
def japaneseish(draw):
    parts = []
    for _ in range(draw(st.integers(1, 40))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            parts.append("\n" + draw(HEADS).format(n=draw(st.integers(0, 120))) + draw(st.sampled_from(["", " ", "（見出し）", "　"])))
        elif kind == 1:
            parts.append(draw(ERA_DATES))
        elif kind == 2:
            parts.append("\n| " + " | ".join(draw(st.lists(st.sampled_from(["件名", "委託先", "再委託", "有", "無", "未定", ""]),
                                                               min_size=1, max_size=4))) + " |")
        elif kind == 3:
            parts.append(draw(st.text(max_size=20)))
        else:
            parts.append(draw(WORDS))
    return "".join(parts)


def _raw_from_text(text: str) -> RawDocument:
    from checker.read.txt import read_txt

    data = text.encode("utf-8", "replace")
    return read_txt(Path("fuzz.txt"), data, hashlib.sha256(data).hexdigest())


@FUZZ
@given(text=japaneseish())
def test_fuzz_structure(text):
    from checker.structure import build_document

    raw = _raw_from_text(text)
    doc = build_document(raw)
    if raw.error is not None:
        assert doc.error is not None
        return
    pages = {p.number for p in raw.pages}
    last = -1
    for s in doc.sentences:
        assert s.index > last
        last = s.index
        assert s.page in pages or not pages
    for c in doc.clauses:
        assert all(0 <= i < len(doc.sentences) for i in c.sentence_indexes)
    for m in doc.dates:
        assert isinstance(m.date, dt.date)


# --------------------------------------------------------------------------- engine
CLAUSES = st.sampled_from([
    "乙は、あらかじめ甲の書面による承諾を得た場合を除き、第三者に再委託してはならない。",
    "乙は、業務の一部を第三者に再委託することができる。",
    "再委託する場合は事後に報告する。",
    "乙は、契約終了後、個人情報を速やかに返還し、又は復元不可能な方法で消去する。",
    "乙は、データを削除した後、消去証明書を甲に提出する。",
    "USBメモリで受け渡すデータはパスワードで保護し、パスワードは個人情報取扱責任者のみが知る。",
    "CD-Rは暗号化しない。",
    "プライバシーマーク 登録番号 第10820123(01)号 有効期間 令和7年8月1日から令和9年7月31日まで",
    "契約期間は令和8年4月1日から令和9年3月31日までとする。",
    "乙は、従事者に在職中及び退職後も秘密を保持させる。",
    "従事者から就業時に誓約書を徴する。",
    "再委託先は未定である。",
    "個人番号を取り扱う。",
    "宛名ラベルに宛名番号を印字する。",
    "乙は、甲に対し、書面で通知して契約を解除することができる。",
])


@st.composite
def contract_text(draw):
    title = draw(st.sampled_from(["# 個人情報取扱特記事項", "# 業務委託契約書", "# 個人情報取扱事務の委託について（諮問）",
                                  "# 仕様書", ""]))
    lines = [title]
    n = draw(st.integers(1, 8))
    for i in range(n):
        head = draw(st.sampled_from([f"第{i + 1}条", f"第{i + 1}", f"（{i + 1}）", ""]))
        body = draw(CLAUSES)
        if draw(st.booleans()):
            body = draw(japaneseish())[:80] + body
        lines.append(f"{head} {body}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def profile():
    from checker.profile import load_profile

    return load_profile(None)


@FUZZ
@given(texts=st.lists(contract_text(), min_size=1, max_size=3),
       as_of=st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2035, 12, 31)))
def test_fuzz_engine(profile, texts, as_of):
    from checker.engine import evaluate
    from checker.structure import build_document

    docs = []
    for i, t in enumerate(texts):
        raw = _raw_from_text(t)
        raw = RawDocument(path=f"doc{i}.txt", format=raw.format, sha256=raw.sha256, pages=raw.pages,
                          page_count=raw.page_count, error=raw.error, warnings=raw.warnings)
        docs.append(build_document(raw))
    result = evaluate(Case(name="fuzz", documents=tuple(docs)), profile.rulebook, as_of)
    rule_ids = set(result.rules)
    assert rule_ids, "every rule of the profile is reported"
    for rid, st_ in result.rules.items():
        assert isinstance(st_, Status)
    for f in result.findings:
        assert isinstance(f.status, Status) and f.status is not Status.NOT_APPLICABLE
        assert f.rule in rule_ids
        assert f.severity in ("high", "medium", "low", "info")
        assert isinstance(f.message, str) and f.message
    for rid in rule_ids:
        mine = [s for c, s in result.checks.items() if c.split(".", 1)[0] == rid]
        if mine:
            assert result.rules[rid] == Status.worst(mine) or any(f.accepted for f in result.findings)


# --------------------------------------------------------------------------- redaction
PII_BITS = st.sampled_from(["担当 ", "氏名：", "様", "氏", "さん", "電話 ", "〒", "携帯", "TEL", "@", "＠", ".", "-", "－", "ー",
                            "(", ")", "（", "）", "丁目", "番地", "号", "市", "町", " ", "\u3000", "山田", "太郎", "0", "03",
                            "090", "1234", "５６７８", "東村山市", "本町", "example.jp", "第", "条"])


@FUZZ
@given(parts=st.lists(st.one_of(PII_BITS, st.text(max_size=8)), max_size=60))
def test_fuzz_redaction_patterns(parts):
    from checker.redact import MASKS, redact_texts

    text = "".join(parts)
    out = redact_texts([text], names=False)[0]
    assert isinstance(out, str)
    # masking only replaces: what is left outside the masks appears in the input, in order
    rest = out
    for m in MASKS:
        rest = rest.replace(m, "\x00")
    pos = 0
    for piece in rest.split("\x00"):
        i = text.find(piece, pos)
        assert i >= 0, (text, out)
        pos = i + len(piece)
