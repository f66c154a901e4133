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
    for i, doc in zip(todo, nlp.pipe([texts[i] for i in todo], batch_size=64)):
        out[i] = doc
        if CACHE is not None:
            try:
                CACHE[_key(texts[i])] = doc.to_bytes()
            except Exception:
                pass
    return out


def entities(text: str) -> list[tuple[int, int, str]]:
    """Named entities of ``text`` as (start_char, end_char, label)."""
    doc = _load(True)(text)
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents]


def entities_many(texts: Iterable[str]) -> list[list[tuple[int, int, str]]]:
    """``entities`` over many texts in one batch (``nlp.pipe``); order preserved."""
    nlp = _load(True)
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents]
            for doc in nlp.pipe(list(texts), batch_size=64)]


def _key(text: str) -> str:
    import hashlib

    return "ginza:" + MODEL + ":" + hashlib.sha256(text.encode("utf-8")).hexdigest()
