"""The only module that loads GiNZA. Loaded once per process, lazily, only when a rule
(or redaction) needs the language; the cheap lexical pass of the engine decides which
sentences reach here.

Two pipelines are kept apart because NER costs more than half the time:
* ``parse`` (no NER): tokens, lemmas, POS, dependencies, bunsetu spans - what rules use.
* ``entities`` (NER only where needed): person names etc. for ``--redact``.

``CACHE`` is an optional mapping-like store (set by the batch runner) keyed by the
sentence text; what is cached per sentence can never go stale when rules change.
"""
from __future__ import annotations

import threading
from typing import Iterable, MutableMapping

MODEL = "ja_ginza"

_lock = threading.Lock()
_parsers: dict[str, object] = {}

# Optional per-sentence cache for parse(); values are spacy Doc bytes (Doc.to_bytes).
CACHE: MutableMapping[str, bytes] | None = None


def _load(with_ner: bool):
    key = "ner" if with_ner else "parse"
    with _lock:
        nlp = _parsers.get(key)
        if nlp is None:
            import spacy

            exclude = [] if with_ner else ["ner"]
            nlp = spacy.load(MODEL, exclude=exclude)
            _parsers[key] = nlp
        return nlp


def parser():
    """The GiNZA pipeline without NER (loaded on first use)."""
    return _load(False)


def parse(text: str):
    """Parse one sentence (cached per text when CACHE is set)."""
    return parse_many([text])[0]


def parse_many(texts: Iterable[str]) -> list:
    """Parse sentences in one batch; order preserved."""
    texts = list(texts)
    nlp = parser()
    out: list = [None] * len(texts)
    todo: list[int] = []
    if CACHE is not None:
        from spacy.tokens import Doc

        for i, t in enumerate(texts):
            blob = CACHE.get(_key(t))
            if blob is not None:
                try:
                    out[i] = Doc(nlp.vocab).from_bytes(blob)
                    continue
                except Exception:
                    pass
            todo.append(i)
    else:
        todo = list(range(len(texts)))
    for i, doc in zip(todo, nlp.pipe([_fit(texts[i]) for i in todo], batch_size=64)):
        out[i] = doc
        if CACHE is not None:
            try:
                CACHE[_key(texts[i])] = doc.to_bytes()
            except Exception:
                pass
    return out


# SudachiPy refuses a text of more than 49,149 bytes (SudachiError). A "sentence" that long
# (a page without 。, found by fuzzing with hostile documents) is parsed up to the limit,
# cut at a clause boundary: its tail is not parsed, rather than the whole check failing.
_MAX_PARSE_BYTES = 49149


def _fit(text: str) -> str:
    data = text.encode("utf-8")
    if len(data) <= _MAX_PARSE_BYTES:
        return text
    cut = data[:_MAX_PARSE_BYTES - 4].decode("utf-8", "ignore")
    i = max(cut.rfind(ch) for ch in "。．、，,\n \u3000")
    return cut[:i + 1] if i > len(cut) // 2 else cut


def entities(text: str) -> list[tuple[int, int, str]]:
    """Named entities of ``text`` as (start_char, end_char, label)."""
    return entities_many([text])[0]


# SudachiPy refuses more than 49,149 bytes in one call, and the parser slows down
# sharply (and grows in memory) on one very long sentence: NER texts are cut into pieces
# of about 300 characters at a clause boundary (names do not cross one).
_MAX_NER_CHARS = 300


def _pieces(text: str) -> list[tuple[int, str]]:
    """``text`` cut into (offset, piece) parts of at most _MAX_NER_CHARS characters, at a
    sentence or clause boundary where there is one."""
    if len(text) <= _MAX_NER_CHARS:
        return [(0, text)]
    out, pos = [], 0
    while pos < len(text):
        end = min(len(text), pos + _MAX_NER_CHARS)
        if end < len(text):
            window = text[pos + _MAX_NER_CHARS // 2:end]
            cut = max(window.rfind(ch) for ch in "。．\n、， \u3000")
            if cut >= 0:
                end = pos + _MAX_NER_CHARS // 2 + cut + 1
        out.append((pos, text[pos:end]))
        pos = end
    return out


def entities_many(texts: Iterable[str]) -> list[list[tuple[int, int, str]]]:
    """``entities`` over many texts in one batch (``nlp.pipe``); order preserved. Long
    texts are cut into pieces (the tokenizer's input limit) and the offsets put back."""
    texts = list(texts)
    nlp = _load(True)
    owners: list[tuple[int, int]] = []
    pieces: list[str] = []
    for i, t in enumerate(texts):
        for off, piece in _pieces(t):
            owners.append((i, off))
            pieces.append(piece)
    out: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    for (i, off), doc in zip(owners, nlp.pipe(pieces, batch_size=16)):
        out[i].extend((off + e.start_char, off + e.end_char, e.label_) for e in doc.ents)
    return out


def _key(text: str) -> str:
    import hashlib

    return "ginza:" + MODEL + ":" + hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- word boundaries
_word_tokenizer = None


def _tokenizer():
    """SudachiPy's tokenizer alone (GiNZA's dictionary, loaded in ~0.1 s; no spaCy)."""
    global _word_tokenizer
    with _lock:
        if _word_tokenizer is None:
            from sudachipy import dictionary

            _word_tokenizer = dictionary.Dictionary().create()
        return _word_tokenizer


def crosses_word(left: str, right: str) -> bool:
    """Whether joining ``left`` and ``right`` puts the seam inside one word: 「…在職中及び退」 +
    「職後において…」 (退職), not 「…の誓約書」 + 「受託者は…」. Short units (split mode A), so
    only a word that is a word on its own counts."""
    from sudachipy import tokenizer as _t

    tail, head = left[-6:], right[:6]
    if not tail or not head:
        return False
    pos = 0
    for tok in _tokenizer().tokenize(tail + head, _t.Tokenizer.SplitMode.A):
        start, pos = pos, pos + len(tok.surface())
        if start < len(tail) < pos:
            return True
    return False
