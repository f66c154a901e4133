"""From a :class:`RawDocument` to a structured :class:`Document`.

Normalises the text (:mod:`checker.normalize`), then walks the units in order and keeps
track of where each sentence stands:

* **articles** 第N条 / 第N (also 「第 ５ 条」, kanji numbers, 第N条の2), with their caption in
  parentheses （）, 【】 or 〔〕 after the number or on the line above;
* **numbered paragraphs** (2 / ２ / 第2項) and **items** ((1), ⑴, （１）, ①, 一, ア, (ア), a.);
* **別記 / 別紙 sections** (an appended part with its own numbering, also an appended
  特記事項 without the word 別記, or a restart of the numbering);
* **headings** of prose consultation forms (「４ 再委託の内容」, 「第２ 取り扱う個人情報」,
  explicit headings of text/DOCX files);
* **form fields**: table rows (label cell, value cell; a label split over two cells) and
  prose (「１ 件名 …」, 「(2) 委託先 …」, 「件名：…」, a heading followed by paragraphs);
* the preamble's **parties** (以下「甲」という。, 発注者/受注者, 委託者/受託者) and which of
  them is the city (``Document.roles``);
* **dates**, the **periods** and the **contract period** (契約期間, 履行期間, 委託期間 …).

Citation conventions (``Sentence.clause``): article label with arabic digits, then 第N項 for
paragraphs 2 and later, then item labels: "第7条", "第7条第2項", "第7条第2項(1)", "第8(1)ア",
"第7条第1号" (kanji items 一, 二 are 号). Inside a 別記/別紙 section the section label comes
first: "別記第9第2項". Outside articles, items under a numbered heading cite the heading
number: "7(2)", "第3(2)". Table-field sentences have no clause (they cite ``field``), except
inside a contract article ("第3条"). Items ①…⑳ keep their circle; (ア) keeps its parentheses.

Field labels (``Field.label``, ``Sentence.field``): the label as written, normalised (NFKC,
spaces removed) without its numbering, bullets, brackets or colon: 「１　件名」→"件名",
「(2) 委託先：」→"委託先", 「【委託理由】」→"委託理由"; a label split over two cells is
joined ("再委託" + "有無" → "再委託の有無", "再委託" + "再委託先" → "再委託先"). A heading
followed by paragraphs is a field too, labelled by the heading without its number.

Headings (``Sentence.heading``): the normalised text of the nearest section heading of a
form, number included: "4 再委託の内容", "第2 取り扱う個人情報"; in a 別記/別紙 part, the
part's heading ("別記 個人情報取扱特記事項"). The document title is no heading.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field, replace

from checker.dates import dominant_era, find_dates, find_periods, kanji_to_int
from checker.kinds import CERT_PART_TITLE as _PART_TITLE
from checker.model import Clause, DateMention, Document, Field, Period, RawDocument, Sentence
from checker.normalize import Unit, normalize_document

__all__ = ["build_document", "split_sentences", "PERIOD_WORDS"]

# --------------------------------------------------------------------------- patterns
_KN = "一二三四五六七八九十百〇"
_NUM = rf"(?:\d{{1,3}}|[{_KN}]{{1,4}})"
_OPEN, _CLOSE = "(【〔[<", ")】〕]>"
_CAP = r"[(【〔\[]\s*(?P<cap>[^()【】〔〕\[\]]{1,40}?)\s*[)】〕\]]"

_ART_BODY_START = r"(?=\s|[(【〔\[]|$|甲|乙|丙|受注者|受託者|発注者|委託者|この|本|市|町|村|事業者|契約)"
ARTICLE_JO = re.compile(
    rf"^第\s*(?P<n>{_NUM})\s*条(?:\s*の\s*(?P<sub>{_NUM}))?{_ART_BODY_START}\s*(?:{_CAP})?\s*(?P<rest>.*)$", re.S)
ARTICLE_BARE = re.compile(rf"^第\s*(?P<n>{_NUM})(?=\s|[(【〔\[]|$)\s*(?:{_CAP})?\s*(?P<rest>.*)$", re.S)
CHAPTER = re.compile(rf"^第\s*{_NUM}\s*[章節款編](?:\s|$)")
CAPTION_ONLY = re.compile(r"^[(【〔\[]\s*(?P<cap>[^()【】〔〕\[\]]{1,40}?)\s*[)】〕\]]$")
PARAGRAPH = re.compile(
    r"^(?:第\s*(?P<k>\d{1,2})\s*項|(?P<n>\d{1,2})(?:\s+|(?=(?:甲|乙|丙|受注者|受託者|発注者|委託者|前項|前各項|前条|市は|本市|この|当該)))"
    r")\s*(?P<rest>.*)$", re.S)
SECTION = re.compile(
    r"^[(（]?(?P<label>(?:別記|別紙|別添|別表|附則|付則)(?:\s*(?:第\s*)?[0-9一二三四五六七八九十]{1,3}(?:\s*号)?)?)[)）]?"
    r"\s*(?P<rest>.*)$", re.S)
_ITEM_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("paren", re.compile(r"^\(\s*(?P<v>\d{1,3})\s*\)\s*(?P<rest>.*)$", re.S)),
    ("paren_kanji", re.compile(r"^\(\s*(?P<v>[一二三四五六七八九十]{1,3})\s*\)\s*(?P<rest>.*)$", re.S)),
    ("paren_kata", re.compile(r"^\(\s*(?P<v>[ア-ン])\s*\)\s*(?P<rest>.*)$", re.S)),
    ("circle", re.compile(r"^(?P<v>[\u2460-\u2473])\s*(?P<rest>.*)$", re.S)),
    ("kanji", re.compile(r"^(?P<v>[一二三四五六七八九十]{1,3})(?:\s+|[、.]\s*)(?P<rest>.*)$", re.S)),
    ("kata", re.compile(r"^(?P<v>[アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ])(?:\s+|[.)]\s*)(?P<rest>.*)$", re.S)),
    ("latin", re.compile(r"^(?P<v>[a-z])[.)]\s+(?P<rest>.*)$", re.S)),
    ("num_dot", re.compile(r"^(?P<v>\d{1,2})[.)](?!\d)\s*(?P<rest>.*)$", re.S)),
]
# a numbered heading outside articles: 「４ 再委託」「1. 件名」「(2) 委託先」「一 委託の目的」
NUMBERED = re.compile(
    r"^(?P<num>\d{1,2}(?:[.．、)]|\s)|\(\s*\d{1,2}\s*\)|[\u2460-\u2473]|[一二三四五六七八九十]{1,3}[、.\s]|[アイウエオカキクケコ][.\s)]|\([アイウエオカキクケコ]\))\s*(?P<rest>.+)$",
    re.S)
_HEADING_KANA_END = re.compile(r"(?:について|に関して|に関すること|に係ること|のこと|等|など|その他)$")
# a heading ending in the okurigana of a verb noun (「個人情報の取扱い」「資料の引渡し」「お問合せ」),
# not a clause saying something (「責任者のみがパスワードを知る」「端末に保存し」)
_NOMINAL_END = re.compile(r"[\u4e00-\u9fff々][いしりえきちせけれめべみびぎじ]$")
_BOUND_NI = re.compile(r"に(?:関する|係る|おける|よる|対する|ついての|伴う)")


def _nominal_heading(rest: str) -> bool:
    return bool(_NOMINAL_END.search(rest)) and not re.search(r"[はがをにてへ]", _BOUND_NI.sub("", rest))


_TIMING_LABEL = re.compile(r"(?:時|際|前|後|まで|から|場合|とき|都度|ごと|毎)$")
LABEL_VALUE = re.compile(r"^(?P<label>[^\s:、。「」()]{1,20}?)\s*[:]\s*(?P<value>.+)$", re.S)
LABEL_SPACE_VALUE = re.compile(r"^(?P<label>[^\s:、。「」()]{1,20})\s+(?P<value>\S.*)$", re.S)
_TOC_LINE = re.compile(r"(?:\.{3,}|・{3,}|･{3,}|-{4,}|_{4,})\s*\d{1,3}$")
_LABEL_NOUN = re.compile(r"(?:名|名称|日|先|委託|有無|納期|理由|内容|期間|期限|場所|方法|措置|項目|者|課|番号|範囲|有無|体制|目的|概要|件数|対象|媒体|資料|情報)$")
_PARTICLE_START = re.compile(r"^[はがをにでとのもへや、。]")
_CLOSING = re.compile(r"(?:締結|成立)を証する|記名(?:押|捺)印|署名(?:押|捺)印|本書\s*\d+\s*通を作成|電子署名を(?:行|施)")
_PARTICLE_END = re.compile(r"(?:は|が|を|に|で|と|の|も|へ|や|から|より|ため|とき|場合|こと|もの)$")
_TITLE_WORDS = re.compile(
    r"契約書|約款|特記事項|特約条項|注意事項|諮問|仕様書|登録証|認定証|証明書|認証書|届出|協議書|申請書|"
    r"について|計画書|確認書|同意書|覚書|協定書|要領|要綱|通知書|誓約書|報告書|付与|登録|審査|仕様|内容書|説明書|水準書|"
    r"届出書|申請書|協議書|登録証|認証書|約款")
PERIOD_WORDS = ("契約期間", "履行期間", "委託期間", "契約の期間", "業務期間", "委託の期間", "履行の期間",
                "業務の期間", "実施期間", "作業期間", "期間")
_PERIOD_LABEL = re.compile(r"(契約期間|履行期間|委託期間|契約の期間|業務期間|委託の期間|履行の期間|業務の期間|実施期間|作業期間|履行期限|委託期限)")
_DEADLINE = re.compile(r"(有効期限|履行期限|委託期限|契約期限)\s*(?:[:は、]\s*)*")
_VALIDITY_LABEL = re.compile(r"(有効期間|有効期限|認証期間|登録期間|付与期間|適用期間)")
_HEADER_LABELS = {"項目", "区分", "事項", "名称", "内容", "記載事項", "摘要", "備考", "記載内容", "概要"}

_PARTY_ALIASES = {"甲", "乙", "丙", "丁", "発注者", "受注者", "委託者", "受託者", "委託先", "受託事業者",
                  "事業者", "市", "町", "村", "区", "県", "本市", "当市", "契約者"}
_CITY_ROLE = {"発注者", "委託者", "市", "町", "村", "区", "県", "本市", "当市"}
_CONTRACTOR_ROLE = {"受注者", "受託者", "委託先", "受託事業者", "事業者", "契約者"}
_ROLE_WORD = re.compile(r"^(?:発注者|受注者|委託者|受託者|委託先|甲|乙)\s*")
_PARTY_RE = re.compile(r"\(以下\s*「(?P<alias>[^」]{1,8})」\s*(?:という|と称する|と略す)[^)]{0,6}\)")
_PARTY_PAIR = re.compile(
    r"(?P<r1>発注者|委託者)\s*(?P<a>[^、。\s()]{2,30}?)\s*(?:と|及び)\s*(?P<r2>受注者|受託者)\s*(?P<b>[^、。\s()]{2,40}?)\s*(?:と)?(?:は|が)[、\s]")
# public bodies that let work out besides 市町村 and 県: 公営企業 (水道局, 交通局, 病院), 委員会,
# 一部事務組合・広域連合, the state's branch offices and their officers
_PUBLIC_BODY = re.compile(
    r"(?:水道局|交通局|企業局|下水道局|病院|教育委員会|選挙管理委員会|委員会|広域連合|事務組合|消防組合|"
    r"企業団|組合|連合|"
    r"労働局|事務所長|庁|省|管理者|病院長|教育長|担当官|市長|町長|村長|区長|知事|局長|企業長|組合長)$")
_COMPANY_NAME = re.compile(r"^(?:株式会社|有限会社|合同会社|合資会社|[^\s、]{0,8}法人)\S|\S(?:株式会社|有限会社|合同会社|協同組合)$")
_DEFINED_TERM = re.compile(r"業務|情報|従事|作業|責任|担当|資料|データ|書類|期間|契約|事項|記録|通知|対象|個人|等$")
_PARTICLE_IN_NAME = re.compile(r"[がをにでへ]|から|する|した|される|に係る|による")
_CITY_NAME = re.compile(r"(?:市|町|村|区|県|都|道|府|広域連合|事務組合)(?:長)?$|(?:市長|町長|村長|区長|知事)")


_AUTO = object()


def _arabic(s: str) -> int | None:
    return kanji_to_int(s.replace(" ", ""))


# --------------------------------------------------------------------------- sentences
def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of sentences: end at 。 (or a full stop between Japanese characters), not
    inside 「」『』 or ()【】; an unbalanced bracket is ignored rather than swallowing the rest."""
    spans = _split(text, True)
    return spans if spans is not None else _split(text, False) or []


