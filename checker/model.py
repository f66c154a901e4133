"""The document and finding model shared by every stage.

Data flows one way: read -> normalise -> structure -> annotate -> evaluate -> report.
Each stage takes these frozen values and returns new ones; nothing here does I/O.

Stage contracts
---------------
* ``checker.read`` turns a file into a :class:`RawDocument` (pages of raw blocks, or an
  error). No normalisation, no NLP.
* ``checker.normalize`` / ``checker.structure`` / ``checker.dates`` / ``checker.kinds``
  turn a :class:`RawDocument` into a :class:`Document` (normalised sentences that know
  their page, clause and field; parties; dates; contract period; kinds).
* ``checker.engine.evaluate`` is a pure function from a :class:`Case` and a rulebook to a
  :class:`CaseResult`.
* ``checker.report`` renders :class:`CaseResult` values.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal, Mapping


# --------------------------------------------------------------------------- statuses
class Status(str, Enum):
    """A check's status (SPEC.md "Statuses")."""

    OK = "ok"
    MISSING = "missing"
    VIOLATION = "violation"
    NEEDS_REVIEW = "needs_review"
    NOT_APPLICABLE = "not_applicable"

    @property
    def rank(self) -> int:
        """Seriousness: violation > missing > needs_review > ok > not_applicable."""
        return _STATUS_RANK[self]

    @property
    def flagged(self) -> bool:
        """True for the statuses that make the exit status 1."""
        return self in (Status.MISSING, Status.VIOLATION, Status.NEEDS_REVIEW)

    @staticmethod
    def worst(statuses: "list[Status] | tuple[Status, ...]") -> "Status":
        """The most serious of ``statuses``; ``not_applicable`` for none."""
        return max(statuses, key=lambda s: s.rank, default=Status.NOT_APPLICABLE)


_STATUS_RANK = {
    Status.NOT_APPLICABLE: 0,
    Status.OK: 1,
    Status.NEEDS_REVIEW: 2,
    Status.MISSING: 3,
    Status.VIOLATION: 4,
}

SEVERITIES = ("high", "medium", "low", "info")

DOC_KINDS = ("consultation", "contract", "special_provisions", "specification", "certificate", "other")
CONTRACT_KINDS = ("contract", "special_provisions")

ERROR_CODES = ("encrypted", "damaged", "image_only", "unsupported_type", "empty", "too_large")


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class DocError:
    """Why a document could not be read. ``code`` is one of ERROR_CODES; ``message`` is
    Japanese, names the file and says what to do."""

    code: str
    message: str


BlockKind = Literal["title", "heading", "paragraph", "line", "table_row"]


@dataclass(frozen=True)
class Block:
    """One raw unit of text as the reader found it, before normalisation.

    * ``line``: one visual line of a PDF (paragraphs are rebuilt by ``normalize``).
    * ``paragraph``: a paragraph known as such (DOCX paragraph, text-file line).
    * ``title`` / ``heading``: known headings (DOCX styles, ``#`` markup in text files).
    * ``table_row``: a row of a table; ``cells`` holds the raw cell texts and ``text``
      the cells joined by `` | ``.
    ``top`` is the distance from the page top in points where known (PDF), else None;
    it lets ``normalize`` find running headers and footers. ``x1`` (right edge) tells a
    line that ends short of the margin (a paragraph's last line); ``size`` (font size)
    tells a title or heading set in a larger type.
    """

    kind: BlockKind
    text: str
    page: int  # 1-based
    cells: tuple[str, ...] = ()
    top: float | None = None
    bottom: float | None = None
    x0: float | None = None
    x1: float | None = None  # right edge of the line / row in points (PDF), else None
    size: float | None = None  # median font size of the line in points (PDF), else None
    # left and right edges of the text column the line sits in, where the reader found the
    # page set in columns (PDF), else None: a line reaching col_x1 was wrapped, not ended
    col_x0: float | None = None
    col_x1: float | None = None


@dataclass(frozen=True)
class RawPage:
    number: int  # 1-based
    blocks: tuple[Block, ...]
    has_text: bool = True
    height: float | None = None
    width: float | None = None


