"""Fill fuzz/corpus/{read,structure,engine}/ with seeds: the fixture documents (PDF,
DOCX, text, hostile files) and fuzz/seeds/text/*. The corpus folders are not committed;
libFuzzer adds what it finds to them."""
from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PREFIX = {".pdf": b"\x00", ".docx": b"\x01", ".txt": b"\x02"}  # fuzz_read: first byte picks the format


def main() -> None:
    read = HERE / "corpus" / "read"
    text = HERE / "corpus" / "structure"
    engine = HERE / "corpus" / "engine"
    for d in (read, text, engine):
        d.mkdir(parents=True, exist_ok=True)
    sources = [p for d in ("fixtures/docs", "fixtures/hostile", "fixtures/bad") for p in sorted((ROOT / d).glob("*"))]
    for p in sources:
        if p.suffix in PREFIX and p.stat().st_size < 300_000:
            (read / p.name).write_bytes(PREFIX[p.suffix] + p.read_bytes())
    texts = sorted((HERE / "seeds" / "text").glob("*.txt")) + sorted((ROOT / "fixtures" / "cases").glob("*/*.txt"))
    for i, p in enumerate(texts):
        shutil.copy(p, text / f"{i:03d}-{p.name}")
        (engine / f"{i:03d}-{p.name}").write_bytes(b"\x10\x02" + p.read_bytes()[:3000])
    print(f"corpus: {len(list(read.iterdir()))} read, {len(list(text.iterdir()))} structure, "
          f"{len(list(engine.iterdir()))} engine seeds in {HERE / 'corpus'}")


if __name__ == "__main__":
    main()