def _split(text: str, nest: bool) -> list[tuple[int, int]] | None:
    out: list[tuple[int, int]] = []
    depth = 0
    start = 0
    n = len(text)
    for i, ch in enumerate(text):
        if nest and ch in "「『(【〔":
            depth += 1
        elif nest and ch in "」』)】〕":
            depth = max(0, depth - 1)
        end_here = False
        if depth == 0:
            if ch == "。":
                end_here = True
            elif ch in ".．" and 0 < i < n - 1 and ord(text[i - 1]) > 0x2E80 and (text[i + 1] == " " or ord(text[i + 1]) > 0x2E80):
                end_here = True
        if end_here:
            j = i + 1
            while j < n and text[j] in "」』)】 ":
                j += 1
            if text[start:j].strip():
                out.append((start, j))
            start = j
    if nest and depth > 0:
        return None
    if start < n and text[start:].strip():
        out.append((start, n))
    # trim spaces
    res = []
    for a, b in out:
        while a < b and text[a] == " ":
            a += 1
        while b > a and text[b - 1] == " ":
            b -= 1
        if a < b:
            res.append((a, b))
    return res


# --------------------------------------------------------------------------- builder
@dataclass
class _Art:
    label: str
    number: int
    caption: str | None
    page: int
    section: str | None
    idx: list[int] = dc_field(default_factory=list)
    heading_like: bool = False  # 「第1 委託の概要」: a section heading of a form, not a contract article


