"""Hand-made results and a small fake rulebook for the report tests (no engine needed)."""
from __future__ import annotations

from dataclasses import dataclass, field

from checker.model import CaseResult, DocError, Document, Evidence, Finding, Note, Status


@dataclass
class FakeCheck:
    id: str
    title: str
    severity: str
    reads: list = field(default_factory=list)
    messages: dict = field(default_factory=dict)
    fix: str | None = None
    examples: dict = field(default_factory=dict)
    references: list = field(default_factory=list)


@dataclass
class FakeRule:
    id: str
    title: str
    summary: str
    rationale: str
    references: list
    checks: list


@dataclass
class FakeRulebook:
    rules: list


@dataclass
class FakeProfile:
    name: str
    rulebook: FakeRulebook


def fake_profile() -> FakeProfile:
    sub = FakeRule(
        id="subcontracting", title="再委託の制限",
        summary="再委託は市の事前の承諾を要件としているか。",
        rationale="再委託先で事故が起きても市が把握できないおそれがあるため。",
        references=["個人情報の保護に関する法律 第66条第2項", {"title": "審議会答申", "url": "https://example.invalid/toushin"}],
        checks=[
            FakeCheck("subcontracting.clause", "再委託の事前承諾", "high", ["contract", "special_provisions"],
                      {"missing": "再委託に関する条項がありません。", "violation": "事前承諾なしに再委託を認めています。"},
                      fix="乙は、あらかじめ甲の書面による承諾を得た場合を除き、再委託してはならない。",
                      examples={"ok": ["乙は、あらかじめ甲の書面による承諾を得なければ、再委託してはならない。"],
                                "violation": ["乙は、業務の一部を再委託することができる。"]}),
            FakeCheck("subcontracting.flow-down", "再委託先への義務", "medium", ["contract"],
                      {"missing": "再委託先に同等の義務を課す定めがありません。"}),
        ])
    pw = FakeRule(
        id="password-handling", title="パスワードの取扱い", summary="", rationale="",
        references=[],
        checks=[FakeCheck("password-handling.protection", "媒体の暗号化", "high", [], {}, None,
                          [{"text": "USBメモリにより暗号化せずに渡す。", "status": "violation"}]),
                FakeCheck("password-handling.holders", "パスワードを知る者", "low")])
    nda = FakeRule(id="post-employment-nda", title="退職後の守秘義務", summary="", rationale="",
                   references=[], checks=[FakeCheck("post-employment-nda.clause", "従事者の守秘義務", "high")])
    return FakeProfile("test-profile", FakeRulebook([sub, pw, nda]))


CONTRACT = "cases/2026-001/contract.txt"


def sample_result(case: str = "cases/2026-001", evidence_text: str = "乙は、業務の一部を再委託することができる。",
                  accepted: bool = False) -> CaseResult:
    docs = (
        Document(path=CONTRACT, format="txt", sha256="x", pages=6, kinds=("contract", "special_provisions")),
        Document(path="cases/2026-001/scan.pdf", format="pdf", sha256="y", pages=2,
                 error=DocError("image_only", "scan.pdf: 文字情報がありません。テキスト付きのPDFを提出してください。")),
        Document(path="cases/2026-001/cert.pdf", format="pdf", sha256="z", pages=3, kinds=("certificate",),
                 warnings=("cert.pdf: 2ページ目は画像のため読んでいません。",)),
    )
    findings = (
        Finding("password-handling", "password-handling.protection", Status.OK, "high",
                "媒体は暗号化されます。", (Evidence(CONTRACT, 2, "第4条", "データは暗号化して渡す。"),)),
        Finding("subcontracting", "subcontracting.clause", Status.VIOLATION, "high",
                "第7条は市の事前承諾なしに再委託を認めています。",
                (Evidence(CONTRACT, 3, "第7条", evidence_text),),
                fix="乙は、あらかじめ甲の書面による承諾を得た場合を除き、再委託してはならない。"),
        Finding("subcontracting", "subcontracting.flow-down", Status.MISSING, "medium",
                "再委託先に同等の義務を課す定めがありません。", (),
                fix="乙は、再委託先に本特記事項と同等の義務を負わせなければならない。",
                accepted={"reason": "再委託しない旨を別途確認済み"} if accepted else None),
        Finding("password-handling", "password-handling.holders", Status.NEEDS_REVIEW, "low",
                "パスワードを知る者が書かれていません。", (Evidence(CONTRACT, 2, "第4条第2項", "パスワードは別送する。"),)),
    )
    return CaseResult(
        case=case, documents=docs,
        rules={"subcontracting": Status.VIOLATION, "password-handling": Status.NEEDS_REVIEW,
               "post-employment-nda": Status.NOT_APPLICABLE},
        findings=findings,
        notes=(Note("bundle.consultation-missing", "info", "諮問書がないため、諮問書を読む項目は対象外です。"),),
        checks={"subcontracting.clause": Status.VIOLATION, "subcontracting.flow-down": Status.MISSING,
                "password-handling.protection": Status.OK, "password-handling.holders": Status.NEEDS_REVIEW,
                "post-employment-nda.clause": Status.NOT_APPLICABLE},
    )


def clean_result(case: str = "cases/clean") -> CaseResult:
    return CaseResult(
        case=case,
        documents=(Document(path="cases/clean/contract.txt", format="txt", sha256="c", pages=1, kinds=("contract",)),),
        rules={"subcontracting": Status.OK, "password-handling": Status.NOT_APPLICABLE,
               "post-employment-nda": Status.OK},
        findings=(Finding("subcontracting", "subcontracting.clause", Status.OK, "high", "事前承諾が要件です。",
                          (Evidence("cases/clean/contract.txt", 1, "第5条", "あらかじめ甲の承諾を得なければ再委託してはならない。"),)),
                  Finding("post-employment-nda", "post-employment-nda.clause", Status.OK, "high", "退職後も守秘義務があります。")),
        checks={"subcontracting.clause": Status.OK, "post-employment-nda.clause": Status.OK},
    )
