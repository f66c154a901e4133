"""The web page and the municipality's standard, model wording and acceptances (issue 6):

* a profile with a standard (chosen in the form, or ``itaku serve --profile``) shows the
  article-by-article comparison as a clause diff, kept for the stored run and its reports;
* every missing / violation finding shows its model wording (修正文例);
* accepting a finding in the history goes through ``checker.waivers.accept_findings``:
  the run's reports and later re-checks carry SPEC.md's ``accepted``, and it no longer
  counts for the exit status shown.
"""
from __future__ import annotations

import html
import re
import warnings
from pathlib import Path

import pytest
import yaml

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

import checker.api
import checker.waivers
from checker.history import History
from checker.web.app import create_app
from test_web import AS_OF, _a_case, _case_files, _fake_check, _upload  # tests/ is on sys.path

ROOT = Path(__file__).resolve().parents[1]
STD_DIR = ROOT / "fixtures" / "standard"
EXPECTED = yaml.safe_load((STD_DIR / "expected.yaml").read_text(encoding="utf-8"))
STD_AS_OF = "2027-03-01"


def _client(tmp_path, **kw) -> TestClient:
    kw.setdefault("tmp_root", None)
    return TestClient(create_app(tmp_path / "history.sqlite3", **kw))


def _post_file(client, path: Path, **data):
    data.setdefault("as_of", STD_AS_OF)
    return client.post("/check", files=[("files", (path.name, path.read_bytes(), "text/plain"))], data=data)


def _rows(page: str) -> list[dict]:
    """The comparison rows of a result page: kind, the title line, both sides, the details."""
    out = []
    for m in re.finditer(r'<div class="cmp-row cmp-(\w+)" data-kind="\w+">(.*?)</ul>\s*</div>', page, re.S):
        body = m.group(2)
        out.append({
            "kind": m.group(1),
            "title": html.unescape(re.sub(r"<[^>]+>", "", re.search(r'<p class="cmp-title"><span[^>]*>[^<]*</span>(.*?)</p>',
                                                                    body, re.S).group(1))).strip(),
            "std": html.unescape(re.search(r'<div class="cmp-std">(.*?)</div>', body, re.S).group(1)),
            "con": html.unescape(re.search(r'<div class="cmp-con">(.*?)</div>', body, re.S).group(1)),
            "details": [html.unescape(x) for x in re.findall(r"<li>(.*?)</li>", body)],
        })
    return out


def _run_id(page: str) -> int:
    return int(re.search(r"/runs/(\d+)/report\.json", page).group(1))


# --------------------------------------------------------------------------- the standard
def test_comparison_view_reports_every_change_and_nothing_else(tmp_path):
    """fixtures/standard/combined.txt against profiles/sakuragaoka-standard.txt, the profile
    chosen in the upload form: each change of expected.yaml is one row, side by side."""
    client = _client(tmp_path)
    index = client.get("/").text
    assert '<option value="sakuragaoka" data-standard="yes">' in index  # the bundled profiles are offered
    r = _post_file(client, STD_DIR / "combined.txt", profile="sakuragaoka", case="比較の案件")
    assert r.status_code == 200
    assert "市の標準特記事項との比較" in r.text and "sakuragaoka-standard.txt" in r.text
    assert "/work/" not in re.search(r'<section class="panel comparison".*?</section>', r.text, re.S).group(0)
    rows = _rows(r.text)
    want = EXPECTED["variants"]["combined.txt"]
    assert sorted(x["kind"] for x in rows) == sorted(e["kind"] for e in want)
    for e in want:
        if e["kind"] == "absent":
            row = next(x for x in rows if x["kind"] == "absent")
            assert row["title"].strip().startswith(e["standard"])
            assert "<del>" in row["std"] and "この契約にありません" in row["con"]
        elif e["kind"] == "added":
            row = next(x for x in rows if x["kind"] == "added")
            assert row["title"].strip().startswith(e["target"])
            assert "<ins>" in row["con"] and "標準にない条項" in row["std"]
        else:
            row = next(x for x in rows if x["kind"] == "weakened" and x["title"].strip().startswith(e["standard"] + "（"))
            for word in e["details"]:
                assert any(word in d for d in row["details"]), (e, row["details"])
            # the words the contract lost are struck out on the standard's side
            assert "<del>" in row["std"] or "<ins>" in row["con"]
            if e["target"] != e["standard"]:  # renumbered: both articles named
                assert f"標準 {e['standard']} ⇔ この契約 {e['target']}" in row["title"]
    summary = re.search(r'<ul class="summary" aria-label="比較の集計">(.*?)</ul>', r.text, re.S).group(1)
    assert f"欠落 <b>{sum(e['kind'] == 'absent' for e in want)}</b>" in summary
    assert f"弱化 <b>{sum(e['kind'] == 'weakened' for e in want)}</b>" in summary

    # the stored run shows the same comparison, and its reports carry it
    run = _run_id(r.text)
    stored = client.get(f"/runs/{run}").text
    assert [(x["kind"], x["title"]) for x in _rows(stored)] == [(x["kind"], x["title"]) for x in rows]
    js = client.get(f"/runs/{run}/report.json").json()["cases"][0]
    assert sorted(d["kind"] for d in js["comparisons"][0]["diffs"]) == sorted(e["kind"] for e in want)
    report = client.get(f"/runs/{run}/report.html").text
    assert "標準の特記事項との比較" in report and "複写又は複製の禁止" in report