@dataclass
class _FieldAcc:
    label: str
    page: int
    values: list[str] = dc_field(default_factory=list)
    idx: list[int] = dc_field(default_factory=list)


class _Builder:
    def __init__(self, units: list[Unit]):
        self.units = units
        self.sentences: list[Sentence] = []
        self.articles: list[_Art] = []
        self.fields: list[_FieldAcc] = []
        self.section: str | None = None
        self.art: _Art | None = None
        self.para: int | None = None
        self.items: list[tuple[str, str]] = []
        self.heading: str | None = None
        self.heading_num: str | None = None
        self.prose_field: _FieldAcc | None = None  # heading followed by paragraphs
        self.pending_caption: str | None = None
        self.seen_article = False
        self.last_row_label: str | None = None
        self.last_row_acc: _FieldAcc | None = None
        self.headings: list[str] = []
        self.cut_row_x0: float | None = None  # x of the value lines of a row cut by a page break

    # ---- emit
    def emit(self, unit: Unit, a: int, b: int, *, clause: str | None | object = _AUTO,
             field_label: str | None = None) -> None:
        """Sentences of unit.text[a:b] with the current context."""
        seg = unit.text[a:b]
        for s0, s1 in split_sentences(seg):
            ta, tb = a + s0, a + s1
            text = unit.text[ta:tb]
            if not re.search(r"[\w\u3040-\u30ff\u4e00-\u9fff]", text):
                continue
            idx = len(self.sentences)
            art = self.art
            sent = Sentence(
                text=text, page=unit.page_at(ta), index=idx, raw=unit.raw_slice(ta, tb).strip(),
                clause=self.clause_label() if clause is _AUTO else clause,
                article=(self.art_label(art) if art else None),
                caption=art.caption if art else None,
                field=field_label,
                section=self.section,
                heading=self.heading,
            )
            self.sentences.append(sent)
            if art is not None and sent.clause is not None:
                art.idx.append(idx)
            acc = self.prose_field
            if field_label is not None and acc is not None and field_label == acc.label:
                acc.idx.append(idx)
                acc.values.append(text)

    def art_label(self, art: _Art) -> str:
        return (art.section or "") + art.label if art.section else art.label

    def clause_label(self) -> str | None:
        items = "".join(lbl for _, lbl in self.items)
        if self.art is not None:
            base = self.art_label(self.art)
            if self.para and self.para >= 2:
                base += f"第{self.para}項"
            return base + items
        if self.heading_num and items:
            return self.heading_num + items
        return None

    # ---- walk
    def run(self) -> None:
        units = self.units
        on_page = 0  # units seen so far on the current page
        for i, u in enumerate(units):
            nxt = units[i + 1] if i + 1 < len(units) else None
            on_page = on_page + 1 if i and units[i - 1].page == u.page else 1
            if i and on_page <= 2 and u.kind != "table_row" and _PART_TITLE.match(u.text):
                # a page opening with a certificate's title (プライバシーマーク登録証 appended to
                # special provisions): another document begins; no article or 別記 runs on
                self.art = None
                self.para = None
                self.section = None
                self.pending_caption = None
                self.last_row_label = None
                self.last_row_acc = None
                self.set_heading(u.text, None)
                # the title is the certificate's own statement of what it is (「プライバシーマーク
                # 登録証」): a sentence of the part, so the mark it names is read with it
                self.emit(u, 0, len(u.text), clause=None)
                continue
            if u.kind == "table_row":
                self.on_row(u, nxt)
                continue
            self.last_row_label = None
            self.last_row_acc = None
            t = u.text
            if not t or _TOC_LINE.search(t):
                continue  # empty, or a table-of-contents line 「第1条 目的……1」
            # 別記 / 別紙 sections
            if self.on_section(u):
                continue
            # a caption alone on its line: belongs to the next article, else a field label
            m = CAPTION_ONLY.match(t)
            if m:
                if nxt is not None and nxt.kind != "table_row" and self.is_article(nxt.text):
                    self.pending_caption = m.group("cap").strip()
                    continue
                if self.art is None:
                    self.headings.append(t)
                    self.start_prose_field(m.group("cap").strip(), u.page)
                    continue
            if CHAPTER.match(t):
                self.set_heading(t, None)
                continue
            if self.on_article(u, nxt):
                continue
            self.pending_caption = None
            if u.kind == "heading" and not self.sentences and not self.headings and _TITLE_WORDS.search(t) \
                    and not NUMBERED.match(t) and len(t) <= 60:
                # the document's title set in Word's 見出し1 (Heading 1): a title, as in the
                # text and PDF renderings, not a heading (a field) of the lines below it
                u = replace(u, kind="title")
            if u.kind in ("title", "heading"):
                self.on_heading(u)
                continue
            if self.art is not None:
                self.on_article_body(u)
                continue
            self.on_free_paragraph(u, nxt)

    def is_article(self, t: str) -> bool:
        return bool(ARTICLE_JO.match(t) or (ARTICLE_BARE.match(t) and not CHAPTER.match(t)))

    # ---- sections
    def on_section(self, u: Unit) -> bool:
        t = u.text
        m = SECTION.match(t)
        if m and len(t) <= 60 and "。" not in t and not t.startswith(("別紙のとおり", "別記のとおり")) \
                and not re.match(r"^[(（]?(?:別記|別紙|別添|別表)[^\s(「【]*?(?:のとおり|に定める|による)", t):
            label = re.sub(r"\s+", "", m.group("label"))
            if not self.articles and not self.seen_article and u.page == 1 \
                    and not any("。" in x.text for x in self.sentences) and len(self.sentences) <= 3:
                # 「別記」 over the document's own title: the whole document is that 別記 (a
                # standalone 特記事項 printed as the contract's annex); its articles are its own
                self.headings.append(t)
                return True
            self.open_section(label, u)
            self.set_heading(t, None, reset_fields=True)
            return True
        if self.seen_article and u.kind != "table_row" and len(t) <= 40 and "。" not in t \
                and re.search(r"(特記事項|特約条項|取扱注意事項|個人情報の保護に関する(?:特記事項|事項))$", t) \
                and not self.is_article(t):
            label = "特記事項" if "特記事項" in t else ("特約条項" if "特約条項" in t else "別記")
            if self.section is None:
                self.open_section(label, u)
            self.set_heading(t, None, reset_fields=True)
            return True
        return False

    def open_section(self, label: str, u: Unit) -> None:
        self.section = label
        self.art = None
        self.para = None
        self.items = []
        self.heading = None
        self.heading_num = None
        self.prose_field = None

    # ---- articles
    def on_article(self, u: Unit, nxt: Unit | None) -> bool:
        t = u.text
        m = ARTICLE_JO.match(t)
        bare = False
        if not m:
            m = ARTICLE_BARE.match(t)
            bare = True
            if not m or CHAPTER.match(t):
                return False
        n = _arabic(m.group("n"))
        if n is None:
            return False
        label = f"第{n}条" if not bare else f"第{n}"
        if not bare and m.group("sub"):
            label += f"の{_arabic(m.group('sub'))}"
        caption = m.group("cap").strip() if m.group("cap") else None
        rest = m.group("rest").strip()
        rest_start = m.start("rest") if rest else len(t)
        if caption is None and self.pending_caption:
            caption = self.pending_caption
        self.pending_caption = None
        heading_like = False
        if caption is None and rest and len(rest) <= 30 and "。" not in rest and not re.search(r"[、,]", rest):
            # 「第５条 再委託の禁止」 with the body below, or a consultation heading 「第１ 委託の概要」
            caption = rest.strip("()【】〔〕 ")
            rest = ""
            heading_like = True
        # numbering restarting inside the same part: an appended part without a 別記 heading
        if self.art is not None and self.section is None and n == 1 and self.art.number >= 2 \
                and self.seen_article:
            self.section = "別記"
        art = _Art(label, n, caption, u.page, self.section, heading_like=bare and heading_like)
        self.articles.append(art)
        self.art = art
        self.seen_article = True
        self.para = None
        self.items = []
        self.prose_field = None
        if bare and heading_like:
            self.headings.append(t)
            if u.kind == "heading" or (self.section is None and not any(a.label.endswith("条") for a in self.articles)):
                # a form's section heading 「第1 委託の概要」: heading and field label
                self.heading = t
                self.heading_num = label
                self.start_prose_field(caption, u.page)
        if rest:
            self.emit(u, rest_start, len(t))
        return True

    def on_article_body(self, u: Unit) -> None:
        t = u.text
        if _CLOSING.search(t) and not PARAGRAPH.match(t):
            # 「この契約の締結を証するため…記名押印の上…」: the signature part, no article
            self.art = None
            self.para = None
            self.items = []
            self.emit(u, 0, len(t))
            return
        pm = PARAGRAPH.match(t)
        if pm:
            n = int(pm.group("k") or pm.group("n"))
            if n == 1 and not self.para and not self.items:
                # 「1 委託契約書には…」: the first paragraph numbered explicitly
                self.emit(u, pm.start("rest"), len(t))
                return
            if 2 <= n <= 99:
                self.para = n
                self.items = []
                self.emit(u, pm.start("rest"), len(t))
                return
        pf = self.prose_field.label if self.prose_field else None
        if self.on_item(u, field_label=pf):
            return
        self.emit(u, 0, len(t), field_label=pf)

    def on_item(self, u: Unit, field_label: str | None = None) -> bool:
        t = u.text
        for style, pat in _ITEM_PATTERNS:
            m = pat.match(t)
            if not m:
                continue
            if style == "num_dot" and self.art is not None:
                continue
            v = m.group("v")
            if style in ("paren", "num_dot"):
                lbl = f"({int(v)})"
            elif style == "paren_kanji":
                lbl = f"({v})"
            elif style == "kanji":
                lbl = f"第{_arabic(v)}号"
            elif style == "paren_kata":
                lbl = f"({v})"
            else:
                lbl = v
            styles = [s for s, _ in self.items]
            if style in styles:
                self.items = self.items[:styles.index(style)]
            self.items.append((style, lbl))
            self.emit(u, m.start("rest"), len(t), field_label=field_label)
            return True
        return False

    # ---- headings and prose forms
    def set_heading(self, text: str, num: str | None, reset_fields: bool = True) -> None:
        self.headings.append(text)
        self.heading = text
        self.heading_num = num
        self.items = []
        if reset_fields:
            self.prose_field = None

    def start_prose_field(self, label: str, page: int) -> None:
        label = _clean_label(label)
        if not label:
            return
        acc = _FieldAcc(label, page)
        self.fields.append(acc)
        self.prose_field = acc

    def on_heading(self, u: Unit) -> None:
        t = u.text
        if u.kind == "title":
            # a title mid-document (a second part) ends the article context; the title is
            # no heading of the sentences below it
            if self.seen_article:
                self.art = None
            self.set_heading(t, None)
            self.heading = None
            return
        self.art = None
        self.para = None
        m = NUMBERED.match(t)
        num = _heading_number(m.group("num")) if m else None
        if m and _is_sub_number(m.group("num")):
            # 「(1) 件名」 as a heading: a sub-heading, as the same line in a PDF reads
            self.headings.append(t)
            self.items = [("paren", f"({num})" if num and num.isascii() and num.isdigit() else m.group("num").strip())]
            self.start_prose_field(m.group("rest"), u.page)
            return
        self.set_heading(t, num)
        self.start_prose_field(m.group("rest") if m else t, u.page)

    def on_free_paragraph(self, u: Unit, nxt: Unit | None) -> None:
        """A paragraph outside any article: prose form fields, numbered headings, items."""
        t = u.text
        if self.cut_row_x0 is not None and (u.x0 is None or u.x0 < self.cut_row_x0 - 8.0):
            self.prose_field = None  # back at the left margin: past the cut row's value
            self.cut_row_x0 = None
        m = NUMBERED.match(t)
        if m:
            rest = m.group("rest").strip()
            num = _heading_number(m.group("num"))
            is_sub = _is_sub_number(m.group("num"))
            # 「1 件名 令和9年度…」「(2) 委託先: 株式会社…」
            fv = LABEL_VALUE.match(rest) or LABEL_SPACE_VALUE.match(rest)
            if fv and _TIMING_LABEL.search(fv.group("label")) and not LABEL_VALUE.match(rest):
                # 「イ 退職時 退職後も…誓約書」: a time or occasion opening an item is part of
                # what the item says, not a form label (its words must stay in the sentence)
                if self.on_item(u, field_label=self.prose_field.label if self.prose_field else None):
                    return
                fv = None
            if fv and _plausible_label(fv.group("label")) and not fv.group("value").startswith(("|",)):
                label = _clean_label(fv.group("label"))
                acc = _FieldAcc(label, u.page)
                self.fields.append(acc)
                saved = self.prose_field
                self.prose_field = acc
                if not is_sub:
                    self.items = []
                self.emit(u, m.start("rest") + fv.start("value"), len(t), field_label=label)
                self.prose_field = saved if is_sub else None
                return
            # a short numbered line without a full stop: a heading (and a field label)
            # (a line saying something - ending in a verb or particle: 「(1) 責任者のみがパスワードを知る」 -
            # is an item typed without 。, whose words must stay in a sentence)
            if len(rest) <= 40 and "。" not in rest and (not re.search(r"[\u3041-\u309f]$", rest)
                                                         or _HEADING_KANA_END.search(rest) or _nominal_heading(rest)):
                if is_sub:
                    self.items = [("paren", f"({num})" if num and num.isascii() and num.isdigit() else m.group("num").strip())]
                    self.start_prose_field(rest, u.page)
                else:
                    self.set_heading(t, num)
                    self.start_prose_field(rest, u.page)
                return
        # unnumbered 「件名：…」
        fv = LABEL_VALUE.match(t)
        if not (fv and _plausible_label(fv.group("label")) and len(fv.group("label")) <= 15):
            # 「件名 令和9年度…」: a form laid out without ruled lines, label and value apart
            fv = LABEL_SPACE_VALUE.match(t)
            if fv and not (_LABEL_NOUN.search(fv.group("label")) and len(fv.group("label")) <= 14
                           and _plausible_label(fv.group("label")) and not _PARTICLE_START.match(fv.group("value"))):
                fv = None
        if fv and _plausible_label(fv.group("label")) and len(fv.group("label")) <= 15:
            label = _clean_label(fv.group("label"))
            acc = _FieldAcc(label, u.page)
            self.fields.append(acc)
            saved = self.prose_field
            self.prose_field = acc
            self.emit(u, fv.start("value"), len(t), field_label=label)
            self.prose_field = saved
            return
        if self.heading_num and self.on_item(u, field_label=self.prose_field.label if self.prose_field else None):
            return
        pf = self.prose_field
        if m and not is_sub and self.art is None and "。" in m.group("rest") and not self.seen_article:
            # 「一　受託者は、…しなければならない。」: a contract numbered 一、二… (or 1、2…)
            # without 第N条 - each numbered provision is a clause of its own, so a rule reading
            # an article never joins the whole contract into one
            num_label = m.group("num").strip().rstrip("、.．)）").strip()
            self.emit(u, m.start("rest"), len(t), clause=num_label or None,
                      field_label=pf.label if pf else None)
            return
        self.emit(u, 0, len(t), field_label=pf.label if pf else None)

    # ---- tables
    def on_row(self, u: Unit, nxt: Unit | None = None) -> None:
        self.cut_row_x0 = None
        cells = [c for c in u.cells]
        texts = [c.text for c in cells]
        nonempty = [i for i, c in enumerate(texts) if c]
        if not nonempty:
            return
        if len(nonempty) == 1:
            c = cells[nonempty[0]]
            acc = self.last_row_acc
            if nonempty[0] > 0 and acc is not None:
                # a row continued (across a page break): the label cell is empty
                saved = self.prose_field
                self.prose_field = acc
                self.emit(c, 0, len(c.text), clause=None, field_label=acc.label)
                self.prose_field = saved
                return
            if self.on_section(c):
                return
            if nxt is not None and nxt.kind == "paragraph" and _is_label_cell(c.text, strict=True) \
                    and _plausible_label(c.text) and (self.last_row_acc is not None or self.fields):
                # a table's last row cut by a page break: the label cell was found, its value
                # came out as the lines below (「契約終了後の取扱い」 + 「受託者は、…」)
                self.start_prose_field(c.text, u.page)
                self.last_row_acc = None
                self.cut_row_x0 = nxt.x0  # the value column: a line left of it is no longer the value
                return
            self.emit(c, 0, len(c.text))
            return
        pairs = _row_fields(texts, self.last_row_label)
        if pairs is None:  # a header row
            return
        for label_idx, value_idx, label in pairs:
            if not value_idx:
                continue
            acc = _FieldAcc(label, u.page)
            self.fields.append(acc)
            saved = self.prose_field
            self.prose_field = acc
            for vi in value_idx:
                c = cells[vi]
                self.emit(c, 0, len(c.text), clause=self.clause_label() if self.art is not None and not self.art.heading_like else None,
                          field_label=label)
                # emit uses the current article context for 'article'; table fields cite fields
            self.prose_field = saved
            if not acc.values:
                acc.values.append("")
            self.last_row_acc = acc
        self.last_row_label = texts[0] or self.last_row_label