@dataclass(frozen=True)
class RawDocument:
    """What a reader produced: pages of blocks, or an error (then ``pages`` may be empty)."""

    path: str
    format: str  # "pdf" | "docx" | "txt" | other suffix
    sha256: str
    pages: tuple[RawPage, ...] = ()
    page_count: int = 0
    error: DocError | None = None
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------- structure
@dataclass(frozen=True)
class Sentence:
    """A normalised sentence (ends at 。 or at the end of its block), with where it is.

    ``clause`` is the reference a finding cites: "第7条第2項", "第８第２項(1)", "別記第3";
    ``article`` the article alone ("第7条"); ``caption`` the article's 見出し;
    ``field`` the consultation-form field label ("再委託先", "返還・廃棄方法") when the
    sentence is a form field's value; ``section`` a 別記/別紙 section title.
    ``raw`` is the original text (for quoting), ``text`` the normalised one (for matching).
    """

    text: str
    page: int
    index: int  # position in the document, 0-based
    raw: str = ""
    clause: str | None = None
    article: str | None = None
    caption: str | None = None
    field: str | None = None
    section: str | None = None
    heading: str | None = None  # nearest heading for prose consultation sections ("４ 再委託")

    @property
    def where(self) -> str:
        """Human-readable location, e.g. "p.3 第7条第2項" or "p.2 再委託先"."""
        loc = self.clause or self.field or self.heading or self.section or ""
        return f"p.{self.page} {loc}".strip()


@dataclass(frozen=True)
class Clause:
    """An article (第N条 / 第N) with its caption and its sentences."""

    label: str  # as written, normalised: "第7条", "第8"; in a 別記/別紙 part prefixed: "別記第3" (= Sentence.article)
    number: int
    caption: str | None
    page: int
    text: str
    sentence_indexes: tuple[int, ...] = ()
    section: str | None = None  # "別記" when the article belongs to an appended section


@dataclass(frozen=True)
class Field:
    """A consultation-form field: label and value (from a table row or a numbered heading)."""

    label: str
    value: str
    page: int
    sentence_indexes: tuple[int, ...] = ()


@dataclass(frozen=True)
class DateMention:
    text: str
    date: _dt.date  # the first day of what was written (a month alone: its 1st)
    page: int
    sentence_index: int | None = None
    precision: str = "day"  # "day" | "month" | "year"
    end_date: _dt.date | None = None  # the last day of what was written (a month alone: its last day)


@dataclass(frozen=True)
class Period:
    start: _dt.date | None
    end: _dt.date | None
    text: str = ""
    page: int | None = None
    source: str = ""  # "契約期間", "履行期間", "委託期間", "有効期間" …


@dataclass(frozen=True)
class Document:
    """A read and structured document. When ``error`` is set, nothing else is filled."""

    path: str
    format: str
    sha256: str
    pages: int
    kinds: tuple[str, ...] = ()
    error: DocError | None = None
    warnings: tuple[str, ...] = ()
    title: str | None = None
    text: str = ""  # whole normalised text, sentences joined by "\n"
    sentences: tuple[Sentence, ...] = ()
    clauses: tuple[Clause, ...] = ()
    fields: tuple[Field, ...] = ()
    parties: Mapping[str, str] = field(default_factory=dict)  # {"甲": "東村山市", "乙": "株式会社…"}
    dates: tuple[DateMention, ...] = ()
    period: Period | None = None  # the contract period, where the document states one
    # which party is which: {"甲": "city", "乙": "contractor", "委託者": "city", …}
    roles: Mapping[str, str] = field(default_factory=dict)
    # every period stated (contract period, 有効期間 of a mark or certificate …), with its source label
    periods: tuple[Period, ...] = ()
    # title-like lines in reading order (title, headings, 別記/別紙 section heads); not sentences
    headings: tuple[str, ...] = ()

    def has_kind(self, *kinds: str) -> bool:
        return any(k in self.kinds for k in kinds)


@dataclass(frozen=True)
class Case:
    """One outsourcing: the documents checked together."""

    name: str
    documents: tuple[Document, ...]


# --------------------------------------------------------------------------- findings
@dataclass(frozen=True)
class Evidence:
    path: str
    page: int | None
    clause: str | None  # clause or field label, as the report cites it
    text: str  # the quoted sentence (original wording)


@dataclass(frozen=True)
class Finding:
    rule: str
    check: str
    status: Status
    severity: str
    message: str
    evidence: tuple[Evidence, ...] = ()
    fix: str | None = None  # model wording (修正文例) for missing / violation
    accepted: Mapping[str, str] | None = None  # {"reason": "…"} when waived for the case


@dataclass(frozen=True)
class Note:
    code: str  # e.g. "bundle.contract-missing"
    severity: str  # "info"
    message: str


@dataclass(frozen=True)
class CaseResult:
    case: str
    documents: tuple[Document, ...]
    rules: Mapping[str, Status]  # every rule of the active profile
    findings: tuple[Finding, ...]  # every check that is not not_applicable
    notes: tuple[Note, ...] = ()
    checks: Mapping[str, Status] = field(default_factory=dict)  # every check, n/a included
    # comparisons with the municipality's standard special provisions (checker.compare.Comparison),
    # filled when the active profile names a standard
    comparisons: tuple = ()

    @property
    def exit_flagged(self) -> bool:
        """True when this case makes the exit status 1."""
        if any(d.error for d in self.documents):
            return True
        return any(f.status.flagged and not f.accepted for f in self.findings)