def test_serve_with_a_profile_compares_without_a_choice(tmp_path):
    """``itaku serve --profile sakuragaoka``: the server's profile is the form's default."""
    client = _client(tmp_path, profile="sakuragaoka")
    index = client.get("/").text
    first = re.search(r'<select name="profile" id="profile">\s*<option value=""[^>]*>([^<]*)</option>', index)
    assert first and "桜ケ丘市" in first.group(1)
    same = _post_file(client, STD_DIR / "unchanged.txt")
    assert "市の標準特記事項との比較" in same.text and "標準の特記事項との違いはありません" in same.text
    assert _rows(same.text) == []
    weak = _post_file(client, STD_DIR / "weakened-modal.txt")
    rows = _rows(weak.text)
    assert [x["kind"] for x in rows] == ["weakened"]
    assert "<del>しなければならない</del>" in rows[0]["std"] and "<ins>することができる</ins>" in rows[0]["con"]


def test_no_comparison_without_a_standard_and_bad_profile_choice(tmp_path, monkeypatch):
    monkeypatch.setattr(checker.api, "check_case", _fake_check)
    client = _client(tmp_path)
    page = client.post("/check", files=_upload(_case_files(_a_case())), data={"as_of": AS_OF}).text
    assert "市の標準特記事項との比較" not in page
    for bad in ("../../etc/passwd", str(ROOT / "profiles" / "sakuragaoka.toml"), "nosuch"):
        r = client.post("/api/check", files=_upload(_case_files(_a_case())), data={"as_of": AS_OF, "profile": bad})
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_profile"
        assert "プロファイル" in r.json()["error"]["message"]


# --------------------------------------------------------------------------- model wording
def test_every_missing_or_violation_finding_shows_its_model_wording(tmp_path):
    """Real engine, default and standard profiles: each missing / violation card has an open
    修正文例 with text; with the standard, the standard's article is offered where it has one."""
    case = ROOT / "fixtures" / "cases" / "wider-contract-otsu-termination"
    for profile in ("", "sakuragaoka"):
        client = _client(tmp_path / (profile or "default"))
        r = client.post("/check", files=_upload(_case_files(case)), data={"as_of": AS_OF, "profile": profile})
        cards = re.findall(r'<article class="finding st-(\w+)[^"]*".*?</article>', r.text, re.S)
        bodies = re.findall(r'(<article class="finding st-(?:missing|violation)[^"]*".*?</article>)', r.text, re.S)
        assert bodies and len(bodies) == sum(c in ("missing", "violation") for c in cards)
        for b in bodies:
            m = re.search(r'<details class="fix" open><summary>修正文例[^<]*</summary><p class="fix-text">(.*?)</p>', b, re.S)
            assert m and len(html.unescape(m.group(1)).strip()) > 10, b[:300]
        if profile:
            assert "sakuragaoka-standard.txt 第" in r.text  # the standard's wording as the fix


def test_model_wording_falls_back_to_the_rule_file(tmp_path, monkeypatch):
    """A missing finding that came without ``fix`` still shows the check's model wording."""
    monkeypatch.setattr(checker.api, "check_case", _fake_check)  # its findings carry no fix
    client = _client(tmp_path)
    r = client.post("/check", files=_upload(_case_files(_a_case())), data={"as_of": AS_OF})
    rule = yaml.safe_load((ROOT / "rules" / "data-return-deletion.yaml").read_text(encoding="utf-8"))
    checks = rule.get("checks") if isinstance(rule, dict) else None
    method = next(c for c in checks if c.get("id") == "data-return-deletion.method")
    card = re.search(r'(<article class="finding st-missing.*?</article>)', r.text, re.S).group(1)
    assert html.escape(str(method["fix"]).strip()[:20]) in card
    assert '<details class="fix" open>' in card