def _row_fields(texts: list[str], carried: str | None) -> list[tuple[list[int], list[int], str]] | None:
    """(label cells, value cells, label) for a table row; None for a header row."""
    n = len(texts)
    c = texts
    if n >= 2 and _clean_label(c[0]) in _HEADER_LABELS and _clean_label(c[-1]) in _HEADER_LABELS:
        return None
    if n >= 3 and re.fullmatch(r"(?i)no\.?|番号|項番|#|連番|順", c[0].strip()) and _clean_label(c[1]) in _HEADER_LABELS:
        return None  # the header of a table with a row-number column (「No. | 項目 | 内容」)
    if not c[0] and carried:
        c = [carried] + c[1:]
    if n >= 3 and _NUM_CELL.match(c[0].strip()) and c[1] and not _NUM_CELL.match(c[1].strip()):
        # a leading number column (「| 7 | 再委託の有無 | 有（…） |」): the row's own number,
        # no label; the label and value follow it
        rest = _row_fields(list(c[1:]), None)
        if rest is None:
            return None
        return [([i + 1 for i in li], [i + 1 for i in vi], label) for li, vi, label in rest]
    if n == 2:
        return [([0], [1], _clean_label(c[0]))]
    if n == 3:
        if c[1] and _is_label_cell(c[1]) and c[2] and _is_label_cell(c[0]):
            return [([0, 1], [2], _clean_label(_join_label(c[0], c[1])))]
        return [([0], [1, 2] if c[2] else [1], _clean_label(c[0]))]
    if n == 4 and _is_label_cell(c[0]) and _is_label_cell(c[2]) and c[1] and c[3] \
            and c[1] not in ("有無", "有・無", "の有無"):
        return [([0], [1], _clean_label(c[0])), ([2], [3], _clean_label(c[2]))]
    return [([0], list(range(1, n)), _clean_label(c[0]))]


