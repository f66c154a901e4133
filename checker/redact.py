"""Mask personal data in quoted text (``--redact``, the web page's switch).

A report may go to a council that must not see residents' or workers' names. What is
masked, and with what:

=====================  ==================  ============================================
kind                   mask                found by
=====================  ==================  ============================================
e-mail address         ［メールアドレス］  pattern
individual number      ［個人番号］        pattern: 12 digits, with or without spaces or
                                           hyphens (4-4-4), full-width digits too
phone / fax number     ［電話番号］        pattern: 0-prefixed 10-11 digit numbers in the
                                           usual groupings, (03)1234-5678, +81, and any
                                           number right after 電話 / TEL / 携帯 / FAX
postal address         ［住所］            pattern: 〒 and postcode with the address after
                                           it; 市区町村 + 町名 + 丁目/番地/号 or 1-2-3
personal name          ［氏名］            GiNZA's named entities (label ``Person``) and
                                           lexical cues: 担当 山田太郎, 氏名：…, …様, …氏,
                                           …さん, 責任者 …
=====================  ==================  ============================================

Patterns are exact for what they describe; names come from a statistical model and
lexical cues and **can be missed** (see the README for the measured recall). Party
designations (甲, 乙, 丙), titles (市長, 課長) and company or city names are kept.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata
from functools import lru_cache
from typing import Iterable

MASK_NAME = "［氏名］"
MASK_PHONE = "［電話番号］"
MASK_ADDRESS = "［住所］"
MASK_MYNUMBER = "［個人番号］"
MASK_EMAIL = "［メールアドレス］"
MASKS = (MASK_NAME, MASK_PHONE, MASK_ADDRESS, MASK_MYNUMBER, MASK_EMAIL)

D = r"[0-9０-９]"
H = r"[-‐‑‒–—―−－ー─━ｰ]"  # every hyphen-like character seen in Japanese documents
SP = r"[ \u3000]"
KANJI = r"[\u4e00-\u9fff\u3005\u3006\u30f6]"  # includes 々 〆 ヶ
KANA = r"[\u3041-\u3096\u30a1-\u30fa\u30fc]"
NAMECH = r"[\u4e00-\u9fff\u3005\u30f6\u3041-\u3096\u30a1-\u30fa\u30fc]"
KNUM = r"[0-9０-９一二三四五六七八九十〇]"

# --------------------------------------------------------------------------- patterns
EMAIL_RE = re.compile(r"(?<![A-Za-z0-9Ａ-Ｚａ-ｚ０-９._%+\-])[A-Za-z0-9Ａ-Ｚａ-ｚ０-９._%+\-]+" r"[@＠]" r"[A-Za-z0-9Ａ-Ｚａ-ｚ０-９\-]+(?:[.．][A-Za-z0-9Ａ-Ｚａ-ｚ０-９\-]+)+")

MYNUMBER_RE = re.compile(rf"(?<![0-9０-９])(?:{D}{{4}}(?:{SP}|{H})?{D}{{4}}(?:{SP}|{H})?{D}{{4}})(?![0-9０-９])")

# phone numbers: digit groups split by hyphens, spaces or parentheses: (03)1234-5678,
# 03(1234)5678, 042-393-5111, 0120-123-456, 090-1234-5678, 0423935111, +81-42-393-5111.
# Checked in code: a 0 first and 10-11 digits, or +81 and 9-10 more.
PHONE_RE = re.compile(
    rf"(?<![0-9０-９.,．，])(?:[+＋](?:81|８１)(?:{H}|{SP})?(?:[(（][0０][)）])?)?[(（]?{D}{{1,5}}[)）]?"
    rf"(?:(?:{H}|{SP})?[(（]?{D}{{1,4}}[)）]?){{1,3}}(?![0-9０-９])")
# after a cue word any number is a phone number (local numbers without area code too)
PHONE_CUE_RE = re.compile(
    rf"(?P<cue>(?:電話|ＴＥＬ|TEL|Tel|tel|℡|携帯|ＦＡＸ|FAX|Fax|ファクス|ファックス|連絡先)(?:番号)?"
    rf"(?:{SP}|[:：]|[(（][^)）]{{0,6}}[)）]|は|を|が)*)"
    rf"(?P<num>(?:[(（]?{D}{{1,5}}[)）]?(?:{H}|{SP})?){{1,3}}{D}{{2,5}})")

PREF = r"(?:東京都|北海道|(?:京都|大阪)府|" + KANJI + r"{2,3}県)"
# 町名 then a house number: 本町1-2-3, 本町一丁目2番3号, 本町2丁目15番地の4, 野口町1丁目
ADDR_NUMBER = (rf"(?<!第){KNUM}+{SP}?(?:丁目|番町|番地|番|号|{H})"
               rf"(?:{SP}?{KNUM}+{SP}?(?:丁目|番地の|番地|番|号|の|{H}))*"
               rf"(?:{SP}?{D}+(?:号)?)?")
ADDRESS_RE = re.compile(
    rf"(?:〒{SP}?{D}{{3}}{H}?{D}{{4}}{SP}?(?:{PREF}?(?:{KANJI}{{1,6}}?[市区町村郡])?(?:{NAMECH}{{0,8}}?{ADDR_NUMBER})?)?)"
    rf"|(?:{PREF}?{KANJI}{{1,6}}?[市区町村郡]{NAMECH}{{0,8}}?{ADDR_NUMBER})"
    rf"|(?:(?<![第0-9０-９]){NAMECH}{{1,8}}?{KNUM}+{SP}?丁目(?:{SP}?{KNUM}+{SP}?(?:番地の|番地|番|号|の|{H}))*(?:{SP}?{D}+号?)?)"
    rf"|(?:(?<![第0-9０-９]){NAMECH}{{1,8}}?{D}+{SP}?番地(?:の{D}+)?)"
    rf"|(?:(?<![第0-9０-９]){NAMECH}{{1,8}}?{D}+{SP}?番{SP}?{D}+{SP}?号)"
    rf"|(?:(?<=住所)(?:{SP}|[:：は])*{NAMECH}{{2,12}}?{D}+(?:{H}{D}+)+)")

# names after cue words: 担当 山田太郎, 氏名：佐藤花子, 責任者 代表取締役 田中 一郎
_CUE_WORDS = (r"担当者?|氏名|名前|お名前|責任者|管理者|代表者|代表取締役(?:社長)?|取締役|社長|連絡者|申請者|届出者|記入者|"
              r"作成者|受付者|確認者|立会者|相談者|職員|社員|課長|係長|部長|所長|室長|主任|主査|主事|センター長|局長|院長|"
              r"市長|副市長|区長|町長|村長|知事|会長|理事長|委員長|議長|"
              r"(?<=[\u4e00-\u9fff])(?:課|係|室|部|センター|事務所|支店|営業所)")
NAME_CUE_RE = re.compile(
    rf"(?P<cue>(?:(?:{_CUE_WORDS})(?:名)?(?:{SP}|[:：は]|[(（][^)）]{{0,8}}[)）])+)+)"
    rf"(?P<name>{KANJI}{{1,4}}{SP}{NAMECH}{{1,4}}(?!{NAMECH})|{KANJI}{{2,5}}(?!{KANJI})|{KANJI}(?=[、。，,）)・]|{SP}|$))")
_NAME_LIST_RE = re.compile(rf"[・、，,]{SP}?(?P<name>{KANJI}{{1,4}}{SP}{NAMECH}{{1,4}}|{KANJI}{{2,4}})"
                           rf"(?=[・、，,。）)]|{SP}|$)")
# name + honorific: 山田太郎様, 田中氏, 小林さん, 鈴木殿
HONORIFIC_RE = re.compile(rf"(?P<name>{KANJI}{{1,4}}{SP}{KANJI}{{1,4}}|{KANJI}{{2,8}})(?P<hon>様|さん|殿|氏(?!名))")

# words that are never names however they are placed
_NOT_NAMES = {
    "甲", "乙", "丙", "丁", "甲乙", "市長", "区長", "町長", "村長", "課長", "係長", "部長", "局長", "所長", "室長", "主任", "主査",
    "委託者", "受託者", "発注者", "受注者", "契約者", "利用者", "本人", "市民", "住民", "従事者", "作業者", "担当者", "責任者",
    "代表者", "管理者", "職員", "社員", "各位", "皆", "皆様", "お客", "顧客", "関係者", "第三者", "事業者", "委員", "会長",
    "議長", "審議会", "別紙", "別記", "同", "両", "当該", "相手方", "先方", "当方", "貴", "貴殿", "上記", "下記", "事務局",
    "委員長", "副市長", "市議会", "議員", "社長", "取締役", "代表取締役", "御中", "各位様", "受診者", "対象者", "申請者",
}
# parts that make a "name" an organisation, a post or an ordinary noun
_NOT_NAME_WORDS = re.compile(
    r"(会社|協会|組合|法人|学校|病院|委員|審議|事業|業務|個人|情報|契約|委託|処理|管理|責任|担当|従事|作業|取扱|電話|番号|"
    r"住所|氏名|名前|記載|代表|株式|有限|合同|営業|支店|本社|工場|様式|別紙|別記|センター|市長|市役所|役所|役場|受託|発注|"
    r"受注|検診|健診|保険|福祉|教育|健康|市民|住民|対象|確認|承諾|提出|報告|書面|実施|場合|期間|年度|令和|平成|昭和|"
    r"仕様|認証|媒体|団地|工業|会館|地区|教育長|[0-9０-９]|甲|乙|丙|[、。・])")
_PARTICLES = re.compile(r"[のはがをにへでもやかとよりまで]")
_ORG_SUFFIX = re.compile(r"(課|係|室|局|所|市|県|都|府|者|員|長|等|会|社|院|校|館|庁|署|省|庫|書|類|票|簿|データ|..部)$")

PERSON_LABELS = {"Person"}
_NOT_START = set("者員課係局室所様氏殿及並又び等的何非不未")


def _is_name(s: str) -> bool:
    s = s.strip(" \u3000")
    if not s or s in _NOT_NAMES:
        return False
    if not re.search(KANJI + "|" + KANA, s):
        return False
    return True


def _plausible_cue_name(s: str) -> bool:
    """A name found by a cue or an honorific: not a department, a post or a noun."""
    s = s.strip(" \u3000")
    bare = s.replace(" ", "").replace("\u3000", "")
    if not _is_name(s) or len(bare) < 2 or bare in _NOT_NAMES:
        return False
    if bare[-1] in "仕模同多各皆" or bare[0] in _NOT_START:
        return False  # 業務仕|様, 何人
    parts = re.split(SP, s)
    if len(parts) > 1 and any(p in _NOT_NAMES or _ORG_SUFFIX.search(p) or p[0] in _NOT_START for p in parts):
        return False
    return not _NOT_NAME_WORDS.search(bare) and not _ORG_SUFFIX.search(bare) and not _PARTICLES.search(bare)


# --------------------------------------------------------------------------- spans
def _spans_patterns(text: str) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    for m in EMAIL_RE.finditer(text) if ("@" in text or "＠" in text) else ():
        spans.append((m.start(), m.end(), MASK_EMAIL))
    for m in MYNUMBER_RE.finditer(text):
        spans.append((m.start(), m.end(), MASK_MYNUMBER))
    for m in PHONE_RE.finditer(text):
        g = m.group()
        ds = "".join(str(unicodedata.digit(ch)) for ch in g if ch.isdigit())
        if g[0] in "+＋":
            ok = ds.startswith("81") and 9 <= len(ds) - 2 <= 10
        else:
            ok = ds.startswith("0") and 10 <= len(ds) <= 11
        if ok:
            a, b = m.start(), m.end()
            if g[-1] in ")）" and "(" not in g[1:] and "（" not in g[1:]:
                b -= 1
            spans.append((a, b, MASK_PHONE))
    for m in PHONE_CUE_RE.finditer(text):
        if sum(ch.isdigit() for ch in m.group("num")) >= 4:
            spans.append((m.start("num"), m.end("num"), MASK_PHONE))
    for m in ADDRESS_RE.finditer(text):
        a, b = m.start(), m.end()
        while b > a and text[b - 1] in " \u3000":
            b -= 1
        if b - a >= 4:
            spans.append((a, b, MASK_ADDRESS))
    return spans


def _spans_names_lexical(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for m in NAME_CUE_RE.finditer(text):
        name = m.group("name")
        end = m.end("name")
        while len(name) > 1 and name[-1] in "様殿氏":  # 担当 山田様: the honorific is not the name
            name, end = name[:-1], end - 1
        if len(name) == 1:  # 係長 関、: a one-character surname, only right after the cue
            if name not in _NOT_NAMES and name not in _NOT_START and not _NOT_NAME_WORDS.search(name) \
                    and not _ORG_SUFFIX.search(name) and name not in "同両各当本前後上下左右他全某":
                spans.append((m.start("name"), end, MASK_NAME))
        elif _plausible_cue_name(name):
            spans.append((m.start("name"), end, MASK_NAME))
        else:
            continue
        # a list after one cue: 担当 湯浅・須藤, 立会者 工藤、横山
        pos = end
        while True:
            more = _NAME_LIST_RE.match(text, pos)
            if not more:
                break
            a1, nm = more.start("name"), more.group("name")
            if not _plausible_cue_name(nm):
                nm = re.split(SP, nm)[0]  # 湯浅・須藤 電話番号: the surname alone
                if len(nm) < 2 or not _plausible_cue_name(nm):
                    break
            spans.append((a1, a1 + len(nm), MASK_NAME))
            pos = a1 + len(nm)
    for m in HONORIFIC_RE.finditer(text):
        name = m.group("name")
        a0 = m.start("name")
        parts = re.split(SP, name)
        if len(parts) == 2:
            # 相談者 渡辺美咲様: the whole, else the part after the space
            if _plausible_cue_name(name):
                spans.append((a0, m.end("name"), MASK_NAME))
            elif _plausible_cue_name(parts[1]):
                spans.append((m.end("name") - len(parts[1]), m.end("name"), MASK_NAME))
            continue
        # the longest plausible tail of a run of kanji: 乙代表山田太郎様 -> 山田太郎
        for cut in range(0, len(name) - 1):
            cand = name[cut:]
            if len(cand) > 5 or cand[0] in _NOT_START:
                continue
            if _plausible_cue_name(cand):
                spans.append((a0 + cut, m.end("name"), MASK_NAME))
                break
    return spans


_COMPANY_BEFORE = re.compile(r"(株式会社|有限会社|合同会社|法人|会社|\(株\)|（株）)[^\s\u3000、。（）()「」]{0,12}$")
_PLACE_AFTER = re.compile(r"^[\u4e00-\u9fff\u3041-\u3096\u30a1-\u30fa\u30f6]{0,3}[市区町村郡県都府]")
_HONORIFIC_AFTER = re.compile(r"^[ \u3000]?(さん|様|氏|殿|君|課長|係長|部長|主任|主査|主事|室長|所長|宛)")


def _spans_names_ner(text: str, ents: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    spans = []
    for a, b, label in ents:
        while b > a and text[b - 1] in " \u3000":
            b -= 1
        while a < b and text[a] in " \u3000":
            a += 1
        s = text[a:b]
        if label == "Phone_Number" and sum(ch.isdigit() for ch in s) >= 8:
            spans.append((a, b, MASK_PHONE))
            continue
        if label not in PERSON_LABELS or not _is_name(s):
            continue
        bare = s.replace(" ", "").replace("\u3000", "")
        after = text[b:]
        if _NOT_NAME_WORDS.search(bare) or (_ORG_SUFFIX.search(bare) and len(bare) > 2):
            continue  # 教育長, 生体認証: a post or a noun the model took for a person
        if len(bare) == 1 and not _HONORIFIC_AFTER.match(after):
            continue  # a lone character is a name only with a title or honorific after it
        if bare.endswith("仕") or re.search(r"..[市区郡県]", bare):
            continue  # 別紙仕|様書, 千草市工業団地
        if _PLACE_AFTER.match(after) or re.match(r"^第?[0-9０-９]", after):
            continue  # 東村山|市長, 青葉ヶ|丘市, 東村健|第205号: places and document numbers
        if bare[0] in _NOT_START:
            continue  # 非公表, 何人
        if _COMPANY_BEFORE.search(text[:a]) or re.match(r"^(株式会社|有限会社|合同会社|\(株\)|（株）)", after):
            continue  # 株式会社|千草ダイレクト: a company name
        # a surname alone followed by a space and a given name: take the given name too
        m = re.match(rf"{SP}{NAMECH}{{1,3}}(?!{NAMECH})", after)
        given = m.group().strip() if m else ""
        if m and not _NOT_NAME_WORDS.search(given) and not _ORG_SUFFIX.search(given) and given not in _NOT_NAMES:
            b += m.end()
        spans.append((a, b, MASK_NAME))
    return spans


def _merge(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """Apply masks; overlapping spans merge (the earlier-starting, longer one's mask wins,
    except that a pattern mask beats a name mask)."""
    prio = {MASK_EMAIL: 0, MASK_MYNUMBER: 1, MASK_PHONE: 2, MASK_ADDRESS: 3, MASK_NAME: 4}
    items = sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]), prio[s[2]]))
    merged: list[list] = []
    for a, b, mask in items:
        if merged and a < merged[-1][1]:
            last = merged[-1]
            if prio[mask] < prio[last[2]]:
                last[2] = mask
            last[1] = max(last[1], b)
            continue
        merged.append([a, b, mask])
    out, pos = [], 0
    for a, b, mask in merged:
        out.append(text[pos:a])
        out.append(mask)
        pos = b
    out.append(text[pos:])
    return "".join(out)


def _ner_available() -> bool:
    try:
        import importlib.util

        return importlib.util.find_spec("spacy") is not None
    except Exception:  # pragma: no cover
        return False


def _entities_many(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    from checker import nlp

    many = getattr(nlp, "entities_many", None)
    if many is not None:
        return many(texts)
    return [nlp.entities(t) for t in texts]


def _needs_ner(text: str) -> bool:
    """Only text with two kanji in a row can hold a Japanese name worth a model pass."""
    return re.search(KANJI + r"{2}", text) is not None or re.search(KANJI + SP + KANJI, text) is not None


def find_spans_many(texts: Iterable[str], *, names: bool = True) -> list[list[tuple[int, int, str]]]:
    """The (start, end, mask) spans that ``redact_texts`` masks, before merging."""
    texts = list(texts)
    ents: dict[int, list] = {}
    if names:
        need = [i for i, t in enumerate(texts) if t and _needs_ner(t)]
        if need:
            for i, e in zip(need, _entities_many([texts[i] for i in need])):
                ents[i] = e
    out = []
    for i, t in enumerate(texts):
        spans = _spans_patterns(t) if t else []
        if names and t:
            spans += _spans_names_lexical(t)
            spans += _spans_names_ner(t, ents.get(i, []))
        out.append(spans)
    return out


def find_spans(text: str) -> list[tuple[int, int, str]]:
    return find_spans_many([text])[0]


def redact_texts(texts: Iterable[str], *, names: bool = True) -> list[str]:
    """``redact_text`` over many texts; the model runs once over the batch."""
    texts = list(texts)
    out: list[str | None] = [None] * len(texts)
    todo = []
    for i, t in enumerate(texts):
        if not t:
            out[i] = t
            continue
        hit = _cache_get(t, names)
        if hit is not None:
            out[i] = hit
        else:
            todo.append(i)
    for i, spans in zip(todo, find_spans_many([texts[i] for i in todo], names=names)):
        r = _merge(texts[i], spans)
        _cache_put(texts[i], names, r)
        out[i] = r
    return out  # type: ignore[return-value]


_CACHE: dict[tuple[str, bool], str] = {}
_CACHE_MAX = 20000


def _cache_get(t: str, names: bool) -> str | None:
    return _CACHE.get((t, names))


def _cache_put(t: str, names: bool, r: str) -> None:
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[(t, names)] = r


def redact_text(text: str) -> str:
    """``text`` with phone numbers, postal addresses, individual numbers, e-mail
    addresses and personal names masked (［電話番号］ …)."""
    return redact_texts([text])[0]


# --------------------------------------------------------------------------- results


def _quote_spans(msg: str) -> list[tuple[int, int]]:
    """(start, end) of the text inside each outermost 「…」 of ``msg``; quotes nest
    (「…（以下「甲」という。）…」), and an unclosed one runs to the end."""
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(msg):
        if ch == "「":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == "」" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append((start, i))
    if depth > 0:
        spans.append((start, len(msg)))
    return spans


def _redact_message(msg: str) -> str:
    """A finding's message: quotes 「…」 fully (they are document text), the rest by
    patterns only (it is our wording, plus perhaps a number or a file name)."""
    if not msg:
        return msg
    spans = _quote_spans(msg)
    quoted = redact_texts([msg[a:b] for a, b in spans]) if spans else []
    out, pos = [], 0
    for (a, b), q in zip(spans, quoted):
        out.append(redact_texts([msg[pos:a]], names=False)[0])
        out.append(q)
        pos = b
    out.append(redact_texts([msg[pos:]], names=False)[0])
    return "".join(out)


def _redact_comparison(c):
    """A comparison with the municipality's standard (checker.compare.Comparison, or the
    plain-dict form the history stores): the contract side's article text and the
    details masked; the standard's own text (the municipality's model) left as it is."""
    from collections.abc import Mapping

    if isinstance(c, Mapping):
        diffs = []
        for d in c.get("diffs", ()) or ():
            d = dict(d)
            if d.get("contract"):
                d["contract"] = redact_text(str(d["contract"]))
            if d.get("details"):
                d["details"] = [_redact_message(str(x)) for x in d["details"]]
            diffs.append(d)
        return dict(c, diffs=diffs)
    if dataclasses.is_dataclass(c) and hasattr(c, "diffs"):
        diffs = []
        for d in c.diffs:
            kw = {}
            tgt = getattr(d, "target", None)
            if tgt is not None and dataclasses.is_dataclass(tgt) and getattr(tgt, "text", None):
                tkw = {"text": redact_text(tgt.text)}
                if getattr(tgt, "caption", None):
                    tkw["caption"] = redact_text(tgt.caption)
                kw["target"] = dataclasses.replace(tgt, **tkw)
            if getattr(d, "details", None):
                kw["details"] = tuple(_redact_message(str(x)) for x in d.details)
            diffs.append(dataclasses.replace(d, **kw) if kw else d)
        return dataclasses.replace(c, diffs=tuple(diffs))
    return c


def redact_result(result):
    """A copy of a :class:`~checker.model.CaseResult` whose evidence quotes, finding
    messages, notes and comparisons (the contract's side) are masked. Statuses, rules and
    locations are unchanged; the documents' own text is left as read (the reports quote
    evidence, not documents; a page that shows the documents masks them with
    ``redact_texts``)."""
    texts = [e.text for f in result.findings for e in f.evidence]
    red = dict(zip(texts, redact_texts(texts)))
    findings = []
    for f in result.findings:
        ev = tuple(dataclasses.replace(e, text=red.get(e.text, e.text)) for e in f.evidence)
        findings.append(dataclasses.replace(f, evidence=ev, message=_redact_message(f.message)))
    notes = tuple(dataclasses.replace(n, message=_redact_message(n.message)) for n in result.notes)
    kw = {"findings": tuple(findings), "notes": notes}
    if getattr(result, "comparisons", None):
        kw["comparisons"] = tuple(_redact_comparison(c) for c in result.comparisons)
    return dataclasses.replace(result, **kw)


__all__ = ["redact_text", "redact_texts", "find_spans", "find_spans_many", "redact_result", "MASKS", "MASK_NAME", "MASK_PHONE", "MASK_ADDRESS",
           "MASK_MYNUMBER", "MASK_EMAIL"]
