"""Named evaluators: the closed registry of checks whose logic is not plain matching.

A check with ``evaluator: NAME`` in its rule file is decided here; its ``params`` (which
part to decide, the words it looks for) and its ``messages`` stay in the rule file. Only
the Privacy Mark checks need one: they compare validity periods, the contract period and
the reference date, and tell the contractor's mark from the subcontractor's.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Callable

from checker.forms import resolve_choices
from checker.model import CONTRACT_KINDS, Document, Sentence, Status

# --------------------------------------------------------------------------- privacy mark
PMARK = re.compile(r"プライバシー[・\s]*マーク|Pマーク|JIS\s*Q\s*15001")
ISMS = re.compile(r"ISMS|ISO\s*/?\s*(?:IEC)?\s*27001|JIS\s*Q\s*27001|情報セキュリティマネジメントシステム")
NONE = re.compile(r"^\s*(?:該当(?:なし|無し|しない)|無し?|なし|無い|未取得|取得していない)\s*(?:[。(]|$)|(?:取得|保有|認証|登録|有)(?:して|し)?(?:い)?(?:ない|ません)|未取得|取得予定|(?:取得|申請|登録|認証)[^。、]{0,12}(?:予定|見込)|取得に向け|取得を目指|準備中|申請(?:予定|準備|中(?!.{0,6}更新))|(?:は|:|\(|\s)\s*(?:該当(?:なし|無し)|無し?|なし|無い|未取得)(?:[。、)(]|$)|いずれも.{0,10}(?:ない|ません)|確認中|未確認|未定|不明|調査中|照会中")
# a renewal is planned or under way (「更新手続は令和９年３月に申請予定」「更新に向けて準備中」): the mark is held,
# so the future words (申請予定, 準備中) that otherwise say "not yet acquired" do not deny it
RENEWAL_BEFORE = re.compile(r"(?:更新|再認証|再登録)[^。、]{0,24}$")


def _says_none(text: str) -> bool:
    """The text states that the mark is not held (無, 取得していない, 取得予定, 確認中 …); words
    about a planned renewal of a held mark (更新…申請予定) do not count."""
    for m in NONE.finditer(text):
        if RENEWAL_BEFORE.search(text[max(0, m.start() - 24):m.end()]):
            continue
        return True
    return False


# a placeholder value (「－」「／」「ー」) states nothing
_BLANK = re.compile(r"^[\s\-－―ー‐/／・:：]*$")


# an eligibility requirement (「…認証を取得している者であること」) says what is required, not what is held
# (also a listed condition ending in こと: 「次の要件を全て満たす者とする。(2) …の認証を取得していること。」, 「…を有すること」;
# not 「取得していることを確認した」, which states it)
REQUIREMENT = re.compile(r"(?:取得|保有|認証を受け|登録を受け|付与され)[^。]{0,8}(?:者|事業者|業者|法人)であること|(?:資格|条件|要件)と(?:する|します)|を(?:求める|条件とする)"
                         r"|(?:取得|保有|認証を受け|登録を受け|付与を受け|付与され|有)(?:して|し)?(?:てい|い)?(?:する|る)こと\s*(?:[。)]|$|を(?:要件|条件|資格)|が(?:要件|条件|必要))"
                         r"|(?:取得|保有)済み?であること\s*(?:[。)]|$)")
BOTH = re.compile(r"(受託者|受注者|乙|委託先|受託事業者)(及び|並びに|と|・|、)(その)?(再委託先|再受託者)|(再委託先|再受託者)(及び|並びに|と|・|、)(受託者|受注者|乙|委託先)")
SUB = re.compile(r"再委託先|再受託者|再委託事業者|下請")
SUB_LABEL = re.compile(r"再委託|再受託|下請")
# 「…株式会社○○（プライバシーマーク…）に再委託する」: the mark belongs to whom the work is passed on to
SUB_AFTER = re.compile(r"^[^。]{0,120}?[)）」]?\s*(?:に|へ)(?:対し(?:て)?)?(?:再委託|下請|業務の一部を委託|[^。]{0,10}を?委託すること(?:を|について)?(?:承諾|認め))")
RENEWAL = re.compile(r"更新[^。]{0,6}(?:申請|審査|手続)|更新審査中|(?:審査|申請)中")
# a renewal only planned (「更新手続は…申請予定」「更新の準備中」) has not been applied for: nothing is under review
_PLANNED = re.compile(r"^[^。、]{0,20}?(?:予定|見込|準備|検討|するつもり)")


def _renewal_pending(text: str) -> bool:
    """A renewal application is under review (更新申請中, 更新審査中), not only planned."""
    return any(not _PLANNED.search(text[m.start():]) for m in RENEWAL.finditer(text))


VALID_KEY = re.compile(r"有効期間|有効期限|認証期間|登録期間|有効|期限|認証日|登録日")
# the label of a grant date: 「初回登録２０２５年９月１日」「登録日：令和６年４月１日」「交付年月日」
ISSUED = re.compile(r"(?:(?:初回|当初|最初|前回)(?:の)?(?:登録|認証|認定|交付|発行|取得|付与|更新)(?:日|年月日)?|(?:登録|認証|認定|交付|発行|取得|付与|更新|審査|決定)(?:日|年月日))\s*[:：]?\s*(?:は)?\s*$")
VALID_END = re.compile(r"有効期間|有効期限|認証期間|登録期間|有効期日|期限")
NUMBER = re.compile(r"(?:登録番号\s*[:：]?\s*(?:第)?|第)\s*(\d{4,12})\s*(?:\(\s*(\d{1,3})\s*\))?\s*(?:号)?")
SCOPE = re.compile(r"(?:適用|認証|登録|審査|対象)(?:の)?範囲(?![内外])")
COMPANY = re.compile(r"(?:株式会社|有限会社|合同会社|一般社団法人|公益財団法人|一般財団法人)[^\s、。,()（）「」]{1,20}|[^\s、。,()（）「」]{1,20}(?:株式会社|有限会社|合同会社)")
PERIOD_LABEL = re.compile(r"契約期間|履行期間|委託期間|業務期間|委託契約期間|契約の期間|履行期限|委託の期間|実施期間")


@dataclass
class MarkRecord:
    owner: str  # "contractor" | "subcontractor"
    kind: str  # "pmark" | "isms" | "none"
    doc: Document
    sentences: list[Sentence] = field(default_factory=list)
    number: str | None = None
    count: str | None = None
    end: dt.date | None = None
    start: dt.date | None = None
    renewal: bool = False
    scope: str | None = None

    @property
    def context(self) -> str:
        return "".join(s.text for s in self.sentences)


def _read_mark(rec: MarkRecord, ctx_text: str, hint) -> MarkRecord:
    """Fill a mark record from the text that states it: registration number (Privacy
    Mark only), validity period, renewal under review, ISMS scope."""
    num = _mark_number(ctx_text)
    if num and rec.kind == "pmark":
        rec.number, rec.count = num.group(1), num.group(2)
    rec.start, rec.end = _validity(ctx_text, hint)
    rec.renewal = _renewal_pending(ctx_text)
    rec.scope = _scope(rec.sentences, ctx_text)
    return rec


def _scope(sents: list[Sentence], ctx_text: str) -> str | None:
    """The ISMS scope: the value of a field labelled so (「適用範囲 | …」), else the words after
    「認証範囲：」 in the text. 「適用範囲内の体制により」 (within the scope) states no scope."""
    for t in sents:
        if t.field and SCOPE.search(t.field) and not _BLANK.match(t.text):
            return t.text
    sc = SCOPE.search(ctx_text)
    if not sc:
        return None
    rest = ctx_text[sc.end():sc.end() + 80]
    quoted = re.match(r"\s*[:：]?\s*(?:は|を)?\s*[「『]([^」』]+)[」』]", rest)
    if quoted:
        return quoted.group(1)
    got = re.split(r"[|。]|有効|登録日|認証日|規格|$", rest)[0].strip(" :：は「」『』")
    if got.endswith(")") and got.count(")") > got.count("("):
        got = got[:-1]  # the parenthesis the scope was written in: 「(認証範囲:全社)」
    return got


# a number under another label (「契約番号 第20270012号」「受付番号」「葵総第1234号」) is not the mark's registration number
OTHER_NUMBER = re.compile(r"(?:(?<!登録)(?<!認定)(?<!付与)(?<!マーク)番号|No\.?|NO\.?|№)\s*[:：]?\s*$|[\u4e00-\u9fff](?<![録証定与得])$")


def _mark_number(text: str) -> re.Match | None:
    """The registration number: the first 第…号 / 登録番号 … not labelled as another number."""
    for m in NUMBER.finditer(text):
        before = text[max(0, m.start() - 12):m.start()]
        if m.group(0).startswith("登録番号") or not OTHER_NUMBER.search(before):
            return m
    return None


def _company_names(text: str) -> set[str]:
    return {m.group(0).strip() for m in COMPANY.finditer(text)}


def _sub_names(docs: list[Document]) -> set[str]:
    names: set[str] = set()
    for d in docs:
        for s in d.sentences:
            if (s.field and SUB.search(s.field)) or SUB.search(s.text) or re.search(r"(?:に|へ)[^。]{0,20}(?:再委託|下請)(?:する|させ|します|を行)", s.text):
                names |= _company_names(s.text)
    return names


def _named_sub_before(before: str, subs: set[str], cons: set[str] = frozenset()) -> bool:
    """The company named just before the mark (「有限会社○○（プライバシーマーク…」) is a subcontractor."""
    names = _company_names(before[-40:])
    if any(_same_company(a, c) for a in names for c in cons):
        return False
    return any(_same_company(a, b) for a in names for b in subs)


_FORM = re.compile(r"^(?:株式会社|有限会社|合同会社|一般社団法人|公益財団法人|一般財団法人)")


def _same_company(a: str, b: str) -> bool:
    """Two captured names denote the same company: the capture runs on into the sentence
    (「株式会社○○に発送業務を…」, 「株式会社○○は」), so compare their common beginning."""
    if a == b:
        return True
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    form = _FORM.match(a)
    need = (form.end() if form else 0) + 2
    return n >= need and n >= min(len(a), len(b)) - 1


def _contractor_names(docs: list[Document]) -> set[str]:
    names: set[str] = set()
    for d in docs:
        for alias, name in (d.parties or {}).items():
            if alias in ("乙", "受注者", "受託者"):
                names |= _company_names(name) or {name}
        for s in d.sentences:
            if s.field and re.fullmatch(r"(委託先|受託者|受注者|受託事業者|委託事業者)(の?名称)?", s.field or ""):
                names |= _company_names(s.text)
    return names


def _era_hint(doc: Document) -> str | None:
    from checker.dates import dominant_era

    return dominant_era(doc.text or "".join(s.text for s in doc.sentences))


def _validity(text: str, hint: str | None) -> tuple[dt.date | None, dt.date | None]:
    """(start, end) of the validity period stated in ``text`` (after 有効期間 etc. if said)."""
    from checker.dates import find_dates, find_periods

    m = VALID_KEY.search(text)
    seg = text[m.start():] if m else text
    periods = find_periods(seg, hint)
    for p in periods:
        if p.end is not None:
            end = p.end_match.end_date if p.end_match is not None else p.end
            return p.start, end
    if m:
        # a date labelled as when the mark was granted (初回登録, 登録日, 交付日) is no end of validity
        ds = [d for d in find_dates(seg, hint) if not ISSUED.search(seg[max(0, d.start - 12):d.start])]
        if ds:
            # the first date after a validity label (有効期限 ２０２８年…) is its end; else the last date
            for lab in VALID_END.finditer(seg):
                after = [d for d in ds if d.start >= lab.end()]
                if after:
                    return None, after[0].end_date
            return None, ds[-1].end_date
    return None, None


# a value under a heading naming the mark says something about it (a number, a period, held or not)
_ABOUT = re.compile(r"番号|第\s*\d|\d{6,}|有効期間|有効期限|(?:適用|認証|登録)範囲|取得|保有|認証|登録|更新|申請|(?:^|[\s:：(（])[有無](?:$|[\s。、)）])|該当なし|^なし|未(?:取得|定|確認|登録)|確認中")
# the subcontractor is the subject: 「再委託先は、…」「再委託先：…」「なお、再委託先の…」
SUB_SUBJECT = re.compile(r"^[^。]{0,8}?(?:再委託先|再受託者|再委託事業者|下請(?:負?人|先|業者))")


def _sub_paragraph(sents: list[Sentence], i: int) -> bool:
    """The sentence continues a numbered paragraph (項) whose earlier sentence has the subcontractor as
    its subject (「２　再委託先は、…で作業する。プライバシーマークは取得していない。」), and names no
    subject of its own."""
    s = sents[i]
    # 「同社は」「当該事業者は」 points back to the company the sentence before is about, in any paragraph
    anaphor = bool(re.match(r"^[^。、]{0,6}?(?:同社|当該(?:会社|事業者|業者)|同事業者|その(?:会社|事業者))(?:は|が|も|の)", s.text))
    if not (s.clause or anaphor) or re.match(r"^[^。、]{0,12}?(?:受託者|受注者|乙|委託先|当社|事業者)(?:は|が|も)", s.text):
        return False
    for k in range(i - 1, max(-1, i - 4), -1):
        t = sents[k]
        if t.clause != s.clause or t.field != s.field or (anaphor and not s.clause and k < i - 1):
            return False
        if SUB_SUBJECT.search(t.text):
            return True
        if re.match(r"^[^。、]{0,12}?(?:受託者|受注者|乙|委託先|当社|事業者)(?:は|が)", t.text):
            return False
    return False


def find_marks(docs: list[Document]) -> list[MarkRecord]:
    """Every Privacy Mark / ISMS statement of the documents, with its owner and details."""
    subs = _sub_names(docs)
    cons = _contractor_names(docs)
    out: list[MarkRecord] = []
    for d in docs:
        sents = list(d.sentences)
        hint = _era_hint(d)
        cert_owner = None
        if d.has_kind("certificate"):
            names = _company_names(d.text or "".join(s.text for s in sents))
            cert_owner = "subcontractor" if (names & subs and not names & cons) else "contractor"
        if cert_owner and sents and not any(PMARK.search(x.text) or ISMS.search(x.text) for x in sents):
            # a certificate whose mark is named only by its title (「プライバシーマーク登録証」)
            title = d.title or ""
            if PMARK.search(title) or ISMS.search(title):
                kind = "pmark" if PMARK.search(title) else "isms"
                ctx_text = "".join((t.field + ":" if t.field else "") + t.text for t in sents)
                out.append(_read_mark(MarkRecord(cert_owner, kind, d, sents), ctx_text, hint))
                continue
        i = 0
        while i < len(sents):
            s = sents[i]
            text = resolve_choices(s.text)
            pm, im = PMARK.search(text), ISMS.search(text)
            by_label = False
            if not (pm or im):
                # the mark is named by the form field's label (「委託先のプライバシーマーク | 第…号」), or by the
                # heading / article caption the sentence stands under (「## 受託者のプライバシーマーク」 then
                # 「登録番号　第…号」): the label is the context of a value that does not repeat the mark's name
                lab = next((x for x in (s.field, s.heading, s.caption) if x and (PMARK.search(x) or ISMS.search(x))), None)
                # (a heading section is also read as a field whose label is the heading: it too must say something
                # about the mark, 「作業は専用室で行う」 under 「## プライバシーマーク等」 does not)
                section = lab is not s.field or bool(s.heading and s.field and s.field in s.heading)
                if lab is None or _BLANK.match(text) or (section and not _ABOUT.search((s.field or "") + text)):
                    i += 1
                    continue
                pm, im = PMARK.search(lab), ISMS.search(lab)
                first, by_label = 0, True
            else:
                first = min(x.start() for x in (pm, im) if x)
            label = s.field or s.heading or ""
            if cert_owner:
                owner = cert_owner
            elif (SUB.search(label) or SUB.search(text[:first]) or SUB_LABEL.search(s.caption or "")
                  or SUB_LABEL.search(s.heading or "") or (s.field and SUB_LABEL.search(s.field))
                  or (by_label and SUB_SUBJECT.search(text))
                  or SUB_AFTER.search(text[first:])
                  or _named_sub_before(text[:first], subs, cons)
                  or _sub_paragraph(sents, i)):
                owner = "subcontractor"
            else:
                owner = "contractor"
            ctx = [s]
            j = i + 1
            if cert_owner:  # a certificate: the whole document is the mark's context
                ctx = sents
                j = len(sents)
            while j < len(sents) and len(ctx) < 8:
                t = sents[j]
                if PMARK.search(t.text) or ISMS.search(t.text):
                    break
                if owner == "contractor" and (SUB.search(t.text) or (t.field and SUB.search(t.field))):
                    break
                if (t.heading != s.heading) or (t.clause != s.clause and not t.field and t.clause) or (t.field and s.field and t.field != s.field and not re.search(r"範囲|期間|期限|番号|規格|登録|認証|有効", t.field)):
                    break
                if not s.field and t.field is None and t.heading == s.heading and t.clause == s.clause and j > i + 2:
                    break
                ctx.append(t)
                j += 1
            ctx_text = "".join((t.field + ":" if t.field and (t is not s or by_label) else "") + resolve_choices(t.text)
                               for t in ctx)
            kind = "pmark" if pm else "isms"
            if not cert_owner and REQUIREMENT.search(text[first:]):
                # a requirement states no mark, unless the lines after it state the mark held (its number,
                # period or scope: 「…を取得していること。受託者の認証の状況は次のとおり」 + rows)
                rest = "".join((t.field + ":" if t.field else "") + resolve_choices(t.text) for t in ctx[1:])
                if not (rest and (_mark_number(rest) or _validity(rest, hint)[1] or SCOPE.search(rest))):
                    i += 1
                    continue
            if pm and im and not by_label:
                # each mark with its own words: 「プライバシーマークは取得していないが、ISMS…を取得している」
                a, b = sorted((pm, im), key=lambda x: x.start())
                segs = {id(a): text[a.start():b.start()], id(b): text[b.start():]}
                pm_none, im_none = _says_none(segs[id(pm)]), _says_none(segs[id(im)])
                if not re.search(r"取得|保有|認証を受け|登録を受け|付与|[:：]|なし|無|未", segs[id(a)][2:]):
                    # 「プライバシーマーク及びISMSのいずれも取得していない」: one predicate for both
                    pm_none = im_none = pm_none or im_none
                if pm_none and im_none:
                    kind = "none"
                elif pm_none:
                    kind = "isms"
                elif im_none:
                    kind = "pmark"
            elif _says_none(text[first:]):
                kind = "none"
            both = (not cert_owner and owner == "subcontractor"
                    and BOTH.search((s.field or "") + text[:first]))
            rec = _read_mark(MarkRecord(owner, kind, d, ctx), ctx_text, hint)
            out.append(rec)
            if both:  # 「受託者及び再委託先は、いずれもプライバシーマークを取得」: a statement for each
                out.append(MarkRecord("contractor", rec.kind, d, ctx, rec.number, rec.count, rec.end, rec.start,
                                      rec.renewal, rec.scope))
            i = j
    return out


def contract_period(docs: list[Document]) -> tuple[dt.date | None, dt.date | None, Sentence | None, Document | None]:
    """The contract period: contract-type documents first, else the consultation, else any."""
    from checker.dates import find_periods

    def from_docs(ds):
        for d in ds:
            p = d.period
            if p is not None and p.end is not None:
                return p.start, p.end, None, d
        for d in ds:
            hint = _era_hint(d)
            for s in d.sentences:
                if PERIOD_LABEL.search(s.field or "") or PERIOD_LABEL.search(s.text):
                    text = s.text
                    m = PERIOD_LABEL.search(text)
                    seg = text[m.start():] if m and not PERIOD_LABEL.search(s.field or "") else text
                    for p in find_periods(seg, hint):
                        if p.end is not None:
                            end = p.end_match.end_date if p.end_match is not None else p.end
                            return p.start, end, s, d
        return None

    order = [
        [d for d in docs if d.has_kind(*CONTRACT_KINDS)],
        [d for d in docs if d.has_kind("consultation", "specification")],
        list(docs),
    ]
    for ds in order:
        got = from_docs(ds)
        if got:
            return got
    return None, None, None, None


_WORK_LABEL = re.compile(r"件名|業務の?名称|委託の?内容|業務の?内容|委託業務|業務の?概要|事業名|委託事務")
_STOP = {"業務", "委託", "事業", "付随", "関連", "全般", "本社", "認証", "範囲", "提供", "情報", "運営", "管理", "及び",
         "並び", "年度", "令和", "平成", "市内", "本市", "当該", "作成", "支援"}
# 「本社開発センターにおける…の設計及び開発」: the site the scope names says nothing about the work it covers
_SITE = re.compile(r"^[^、。]{0,30}?(?:における|において|で行う|での)")
_WHOLE = re.compile(r"全社|全事業|全部門|全ての(事業|業務)|すべての(事業|業務)|全業務")


# kinds of work written with different words in a scope and in a work title: 「通信設備の…施工」 covers
# 「受信機の…設置」, 「封入封緘及び郵送」 is 「印刷及び発送」's kind of work. Activities only: a shared
# object or domain (通信, 顧客情報) says nothing about whether the certified activity is the work's.
_ACTIVITIES = tuple(re.compile(p) for p in (
    r"施工|設置|工事|取付|取り付|据付|据え付|敷設|架設|配線",          # installation, construction
    r"保守|点検|修理|修繕|メンテナンス|維持管理",                      # maintenance
    r"入力|データ化|データ作成|パンチ|エントリ",                       # data entry
    r"スキャン|読取|読み取|画像化|イメージ化|電子化",                  # scanning
    r"印刷|印字|製本|封入|封緘|封かん|発送|郵送|差出",                  # printing and mailing
    r"コールセンター|コンタクトセンター|電話受付|電話対応|受電|架電|問合せ|問い合わせ",  # call centre
))


def _activities(text: str) -> set[int]:
    return {i for i, p in enumerate(_ACTIVITIES) if p.search(text)}


def _bigrams(text: str) -> set[str]:
    out = set()
    for run in re.findall(r"[\u4e00-\u9fff]{2,}|[\u30a0-\u30ff]{2,}", text):
        for i in range(len(run) - 1):
            bg = run[i:i + 2]
            if bg not in _STOP:
                out.add(bg)
    return out


def scope_covers(scope: str, docs: list[Document]) -> bool | None:
    """Whether an ISMS scope plausibly covers the outsourced work (shared words with the
    work's title and description); None when the work cannot be read."""
    if _WHOLE.search(scope):
        return True
    work = []
    for d in docs:
        if d.title and not d.has_kind("certificate"):
            work.append(d.title)
        for s in d.sentences:
            if s.field and _WORK_LABEL.search(s.field):
                work.append(s.text)
    if not work:
        return None
    activity = _SITE.sub("", scope.strip(" 「」『』:：")) or scope
    work_text = "".join(work)
    return bool(_bigrams(activity) & _bigrams(work_text)) or bool(_activities(activity) & _activities(work_text))


def _fmt(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else "（不明）"


def _decisive(m: MarkRecord, what: str) -> Callable[[Sentence], bool]:
    """Whether a sentence of the mark's statement holds what decided the finding: ``end`` the
    end of the validity period read, ``number`` the registration number, ``scope`` the ISMS
    scope, ``detail`` any of the number, the period or the scope (a certificate's rows rather
    than its title)."""
    hint = _era_hint(m.doc)

    def text(s: Sentence) -> str:
        return (s.field + ":" if s.field else "") + resolve_choices(s.text)

    def has_end(s: Sentence) -> bool:
        return m.end is not None and _validity(text(s), hint)[1] == m.end

    def has_number(s: Sentence) -> bool:
        return bool(m.number) and m.number in re.sub(r"[\s,，]", "", text(s))

    def has_scope(s: Sentence) -> bool:
        return bool(m.scope) and (m.scope.strip(" :：") in s.text or bool(s.field and SCOPE.search(s.field)))

    if what == "end":
        return has_end
    if what == "number":
        return has_number
    if what == "scope":
        return lambda s: has_scope(s) or bool(SCOPE.search(s.text))
    return lambda s: has_number(s) or has_end(s) or has_scope(s)


def privacy_mark(run, cc, docs: list[Document]):
    """``params.part``: contractor | expiry | number | subcontractor (SPEC.md Privacy Mark)."""
    from checker.engine import Decision

    part = cc.spec.params.get("part")
    marks = find_marks(run.docs_of(None))
    own = [m for m in marks if m.owner == "contractor"]
    stated = [m for m in own if m.kind != "none"]
    pm = [m for m in stated if m.kind == "pmark"]

    def ev(ms, decisive=None):
        """Evidence of each mark: the sentence holding what decided the finding (``decisive``: the
        end date, the number, the scope) first, then the sentence naming the mark, so the quote in
        the message shows the date or number rather than 「プライバシーマーク取得。」 or a title."""
        out = []
        for m in ms:
            telling = [s for s in m.sentences if PMARK.search(s.text) or ISMS.search(s.text) or NUMBER.search(s.text)
                       or VALID_KEY.search(s.text + (s.field or "")) or SCOPE.search(s.field or "")
                       or (s.field and (PMARK.search(s.field) or ISMS.search(s.field)))]
            pool = telling or m.sentences
            if decisive is not None:
                key = _decisive(m, decisive)
                pool = sorted(pool, key=lambda s: (not key(s), not (PMARK.search(s.text) or ISMS.search(s.text))))
            out.extend((m.doc, s) for s in pool[:2])
        return out[:3]

    if part == "contractor":
        if pm:
            return Decision(Status.OK, "pmark", ev(pm, "detail"))
        if stated:
            # the certificate's own scope is the authority; a mention elsewhere (仕様書) comes after it
            isms = next((m for m in sorted(stated, key=lambda m: not m.doc.has_kind("certificate")) if m.scope),
                        stated[0])
            if not isms.scope or re.search(r"除く|対象外|含まない", isms.scope) or scope_covers(isms.scope, run.docs) is False:
                return Decision(Status.NEEDS_REVIEW, "isms-scope", ev([isms] + [m for m in stated if m is not isms], "scope"), {"scope": (isms.scope or "").strip(" :：")})
            return Decision(Status.OK, "isms", ev([isms] + [m for m in stated if m is not isms], "scope"), {"scope": isms.scope.strip(" :：")})
        has_form = any(d.has_kind("consultation", "certificate") for d in run.docs)
        if own:
            return Decision(Status.MISSING, "none-stated", ev(own))
        return Decision(Status.MISSING if has_form else Status.NOT_APPLICABLE, "absent")

    if part == "number":
        if not pm:
            return Decision(Status.NOT_APPLICABLE, "no-mark")
        with_num = [m for m in pm if m.number]
        if not with_num:
            return Decision(Status.NEEDS_REVIEW, "no-number", ev(pm))
        m = with_num[0]
        shown = m.number + (f"({m.count})" if m.count else "")
        vals = {"number": shown, "body": m.number[:2]}
        if len(m.number) != 8:
            return Decision(Status.NEEDS_REVIEW, "malformed", ev([m], "number"), vals)
        if m.count and int(m.count) == 1:
            return Decision(Status.OK, "first-grant", ev([m], "number"), vals)
        return Decision(Status.OK, "ok", ev([m], "number"), vals)

    cs, ce, psent, pdoc = contract_period(run.docs_of(None))
    as_of = run.as_of

    def judge(m: MarkRecord) -> tuple[Status, str, dict]:
        vals = {"end": _fmt(m.end), "contract_end": _fmt(ce), "as_of": _fmt(as_of), "contract_start": _fmt(cs)}
        if m.end is None:
            return Status.NEEDS_REVIEW, "no-period", vals
        if m.end < as_of and (ce is None or m.end < ce):
            if m.renewal:
                return Status.NEEDS_REVIEW, "renewal-pending", vals
            return Status.VIOLATION, "expired", vals
        if ce is None:
            return Status.NEEDS_REVIEW, "no-contract-period", vals
        if m.end < ce:
            return Status.NEEDS_REVIEW, "expires-during", vals
        return Status.OK, "ok", vals

    if part == "expiry":
        if not stated:
            return Decision(Status.NOT_APPLICABLE, "no-mark")
        with_end = [m for m in stated if m.end is not None] or stated
        results = [(judge(m), m) for m in with_end]
        # the best statement of the contractor's validity decides (a later, renewed mark wins)
        (st, code, vals), m = min(results, key=lambda r: r[0][0].rank)
        e = ev([m], "end")
        if psent is not None and pdoc is not None:
            e.append((pdoc, psent))
        return Decision(st, code, e, vals)

    if part == "subcontractor":
        subs = [m for m in marks if m.owner == "subcontractor"]
        good = [m for m in subs if m.kind != "none"]
        if not good:
            return Decision(Status.NEEDS_REVIEW, "none-stated" if subs else "absent", ev(subs))
        (st, code, vals), m = min(((judge(m), m) for m in good), key=lambda r: r[0][0].rank)
        # SPEC: ok only where the mark is stated *and valid on the reference date*; a mark stated
        # without its validity period cannot be shown valid (no-period: needs_review, as for the
        # contractor's expiry)
        if st is Status.OK:
            return Decision(Status.OK, "ok", ev([m], "end"), vals)
        if code == "no-contract-period" and m.end is not None and m.end >= as_of:
            return Decision(Status.OK, "ok", ev([m], "end"), vals)
        return Decision(Status.NEEDS_REVIEW, code, ev([m], "end"), vals)

    raise ValueError(f"privacy_mark: unknown part {part!r}")


EVALUATORS: dict[str, Callable] = {
    "privacy-mark": privacy_mark,
}