# a cell holding only a row number: 7, 7., (7), ⑦, 七, ア, No.7
_NUM_CELL = re.compile(r"^(?:(?:No\.?\s*)?\d{1,3}[.．、)）]?|[(（]\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3}|[アイウエオカキクケコ])\s*[)）]"
                       r"|[\u2460-\u2473\u2776-\u277f]|[一二三四五六七八九十]{1,3}[.．、]?|[アイウエオカキクケコ][.．)）]?)$")


def _join_label(a: str, b: str) -> str:
    a, b = _clean_label(a), _clean_label(b)
    if b.startswith(a):
        return b
    if b in ("有無", "有・無", "の有無"):
        return a + "の有無"
    return a + b


def _is_label_cell(s: str, strict: bool = False) -> bool:
    s = s.strip()
    if not s or len(s) > (10 if strict else 16) or "。" in s or "、" in s:
        return False
    if re.search(r"\d{2,}|株式会社|有限会社|令和|平成|年|円|\d+\s*[月日]|^[\d\s.()/:-]+$", s):
        return False
    return True


def _plausible_label(label: str) -> bool:
    label = label.strip()
    if not label or len(label) > 20 or _PARTICLE_END.search(label):
        return False
    if re.search(r"[、。「」]", label):
        return False
    return True


