"""Statuses SPEC.md allows for the wider checks that carry the council's comments
("The wider rulebook": these keep their ids and exactly these statuses)."""

COUNCIL_STATUSES = {
    "media-handover.confirmation": {"ok", "missing", "violation", "not_applicable"},
    "media-handover.key-ledger": {"ok", "missing", "not_applicable"},
    "security-measures.access-records": {"ok", "missing"},
    "security-measures.misprint-disposal": {"ok", "needs_review", "not_applicable"},
    "data-minimization.label-id-number": {"ok", "needs_review", "violation", "not_applicable"},
    "data-minimization.my-number": {"needs_review", "not_applicable"},
    "contractor-termination-right.clause": {"needs_review", "not_applicable"},
}
