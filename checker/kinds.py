"""Document kinds from the content (title, structure, vocabulary), never the file name.

Each kind gets a score from several independent signals, so that a document in another
layout or with other words still lands right: the title (or the title-like lines), the
structure (articles 第N条 / 第N, parties 甲・乙, form fields, length) and the vocabulary
(記名押印, 委託理由, 登録番号 …). The best-scoring kind wins when it reaches
:data:`THRESHOLD`; a contract is also ``special_provisions`` when a special-provisions part
(個人情報取扱特記事項 … followed by its own articles) is in it, and vice versa.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from checker.model import Document

__all__ = ["detect_kinds", "score_kinds", "THRESHOLD", "CERT_PART_TITLE"]

THRESHOLD = 4.0

_SP_TITLE = re.compile(
    r"特記事項|特約条項|取扱注意事項|個人情報(?:の)?(?:取扱|保護)(?:い)?に関する.{0,4}(?:特記事項|特約|覚書|基準|事項)|"
    r"個人情報(?:の)?取扱(?:い)?(?:基準|条項|事項|特約)|個人情報保護(?:に関する)?(?:特約|条項)|データ(?:の)?取扱(?:い)?特記事項|"
    r"特約(?:条項)?$|特約書|(?:保護|セキュリティ|取扱)に関する(?:特記|遵守)事項|遵守事項$|"
    # a 特記仕様書 that is wholly about personal information is the special provisions of the contract
    r"個人情報.{0,12}(?:特記仕様書|取扱(?:い)?仕様書)")
# a document that declares itself part of the contract documents (「契約書類の一部を構成する」)
_PART_OF_CONTRACT = re.compile(r"契約(?:書類|図書|書|約款)?の一部(?:を構成|をなす|となる)|契約と一体")
_CONTRACT_TITLE = re.compile(r"契約書|約款|契約条項|委託契約|請負契約|賃貸借契約|協定書|覚書")
_CONSULT_TITLE = re.compile(
    r"諮問|届出書|届出|協議書|事前協議|について\s*\(?\s*(?:協議|照会|届出|報告|申請)|"
    r"個人情報(?:の)?取扱(?:い)?(?:事務)?(?:の|を(?:伴う|含む))?(?:業務)?(?:の)?(?:委託|外部委託)|"
    r"事務(?:の)?委託(?:について|の届出|に係る)|外部委託(?:について|の届出|届|協議)|委託(?:に係る|に関する)(?:届出|協議|申請|報告)|"
    r"個人情報.{0,20}委託.{0,12}(?:について|届|協議|申請|申出|報告|審査|諮問|照会|確認)|"
    r"委託.{0,12}個人情報.{0,12}(?:について|届|協議|申請|申出|報告|審査|諮問|照会|確認)")
_SPEC_TITLE = re.compile(r"仕様書|業務仕様|要求水準書|業務指示書|業務内容書|業務説明書|作業要領|実施要領|仕様$")
_CERT_TITLE = re.compile(
    r"登録証|認定証|認証書|付与認定|登録証明|認証証明|使用許諾|certificate|Certificate|CERTIFICATE|"
    r"プライバシーマーク(?:付与|登録)|適合性評価|登録(?:の)?証明|"
    r"(?:認証|登録|ISMS|ISO|プライバシーマーク|Pマーク).{0,10}(?:証明書|証書|通知書)")

# the whole title of a certificate copy (structure: a page opening with one starts a part)
CERT_PART_TITLE = re.compile(
    r"^[\s【〔\[]*(?:(?:プライバシーマーク|Pマーク|ISMS|ISO\s*/?\s*IEC\s*27001|情報セキュリティマネジメントシステム)"
    r"[^。、]{0,12}(?:登録証|認証書|認定証|登録証明書|認証登録証|適合証明書|付与認定証)"
    r"|(?:登録証|認証書|認定証)(?=\s*(?:[(（【〔]\s*写し?\s*[)）】〕])?\s*$))"
    r"\s*(?:[(（【〔]\s*写し?\s*[)）】〕])?[\s】〕\]]*$")

_CONSULT_FIELDS = re.compile(
    r"委託理由|委託の理由|委託先|委託する(?:事務|業務)|委託の内容|委託内容|提供する個人情報|取り扱う個人情報|"
    r"個人情報の項目|記録項目|対象者|授受(?:の)?方法|返還|廃棄|再委託の有無|再委託先|所管課|担当課|事務の名称|"
    r"委託期間|安全管理措置|個人情報保護体制|保護措置|委託先の選定|選定理由|件名")
_CONSULT_WORDS = re.compile(r"諮問します|諮問する|意見を求め|審議会|審査会|届け出ます|協議します|下記のとおり|次のとおり")
_CONTRACT_WORDS = [
    (re.compile(r"記名押印|署名押印|記名捺印|電子署名を行"), 3.0),
    (re.compile(r"契約を締結|契約を結|本契約を証する|契約の締結を証"), 2.0),
    (re.compile(r"契約金額|委託料|委託金額|請負代金|契約保証金|単価契約"), 1.5),
    (re.compile(r"契約期間|履行期間|委託期間|履行期限"), 1.0),
    (re.compile(r"損害賠償"), 0.5),
    (re.compile(r"解除"), 0.5),
    (re.compile(r"収入印紙|印紙"), 1.0),
]
_PI_TOPICS = [re.compile(p) for p in (
    r"秘密|守秘|漏らし", r"目的(?:外|以外)", r"第三者(?:への|に)?提供", r"複写|複製",
    r"再委託|第三者に(?:委託|委任)", r"返還|返却", r"廃棄|消去|破棄", r"事故|漏えい|漏洩|滅失", r"立入|調査|報告を求め",
    r"損害賠償|解除", r"適正(?:な)?管理|安全管理|適正に取り扱", r"収集", r"持(?:ち)?出|搬出",
    r"従事者|作業者|従業者", r"個人情報")]
_SP_SELF = re.compile(r"本特記事項|この特記事項|本特約|この特約|本注意事項|この注意事項")
_SPEC_WORDS = re.compile(
    r"業務内容|業務の内容|業務の範囲|業務範囲|納品物|納入物|成果品|成果物|納品|履行場所|業務概要|業務の概要|作業内容|"
    r"作業スケジュール|実施体制|提出書類|本仕様書|仕様書に定め|業務の目的|目的|納期|納入期限|業務名|業務の名称|委託業務名")
_CERT_WORDS = [
    (re.compile(r"登録番号|認証番号|認定番号|証明書番号|Registration No|Certificate No|Certificate Number"), 2.0),
    (re.compile(r"有効期間|有効期限|認証期間|Valid|valid|有効年月日"), 1.5),
    (re.compile(r"プライバシーマーク|Pマーク|JIS\s*Q\s*15001"), 1.5),
    (re.compile(r"ISMS|ISO\s*/?\s*IEC\s*27001|JIS\s*Q\s*27001|ISO27001|情報セキュリティマネジメントシステム"), 2.0),
    (re.compile(r"日本情報経済社会推進協会|JIPDEC|審査機関|認証機関|認定機関|指定審査機関"), 1.5),
    (re.compile(r"認証範囲|登録範囲|適用範囲|認証基準|審査基準|登録活動範囲|付与事業者|登録事業者"), 1.5),
    (re.compile(r"認定します|証明します|付与します|登録されていることを|適合していることを|[Cc]ertif(?:y|ies) that|"
                r"has been (?:assessed|registered|certified)"), 2.0),
]


@dataclass
class _Signals:
    title: str
    heads: list[str]
    text: str
    head_text: str
    n_articles: int
    n_jo: int
    n_bare: int
    labels: list[str]
    parties: dict[str, str]
    length: int
    sections: set[str] = field(default_factory=set)


def _signals(doc: Document) -> _Signals:
    title = doc.title or ""
    heads = list(doc.headings)
    # vocabulary is searched in the sentences and in what is not a sentence: title, headings, labels
    text = "\n".join([doc.title or "", *doc.headings, *(f.label for f in doc.fields), doc.text])
    arts = [c for c in doc.clauses]
    return _Signals(
        title=title, heads=heads, text=text, head_text=" ".join(heads[:3]) + " " + text[:400],
        n_articles=len(arts), n_jo=sum(1 for c in arts if c.label.endswith("条") or "条の" in c.label),
        n_bare=sum(1 for c in arts if not (c.label.endswith("条") or "条の" in c.label)),
        labels=[f.label for f in doc.fields], parties=dict(doc.parties), length=len(doc.text),
        sections={c.section for c in arts if c.section},
    )


def _pi_topics(text: str) -> int:
    return sum(1 for p in _PI_TOPICS if p.search(text))


def _sp_part(doc: Document) -> bool:
    """A special-provisions part inside the document: a heading naming it followed by articles."""
    heads = list(doc.headings)
    if doc.title and _SP_TITLE.search(doc.title):
        return True
    for h in heads:
        if len(h) <= 50 and _SP_TITLE.search(h) and "について" not in h:
            # followed by at least two articles of the part
            part = [c for c in doc.clauses if c.section]
            if len(part) >= 2 or len(doc.clauses) >= 2:
                return True
    part = [c for c in doc.clauses if c.section]
    if len(part) >= 3:
        part_text = "".join(c.text for c in part) + "".join(c.caption or "" for c in part)
        if _pi_topics(part_text) >= 6:
            return True
    return False


def score_kinds(doc: Document) -> dict[str, float]:
    """The score of each kind (for ``itaku extract`` and tests)."""
    s = _signals(doc)
    title = s.title
    first_heads = " ".join(s.heads[:2])
    sc = {"consultation": 0.0, "contract": 0.0, "special_provisions": 0.0, "specification": 0.0, "certificate": 0.0}

    # --- consultation
    if _CONSULT_TITLE.search(title) or _CONSULT_TITLE.search(first_heads):
        sc["consultation"] += 5
        if re.search(r"諮問", title + first_heads):
            sc["consultation"] += 2
    cf = {m.group(0) for lab in s.labels for m in [_CONSULT_FIELDS.search(lab)] if m}
    cf |= {m.group(0) for h in s.heads for m in [_CONSULT_FIELDS.search(h)] if m}
    sc["consultation"] += min(6.0, 1.2 * len(cf))
    if _CONSULT_WORDS.search(s.text[:1500]):
        sc["consultation"] += 2
    if re.search(r"諮問", s.text[:600]):
        sc["consultation"] += 2

    # --- contract
    if _CONTRACT_TITLE.search(title) and not re.search(r"について|諮問|届出", title):
        sc["contract"] += 5
    pk = set(s.parties)
    defined = bool(pk & {"甲", "発注者", "委託者"} and pk & {"乙", "受注者", "受託者"})
    if s.n_jo >= 3:
        # articles alone are the shape of special provisions too; with the parties defined,
        # a price or a signature they are a contract's
        sc["contract"] += 2 + (1 if s.n_jo >= 8 else 0)
        if defined or re.search(r"記名押印|署名押印|記名捺印|契約金額|委託料|委託金額|請負代金", s.text):
            sc["contract"] += 2
    if defined:
        sc["contract"] += 3
    for rx, w in _CONTRACT_WORDS:
        if rx.search(s.text):
            sc["contract"] += w

    # --- special provisions
    if _SP_TITLE.search(title):
        sc["special_provisions"] += 7
    elif any(len(h) <= 50 and _SP_TITLE.search(h) and "について" not in h for h in s.heads):
        sc["special_provisions"] += 6
    if s.n_articles >= 4:
        topics = _pi_topics(s.text)
        sc["special_provisions"] += max(0.0, topics - 7) * 0.8
        if s.n_bare >= 4 and s.n_bare >= s.n_jo:
            sc["special_provisions"] += 1.5
    if _SP_SELF.search(s.text):
        sc["special_provisions"] += 3
    if _PART_OF_CONTRACT.search(s.text[:800]) and _pi_topics(s.text) >= 6:
        sc["special_provisions"] += 3
    arts = [c for c in doc.clauses if not c.section]
    if len(arts) >= 4 and sum(1 for c in arts if "個人情報" in c.text) >= 0.5 * len(arts):
        sc["special_provisions"] += 3  # nearly every article is about personal information

    # --- specification
    if _SPEC_TITLE.search(title) or _SPEC_TITLE.search(first_heads):
        sc["specification"] += 6
    spec_hits = {m.group(0) for h in s.heads + s.labels for m in [_SPEC_WORDS.search(h)] if m}
    sc["specification"] += min(4.0, 1.0 * len(spec_hits))
    if re.search(r"本仕様書|この仕様書", s.text):
        sc["specification"] += 3

    # --- certificate
    cert_title = bool(_CERT_TITLE.search(title) or _CERT_TITLE.search(first_heads))
    if cert_title:
        sc["certificate"] += 5
    words = sum(w for rx, w in _CERT_WORDS if rx.search(s.text) or rx.search(title))
    # without a certificate title, its vocabulary alone (a consultation or a specification
    # quoting a mark) counts for less
    sc["certificate"] += words if cert_title else min(words, 6.0)
    if s.length < 1500:
        sc["certificate"] += 1.0
    else:
        sc["certificate"] -= 3.0 + (3.0 if s.length > 4000 else 0.0)
    if s.n_articles >= 3:
        sc["certificate"] -= 4
    if not cert_title and (_SPEC_TITLE.search(title) or _CONTRACT_TITLE.search(title) or _SP_TITLE.search(title)
                           or _CONSULT_TITLE.search(title)):
        sc["certificate"] -= 4

    # structural discounts: forms are not contracts, contracts are not forms
    if sc["consultation"] >= 7:
        sc["contract"] -= 3
        sc["specification"] -= 2
        sc["certificate"] -= 3
    if s.n_jo >= 3 or (pk & {"甲", "発注者", "委託者"}):
        sc["consultation"] -= 3
    return sc


def detect_kinds(doc: Document) -> tuple[str, ...]:
    """The kinds of ``doc`` (one or two of DOC_KINDS); ``()`` for an unreadable document."""
    if doc.error is not None:
        return ()
    if not doc.text.strip() and not doc.title:
        return ("other",)
    sc = score_kinds(doc)
    best = max(sc, key=lambda k: sc[k])
    if sc[best] < THRESHOLD:
        return ("other",)
    kinds = [best]
    sp_part = _sp_part(doc)
    if best == "contract" and sp_part:
        kinds.append("special_provisions")
    elif best == "special_provisions" and sc["contract"] >= 8 and _strong_contract(doc):
        kinds.insert(0, "contract")
    elif best == "consultation" and _appended_sp(doc):
        kinds.append("special_provisions")
    elif best == "special_provisions" and sc["consultation"] >= 7 and _appended_sp(doc) \
            and not _SP_TITLE.search(doc.title or ""):
        kinds.insert(0, "consultation")  # a consultation form with the provisions attached
    elif best == "contract" and sc["specification"] >= 6 and any(
            _SPEC_TITLE.search(h) and len(h) <= 30 for h in doc.headings[1:]):
        kinds.append("specification")
    elif best == "special_provisions" and sc["specification"] >= 6 and _SPEC_TITLE.search(doc.title or "") \
            and not _SP_TITLE.search(doc.title or "") and _appended_sp(doc):
        kinds.insert(0, "specification")  # a specification with the provisions attached as 別紙
    elif best == "specification" and _appended_sp(doc):
        kinds.append("special_provisions")
    if best != "certificate" and _appended_certificate(doc):
        kinds.append("certificate")
    order = ("consultation", "contract", "special_provisions", "specification", "certificate", "other")
    return tuple(sorted(set(kinds), key=order.index))


def _appended_certificate(doc: Document) -> bool:
    """A certificate copy appended to another document (a プライバシーマーク登録証 page after
    the special provisions): sentences under a certificate's title (structure makes a
    page opening with one a heading of its own) that read like a certificate: its number,
    its validity, the mark or the body that issued it."""
    part = [s.text for s in doc.sentences if s.heading and s.article is None and CERT_PART_TITLE.match(s.heading)]
    part += [f.label for f in doc.fields if f.sentence_indexes
             and any(doc.sentences[i].heading and CERT_PART_TITLE.match(doc.sentences[i].heading)
                     for i in f.sentence_indexes if i < len(doc.sentences))]
    if not part:
        return False
    heads = {s.heading for s in doc.sentences if s.heading and CERT_PART_TITLE.match(s.heading)}
    text = "\n".join(part + sorted(heads))
    words = sum(w for rx, w in _CERT_WORDS if rx.search(text))
    has_number = bool(_CERT_WORDS[0][0].search(text))
    has_validity = bool(_CERT_WORDS[1][0].search(text))
    return (has_number or has_validity) and words >= 5.0


def _appended_sp(doc: Document) -> bool:
    """Special provisions attached to another document: a 別記/別紙 part whose heading names
    them, with at least three articles of its own."""
    part = [c for c in doc.clauses if c.section]
    if len(part) < 3:
        return False
    return any(len(h) <= 50 and _SP_TITLE.search(h) and "について" not in h for h in doc.headings)


def _strong_contract(doc: Document) -> bool:
    """Contract evidence beyond vocabulary: its own articles 第N条 and signature or price."""
    t = doc.text
    jo = sum(1 for c in doc.clauses if "条" in c.label and not c.section)
    signed = bool(re.search(r"記名押印|署名押印|記名捺印|契約の締結を証|本契約を証する", t))
    money = bool(re.search(r"契約金額|委託料|委託金額|請負代金", t))
    return jo >= 3 and (signed or money) or (signed and money and jo >= 1)