_LABEL_NUM = re.compile(
    r"^(?:第\s*\d{1,3}\s*|\d{1,2}\s*[.．、)]?\s*|\(\s*\d{1,2}\s*\)\s*|[\u2460-\u2473]\s*|[一二三四五六七八九十]{1,3}\s*[、.]\s*"
    r"|[アイウエオカキクケコ]\s*[.)]\s*|\([アイウエオカキクケコ]\)\s*|[・●○■□◆◇▪※◎]\s*)")


def _clean_label(label: str) -> str:
    """A field label without its numbering, bullets, brackets, colon and spaces."""
    s = label.strip()
    for _ in range(2):
        s = _LABEL_NUM.sub("", s, count=1).strip()
    s = s.strip("【】[]〔〕<>()「」 :")
    s = re.sub(r"\s+", "", s)
    return s


def _is_sub_number(num: str) -> bool:
    """(1), ①, ア: the numbering of a second level."""
    num = num.strip()
    return num.startswith("(") or (bool(num) and (num[0] in "アイウエオカキクケコ" or 0x2460 <= ord(num[0]) <= 0x2473))


def _heading_number(num: str) -> str | None:
    s = num.strip().rstrip(".．、)").strip()
    s = s.strip("()")
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return str(int(s))
    v = _arabic(s) if all(ch in _KN for ch in s) else None
    return str(v) if v is not None else s


