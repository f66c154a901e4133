"""The case history: storage, the finding lifecycle, linking re-checks, concurrency, CLI."""
from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading

import pytest

from checker.history import (
    History,
    HistoryError,
    LifecycleError,
    answers_report,
    finding_location,
    normalise_location,
    result_from_obj,
    result_to_obj,
)
from checker.model import CaseResult, Document, Evidence, Finding, Status


def _doc(name="contract.txt", sha="ab" * 32):
    return Document(path=name, format="txt", sha256=sha, pages=2, kinds=("contract",))


def _f(check, status, clause=None, msg=None):
    rule = check.split(".")[0]
    ev = (Evidence(path="contract.txt", page=1, clause=clause, text=f"{check} の根拠"),) if clause else ()
    return Finding(rule=rule, check=check, status=Status(status), severity="high",
                   message=msg or f"{check} についての指摘", evidence=ev)


def _result(case, findings, docs=None):
    rules = {}
    for f in findings:
        rules[f.rule] = Status.worst([rules.get(f.rule, Status.NOT_APPLICABLE), f.status])
    return CaseResult(case=case, documents=tuple(docs or (_doc(),)), rules=rules, findings=tuple(findings))


@pytest.fixture
def hist(tmp_path):
    return History(tmp_path / "h.sqlite3")


def test_location_normalisation_ignores_width_spaces_and_kanji_numerals():
    assert normalise_location("第７条 第２項") == normalise_location("第7条第2項") == normalise_location("第七条第二項")
    assert normalise_location(None) == ""
    f = Finding("a", "a.b", Status.MISSING, "high", "m",
                evidence=(Evidence("v2/契約書.pdf", 9, "第７条", "x"), Evidence("c.pdf", 1, "再委託先", "y")))
    g = Finding("a", "a.b", Status.MISSING, "high", "m",
                evidence=(Evidence("契約書.pdf", 3, "第7条", "x2"), Evidence("c2.pdf", 2, "再委託先", "y")))
    assert finding_location(f) == finding_location(g)  # file names and pages left out


def test_record_stores_documents_by_hash_not_content(hist, tmp_path):
    rec = hist.record(_result("案件A", [_f("subcontracting.clause", "violation", "第7条")]), department="健康増進課",
                      as_of="2026-11-26")
    run = hist.run(rec.run_id)
    assert run.case_name == "案件A" and run.department == "健康増進課" and run.as_of == "2026-11-26"
    assert run.documents[0]["name"] == "contract.txt" and run.documents[0]["sha256"] == "ab" * 32
    assert rec.previous_run_id is None
    assert [len(v) for v in rec.changes.values()] == [1, 0, 0]
    con = sqlite3.connect(tmp_path / "h.sqlite3")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_survives_restart(tmp_path):
    h = History(tmp_path / "h.sqlite3")
    rec = h.record(_result("案件A", [_f("password-handling.holders", "needs_review", "第4条")]), department="介護保険課")
    item_id = rec.item_ids[0]
    h.answer(item_id, "ご意見に基づき、履行確保の方策について検討する。")
    del h
    h2 = History(tmp_path / "h.sqlite3", create=False)
    it = h2.item(item_id)
    assert it.state == "answered" and it.answer.startswith("ご意見に基づき")
    assert h2.run(rec.run_id).case_name == "案件A"
    # the stored result renders back into a CaseResult
    back = h2.run_result(rec.run_id)
    assert back.findings[0].check == "password-handling.holders"
    assert back.findings[0].status is Status.NEEDS_REVIEW


def test_missing_db_is_an_error_when_not_creating(tmp_path):
    with pytest.raises(HistoryError, match="見つかりません"):
        History(tmp_path / "nope.sqlite3", create=False)


def test_lifecycle_transitions(hist):
    rec = hist.record(_result("案件B", [_f("post-employment-nda.clause", "violation", "別記第3"),
                                        _f("data-return-deletion.method", "missing")]))
    a, b = rec.item_ids
    with pytest.raises(HistoryError):
        hist.answer(a, "   ")
    assert hist.answer(a, "誓約書の様式を改める。").state == "answered"
    assert hist.answer(a, "誓約書の様式を改め、退職時にも取り交わす。").answer.endswith("取り交わす。")
    assert hist.resolve(a).state == "resolved"
    with pytest.raises(LifecycleError):
        hist.answer(a, "もう一度")  # resolved: reopen first
    assert hist.reopen(a).state == "open"
    with pytest.raises(HistoryError):
        hist.accept(b, "")
    it = hist.accept(b, "紙のみの業務で電子データを扱わないため")
    assert it.state == "accepted" and it.accepted_reason.startswith("紙のみ")
    with pytest.raises(LifecycleError):
        hist.resolve(b)
    with pytest.raises(HistoryError):
        hist.answer(9999, "x")
    states = [e["to_state"] for e in hist.events(a)]
    assert states == ["open", "answered", "answered", "resolved", "open"]