# --------------------------------------------------------------------------- acceptances
def test_accepting_in_the_history_applies_through_accept_findings(tmp_path, monkeypatch):
    monkeypatch.setattr(checker.api, "check_case", _fake_check)
    calls = []
    real = checker.waivers.accept_findings

    def spy(result, acceptances, source="history"):
        calls.append([dict(a) for a in acceptances])
        return real(result, acceptances, source=source)

    monkeypatch.setattr(checker.waivers, "accept_findings", spy)
    client = _client(tmp_path)
    files = _upload(_case_files(_a_case()))
    r1 = client.post("/api/check", files=files, data={"as_of": AS_OF, "case": "案件W", "department": "税務課"}).json()
    run1 = r1["history"]["run_id"]
    assert r1["exit_status"] == 1
    page = client.get(f"/runs/{run1}").text
    assert 'data-exit="1"' in page
    ids = sorted(set(int(x) for x in re.findall(r'action="/items/(\d+)/accept"', page)))
    assert len(ids) == 2

    # accept one: the run's downloads show it, the other still counts
    reason = "紙のみの業務で電子データを扱わないため（令和8年11月 課長確認）"
    a = client.post(f"/items/{ids[0]}/accept", data={"text": reason, "next": f"/runs/{run1}"}, follow_redirects=False)
    assert a.status_code == 303 and a.headers["location"] == f"/runs/{run1}"
    assert calls and calls[-1][0]["reason"] == reason
    js = client.get(f"/runs/{run1}/report.json").json()["cases"][0]["findings"]
    acc = [f for f in js if f.get("accepted")]
    assert len(acc) == 1 and acc[0]["accepted"] == {"reason": reason} and acc[0]["status"] in ("violation", "missing")
    assert "承認済み" in client.get(f"/runs/{run1}/report.md").text
    assert reason in client.get(f"/runs/{run1}/report.html").text
    page = client.get(f"/runs/{run1}").text
    assert 'data-exit="1"' in page and "許容済み" in page

    # accept the other: nothing counts any more, on the page, in the list and on re-check
    client.post(f"/items/{ids[1]}/accept", data={"text": "契約課の標準約款のため", "next": "/history/open"})
    page = client.get(f"/runs/{run1}").text
    assert 'data-exit="0"' in page and "許容済み 2 件は数えていません" in page
    hist = History(tmp_path / "history.sqlite3", create=False)
    assert hist.run(run1).exit_flagged is False
    r2 = client.post("/api/check", files=files, data={"as_of": AS_OF, "case": "案件W", "department": "税務課"}).json()
    assert r2["exit_status"] == 0
    assert sorted(f["accepted"]["reason"] for f in r2["cases"][0]["findings"] if f.get("accepted")) == \
        sorted([reason, "契約課の標準約款のため"])
    assert all(f["status"] in ("violation", "missing") for f in r2["cases"][0]["findings"] if f.get("accepted"))

    # withdrawn: it counts again, for the earlier runs too
    client.post(f"/items/{ids[1]}/reopen", data={"text": "標準約款ではなかった"})
    assert hist.run(run1).exit_flagged is True
    assert 'data-exit="1"' in client.get(f"/runs/{r2['history']['run_id']}").text
    r3 = client.post("/api/check", files=files, data={"as_of": AS_OF, "case": "案件W"}).json()
    assert r3["exit_status"] == 1
    assert [f["accepted"] for f in r3["cases"][0]["findings"] if f.get("accepted")] == [{"reason": reason}]


def test_redacted_run_masks_the_contract_side_of_the_comparison(tmp_path):
    """With 「個人情報を伏せる」 the contract's article text in the comparison is masked too."""
    variant = (STD_DIR / "added.txt").read_text(encoding="utf-8")
    m = re.search(r"第１６条[^\n]*", variant)
    assert m, "added.txt has its added 第１６条"
    doc = tmp_path / "contract.txt"
    doc.write_text(variant.replace(m.group(0), m.group(0) + "\n２　連絡先は担当 山田太郎（電話 03-1234-5678）とする。\n"),
                   encoding="utf-8")
    client = _client(tmp_path, profile="sakuragaoka")
    plain = _post_file(client, doc, case="伏せない")
    assert "03-1234-5678" in "".join(x["con"] for x in _rows(plain.text))  # the test can fail
    red = _post_file(client, doc, case="伏せる", redact="1")
    rows = _rows(red.text)
    assert [x["kind"] for x in rows] == ["added"]
    assert "03-1234-5678" not in rows[0]["con"] and "山田太郎" not in rows[0]["con"]
    run = _run_id(red.text)
    js = client.get(f"/runs/{run}/report.json").text
    assert "03-1234-5678" not in js and "山田太郎" not in js.split('"comparisons"')[-1]