# --------------------------------------------------------------------------- parties
def _parties(sentences: list[Sentence], first_article_idx: int | None) -> tuple[dict[str, str], dict[str, str]]:
    pre = sentences[:first_article_idx] if first_article_idx is not None else sentences[:40]
    if first_article_idx is not None and not any(_PARTY_RE.search(s.text) or _PARTY_PAIR.search(s.text) for s in pre):
        # special provisions often define the parties in their first article
        pre = sentences[first_article_idx:first_article_idx + 3]
    parties: dict[str, str] = {}
    roles: dict[str, str] = {}
    for s in pre:
        t = s.text
        if s.field is not None:
            # a preamble line read as 「label value」 (「鷺沼市水道事業管理者 鷺沼 一郎(以下「管理者」…」):
            # the label is the start of the party's name
            if not _PARTY_RE.search(t):
                continue
            t = f"{s.field} {t}"
        prev_end = 0
        for m in _PARTY_RE.finditer(t):
            alias = m.group("alias").strip()
            seg = t[prev_end:m.start()]
            prev_end = m.end()
            name = re.split(r"[、。]|(?:^|(?<=\)))と|とは|及び", seg)[-1].strip()
            if alias not in _PARTY_ALIASES and not _body_alias(alias, name):
                continue
            name = re.sub(r"^(?:と|は|、)\s*", "", name)
            role_word = None
            rw = _ROLE_WORD.match(name)
            if rw and rw.group(0).strip() not in ("甲", "乙"):
                role_word = rw.group(0).strip()
                name = name[rw.end():].strip()
            if not name and role_word:
                name = role_word  # 「受託者（以下「乙」という。）」
            if not name or len(name) > 60:
                continue
            parties.setdefault(alias, name)
            role = _role_of(alias, name, role_word)
            if role:
                roles.setdefault(alias, role)
                if role_word:
                    roles.setdefault(role_word, role)
        if not parties:
            m2 = _PARTY_PAIR.search(t)
            if m2:
                parties.setdefault(m2.group("r1"), m2.group("a"))
                parties.setdefault(m2.group("r2"), m2.group("b"))
                roles.setdefault(m2.group("r1"), "city")
                roles.setdefault(m2.group("r2"), "contractor")
    # 甲/乙 with no telling name: the usual convention (甲 = the city)
    if "甲" in parties and "乙" in parties and ("甲" not in roles or "乙" not in roles):
        if roles.get("甲") != "contractor" and roles.get("乙") != "city":
            roles.setdefault("甲", "city")
            roles.setdefault("乙", "contractor")
    return parties, roles


def _body_alias(alias: str, name: str) -> bool:
    """An alias outside the usual party words is a party only when it names a public body
    (「…水道局（以下「局」という。）」) or a company (「株式会社…（以下「会社」という。）」),
    never a defined term such as 「本業務」「個人情報」「従事者」."""
    if not (1 <= len(alias) <= 6) or _DEFINED_TERM.search(alias):
        return False
    name = _ROLE_WORD.sub("", re.sub(r"^(?:と|は|、)\s*", "", name)).strip()
    if not name or len(name) > 40 or _PARTICLE_IN_NAME.search(name):
        return False
    if _is_public_body(name):
        return True
    return bool(_COMPANY_NAME.search(name)) and not alias.endswith("者")


def _is_public_body(name: str) -> bool:
    """「湊川市水道局」「北陵市教育委員会 教育長 北陵 花子」 (an officer's own name may follow);
    a hospital or office run by a corporation (医療法人…病院) is a contractor."""
    if re.search(r"法人|会社|\(株\)|\(有\)|協同組合|協業組合|労働組合|共済組合|組合連合会", name):
        return False
    return bool(_PUBLIC_BODY.search(name) or _PUBLIC_BODY.search(re.sub(r"\s+\S{1,6}\s*\S{0,6}$", "", name)))


def _role_of(alias: str, name: str, role_word: str | None) -> str | None:
    if role_word in _CITY_ROLE or alias in _CITY_ROLE:
        return "city"
    if role_word in _CONTRACTOR_ROLE or alias in _CONTRACTOR_ROLE:
        return "contractor"
    if _CITY_NAME.search(name) or _is_public_body(name):
        return "city"
    if re.search(r"株式会社|有限会社|合同会社|合資会社|法人|\(株\)|\(有\)|協会|組合|事務所|センター", name):
        return "contractor"
    return None