def test_recheck_links_runs_and_shows_changes(hist):
    r1 = hist.record(_result("案件C", [_f("subcontracting.clause", "violation", "第5条"),
                                       _f("data-return-deletion.method", "missing"),
                                       _f("password-handling.protection", "ok", "第4条")]))
    sub, method, ok = r1.item_ids
    assert ok is None  # ok findings are not tracked
    hist.answer(sub, "事前承諾を要件とする条項に改める。")
    # revised: the subcontracting clause now ok, method still missing, a new finding
    r2 = hist.record(_result("案件C", [_f("subcontracting.clause", "ok", "第5条"),
                                       _f("data-return-deletion.method", "missing"),
                                       _f("post-employment-nda.clause", "violation", "別記第3")]))
    assert r2.previous_run_id == r1.run_id
    assert r2.changes["resolved"] == (sub,)
    assert r2.changes["still_open"] == (method,)
    assert len(r2.changes["new"]) == 1
    assert hist.item(sub).state == "resolved"  # automatically, keeping the answer
    assert hist.item(sub).answer.startswith("事前承諾")
    ch = hist.run_changes(r2.run_id)
    assert [i.id for i in ch["resolved"]] == [sub]
    # an unrelated case never links
    r3 = hist.record(_result("案件D", [_f("data-return-deletion.method", "missing")]))
    assert r3.previous_run_id is None and r3.item_ids[0] != method
    # the problem comes back: reopened and new again
    r4 = hist.record(_result("案件C", [_f("subcontracting.clause", "violation", "第５条")]))
    assert r4.item_ids[0] == sub and hist.item(sub).state == "open"
    assert r4.changes["new"] == (sub,)


def test_acceptance_carries_over_and_stops_counting(hist):
    r1 = hist.record(_result("案件E", [_f("privacy-mark-validity.expiry", "needs_review", "登録証")]))
    assert r1.result.exit_flagged
    hist.accept(r1.item_ids[0], "更新申請中であることを確認済み")
    r2 = hist.record(_result("案件E", [_f("privacy-mark-validity.expiry", "needs_review", "登録証")]))
    f = r2.result.findings[0]
    assert f.accepted == {"reason": "更新申請中であることを確認済み"}
    assert f.status is Status.NEEDS_REVIEW  # keeps its status
    assert not r2.result.exit_flagged
    assert hist.item(r1.item_ids[0]).state == "accepted"
    obj = result_to_obj(r2.result)
    assert obj["findings"][0]["accepted"] == {"reason": "更新申請中であることを確認済み"}
    # a stored run re-rendered today shows the acceptance, also for the first run
    assert hist.run_result(r1.run_id).findings[0].accepted == {"reason": "更新申請中であることを確認済み"}
    hist.reopen(r1.item_ids[0])
    assert hist.run_result(r1.run_id).findings[0].accepted is None


def test_an_acceptance_covers_its_own_location_only(hist):
    """One item is (check, location): accepting the finding at 第7条 leaves the same check's
    finding at 第9条 counting, and ok findings are never marked (checker.waivers semantics)."""
    fs = [_f("subcontracting.clause", "violation", "第7条"), _f("subcontracting.clause", "missing", "第9条"),
          _f("password-handling.protection", "ok", "第3条")]
    r1 = hist.record(_result("案件P", fs))
    hist.accept(r1.item_ids[0], "第7条は市の承認済みの定型文")
    r2 = hist.record(_result("案件P", fs))
    got = {(f.check, f.evidence[0].clause): f.accepted for f in r2.result.findings}
    assert got[("subcontracting.clause", "第7条")] == {"reason": "第7条は市の承認済みの定型文"}
    assert got[("subcontracting.clause", "第9条")] is None
    assert got[("password-handling.protection", "第3条")] is None
    assert r2.result.exit_flagged and not any(n.code.startswith("waiver.") for n in r2.result.notes)
    hist.accept(r2.item_ids[1], "第9条は次回改定で直す")
    assert not hist.run(r2.run_id).exit_flagged and not hist.run(r1.run_id).exit_flagged
    assert not hist.run_result(r2.run_id).exit_flagged