# --------------------------------------------------------------------------- title
def _title(units: list[Unit]) -> str | None:
    for u in units[:60]:
        if u.kind == "title" and u.text:
            return u.text
    # a PDF: the line set far larger than the body on the first page (not a running header
    # or a department name above it that happens to hold a title word)
    sized = [u for u in units[:25] if u.kind == "paragraph" and u.size and u.page == 1]
    if sized:
        body = sorted(u.size for u in units if u.size)[len([u for u in units if u.size]) // 2]
        big = [u for u in sized if u.size >= 1.25 * body and 2 <= len(u.text) <= 60 and "。" not in u.text]
        if big:
            top = max(u.size for u in big)
            first = next(u for u in big if u.size == top)
            # a long title set centred over two lines: 「…受診券作成・発」 + 「送及び…業務仕様書」
            k = units.index(first)
            title = first.text
            for nxt in units[k + 1:k + 3]:
                if nxt.kind == "paragraph" and nxt.size and abs(nxt.size - top) < 0.5 and nxt.page == first.page \
                        and "。" not in nxt.text and len(title) + len(nxt.text) <= 80:
                    title += nxt.text
                else:
                    break
            return title
    cands: list[str] = []
    for u in units[:25]:
        if u.page > 2:
            break
        if u.kind == "table_row":
            cells = [c.text for c in u.cells if c.text]
            if len(cells) == 1:
                cands.append(cells[0])
            continue
        cands.append(u.text)
    for t in cands:
        tt = t.strip()
        if not tt or len(tt) > 60 or "。" in tt:
            continue
        if re.match(r"^(?:(?:令和|平成|昭和)\s*(?:\d+|元)\s*年\s*\d+\s*月|\d{4}\s*年\s*\d+\s*月|第\s*\d|\d{1,2}\s)", tt) or re.search(r"第\s*\d+\s*号$|様$|殿$", tt):
            continue
        if _TITLE_WORDS.search(tt):
            return tt
    return None


# --------------------------------------------------------------------------- periods
def _periods(sentences: list[Sentence], fields: list[Field], hint: str | None) -> tuple[list[Period], Period | None]:
    periods: list[Period] = []
    contract: Period | None = None
    # fields first: 「委託期間 | 令和9年4月1日から令和10年3月31日まで」
    for f in fields:
        src = _PERIOD_LABEL.search(f.label) or _VALIDITY_LABEL.search(f.label)
        if not src:
            continue
        ps = find_periods(f.value, hint)
        per = None
        if ps:
            p = ps[0]
            per = Period(p.start, p.end, p.text, f.page, src.group(1))
        else:
            ds = find_dates(f.value, hint)
            if len(ds) == 1 and re.search(r"期限|まで", f.label + f.value):
                # 「履行期限 令和9年3月31日」: a deadline is the end of the period
                per = Period(None, ds[0].end_date, ds[0].text, f.page, src.group(1))
        if per is not None:
            periods.append(per)
            if contract is None and _PERIOD_LABEL.search(f.label):
                contract = per
    for s in sentences:
        ps = find_periods(s.text, hint)
        if not ps:
            # 「有効期限：2028年3月31日」「履行期限は、令和9年3月31日とする」: an end date alone
            m = _DEADLINE.search(s.text)
            if m:
                ds = [d for d in find_dates(s.text[m.end():], hint) if d.start <= 4]
                if ds:
                    d = ds[0]
                    per = Period(None, d.end_date, d.text, s.page, m.group(1))
                    if not any(x.end == per.end and x.source == per.source for x in periods):
                        periods.append(per)
                    if contract is None and _PERIOD_LABEL.fullmatch(m.group(1)):
                        contract = per
        for p in ps:
            before = s.text[max(0, p.span_start - 25):p.span_start]
            src = None
            for rx in (_PERIOD_LABEL, _VALIDITY_LABEL):
                found = list(rx.finditer(before))
                if found:
                    src = found[-1].group(1)
                    break
            if src is None and s.field:
                m = _PERIOD_LABEL.search(s.field) or _VALIDITY_LABEL.search(s.field)
                src = m.group(1) if m else None
            if src is None and s.caption:
                m = _PERIOD_LABEL.search(s.caption)
                src = m.group(1) if m else None
            per = Period(p.start, p.end, p.text, s.page, src or "")
            if not any(x.text == per.text and x.page == per.page for x in periods):
                periods.append(per)
            if contract is None and src and _PERIOD_LABEL.fullmatch(src):
                contract = per
    return periods, contract


# --------------------------------------------------------------------------- entry point
def build_document(raw: RawDocument) -> Document:
    """Normalise and structure ``raw``; a document with an error keeps only what was read."""
    base = dict(path=raw.path, format=raw.format, sha256=raw.sha256,
                pages=raw.page_count or len(raw.pages), error=raw.error, warnings=tuple(raw.warnings))
    if raw.error is not None:
        return Document(**base)
    units = normalize_document(raw)
    title = _title(units)
    if title and not any(u.kind == "title" for u in units[:60]):
        # the title found among the first lines is a title, not a sentence (as in DOCX/text)
        rest = title
        for u in units[:25]:
            # (a title set over two lines is two units: both are the title)
            if u.kind == "paragraph" and u.text and rest.startswith(u.text) and (u.text == rest or rest != title
                                                                                  or len(u.text) >= 4):
                u.kind = "title"
                rest = rest[len(u.text):]
                if not rest:
                    break
            elif rest != title:
                break
    b = _Builder(units)
    b.run()
    sentences = b.sentences
    hint = dominant_era("\n".join(s.text for s in sentences))
    clauses = tuple(
        Clause(label=b.art_label(a), number=a.number, caption=a.caption,
               page=a.page, text="".join(sentences[i].text for i in a.idx), sentence_indexes=tuple(a.idx),
               section=a.section)
        for a in b.articles
    )
    fields = tuple(Field(label=f.label, value=" ".join(v for v in f.values if v).strip(), page=f.page,
                         sentence_indexes=tuple(f.idx)) for f in b.fields if f.label and f.idx)
    first_art = next((i for i, s in enumerate(sentences) if s.article), None)
    parties, roles = _parties(sentences, first_art)
    dates: list[DateMention] = []
    for s in sentences:
        for m in find_dates(s.text, hint):
            dates.append(DateMention(text=m.text, date=m.date, page=s.page, sentence_index=s.index,
                                     precision=m.precision, end_date=m.end_date))
    periods, contract = _periods(sentences, list(fields), hint)
    doc = Document(
        **base,
        title=title,
        text="\n".join(s.text for s in sentences),
        sentences=tuple(sentences),
        clauses=clauses,
        fields=fields,
        parties=parties,
        roles=roles,
        dates=tuple(dates),
        period=contract,
        periods=tuple(periods),
        headings=tuple(b.headings),
    )
    from checker.kinds import detect_kinds

    return replace(doc, kinds=detect_kinds(doc))