def test_comparisons_survive_the_stored_run():
    """A stored run keeps its comparison with the standard (the reports of a past run)."""
    from checker.compare import ArticleDiff, Comparison
    from checker.model import Clause

    def clause(n, text):
        return Clause(label=f"第{n}条", number=n, caption="再委託", page=1, text=text)

    cmp = Comparison("standard.txt", "contract.txt", (
        ArticleDiff("weakened", clause(10, "あらかじめ承諾を得なければならない。"), clause(9, "承諾を得ることができる。"),
                    ("「しなければならない」が「ことができる」に弱められています",), 0.8),), aligned=5)
    r = CaseResult("案件C", (_doc(),), {}, (), comparisons=(cmp,))
    back = result_from_obj(json.loads(json.dumps(result_to_obj(r), ensure_ascii=False)))
    d = back.comparisons[0]["diffs"][0]
    assert d["kind"] == "weakened" and d["standard_article"] == "第10条" and d["contract_article"] == "第9条"
    assert result_to_obj(back)["comparisons"][0]["diffs"][0]["contract"] == "承諾を得ることができる。"


def test_json_roundtrip(hist):
    res = _result("案件F", [_f("subcontracting.clause", "violation", "第7条")])
    back = result_from_obj(result_to_obj(res))
    assert back.findings[0].evidence[0].clause == "第7条"
    assert dict(back.rules) == dict(res.rules)


def test_answers_report_reads_like_the_minutes(hist):
    r = hist.record(_result("がん検診業務委託", [_f("post-employment-nda.pledge", "needs_review", "誓約書",
                                                   msg="退職時の誓約書を確認してください。"),
                                                _f("data-return-deletion.method", "missing")]),
                    department="健康増進課")
    hist.answer(r.item_ids[0], "退職時にも誓約書を取り交わすこととした。")
    text = answers_report(hist.items())
    assert "< がん検診業務委託 (健康増進課) >" in text
    assert "- 退職時の誓約書を確認してください。" in text
    assert "⇒ 退職時にも誓約書を取り交わすこととした。" in text
    assert "data-return-deletion.method についての指摘" not in text  # unanswered items are not reported


def _writer(path, case, n):
    h = History(path)
    for i in range(n):
        r = h.record(_result(case, [_f("subcontracting.clause", "violation", "第7条"),
                                    _f(f"x.check{i % 3}", "missing")]), department="課")
        if i % 2 == 0:
            h.answer(r.item_ids[0], f"{case} の回答 {i}")


def test_concurrent_threads_lose_nothing(tmp_path):
    path = tmp_path / "h.sqlite3"
    History(path)
    threads = [threading.Thread(target=_writer, args=(path, f"案件{k}", 8)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    h = History(path)
    assert len(h.runs()) == 32
    for k in range(4):
        runs = h.runs(case_name=f"案件{k}")
        assert len(runs) == 8
        # each run links to the one before it, in order
        ids = sorted(r.id for r in runs)
        assert [h.run(i).previous_run_id for i in ids] == [None] + ids[:-1]
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_concurrent_processes_lose_nothing(tmp_path):
    path = tmp_path / "h.sqlite3"
    History(path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), f"案件P{k}", 6)) for k in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    h = History(path)
    assert len(h.runs()) == 18
    assert len(h.items(case_name="案件P0")) == 4  # one clause item + three x.checkN items
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_cli_list_show_export(tmp_path, capsys):
    from checker.cli import main

    db = tmp_path / "h.sqlite3"
    h = History(db)
    r1 = h.record(_result("案件G", [_f("subcontracting.clause", "violation", "第7条")]), department="納税課")
    h.answer(r1.item_ids[0], "事前承諾の条項を追加した。")
    h.record(_result("案件G", [_f("subcontracting.clause", "ok", "第7条")]), department="納税課")

    assert main(["history", "list", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "案件G" in out and "納税課" in out and f"前回 #{r1.run_id}" in out

    assert main(["history", "list", "--db", str(db), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["runs"]) == 2 and data["runs"][0]["previous_run"] == r1.run_id

    assert main(["history", "show", str(r1.run_id), "--db", str(db), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["findings"][0]["item"]["answer"] == "事前承諾の条項を追加した。"
    assert data["result"]["findings"][0]["check"] == "subcontracting.clause"

    assert main(["history", "show", "--db", str(db)]) == 0  # latest run
    assert "解消" in capsys.readouterr().out

    assert main(["history", "export", "--db", str(db), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeffid,case,department") and "事前承諾の条項を追加した。" in out

    out_file = tmp_path / "answers.txt"
    assert main(["history", "export", "--db", str(db), "--out", str(out_file)]) == 0
    assert "⇒ 事前承諾の条項を追加した。" in out_file.read_text(encoding="utf-8")

    assert main(["history", "list", "--db", str(tmp_path / "missing.sqlite3")]) == 2
    assert "見つかりません" in capsys.readouterr().err
    assert main(["history", "show", "999", "--db", str(db)]) == 2


def test_a_file_that_is_not_a_history_is_refused_clearly(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("これは履歴ではありません。" * 100, encoding="utf-8")
    with pytest.raises(HistoryError, match="履歴データベースとして読めません"):
        History(bad)
