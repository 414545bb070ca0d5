#!/usr/bin/env python3
"""Regenerate the corpus gold files from the compact annotation table.

Inputs (paths relative to the repository root):
  corpus/*.txt                         the articles, in their own encodings
  tests/gold/corpus_annotations.tsv    one row per mention or trap (see README.md)

Outputs:
  tests/gold/corpus_gold.jsonl         number/date mentions, document order
  tests/gold/corpus_traps.jsonl        numerals that are not quantities

Each annotation row names its span by the surface text and an occurrence index:
`occ` = how many earlier (possibly overlapping) occurrences of the same surface the
decoded document holds before this one (0 = the first). The script decodes every
file (BOM removed, line endings kept as they are), finds the span and writes
line, start/end (code points) and byte_start/byte_end (UTF-8 bytes of the decoded
text), so that decoded[start:end] == text.

Usage:
  python3 tests/gold/make_gold.py            # write the two JSONL files
  python3 tests/gold/make_gold.py --check    # exit 1 if the files on disk differ
  python3 tests/gold/make_gold.py --texts-out DIR
                                             # also write UTF-8 decoded copies (no BOM) for
                                             # score_mentions.py; each CR becomes a space so
                                             # that its universal-newline reading keeps the
                                             # offsets (--keep-cr writes the exact text)

Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = ROOT / "corpus"
ANNOTATIONS = HERE / "corpus_annotations.tsv"
GOLD = HERE / "corpus_gold.jsonl"
TRAPS = HERE / "corpus_traps.jsonl"

# Files without a byte-order mark that are not UTF-8. Everything else is either
# BOM-marked (UTF-8 or UTF-16) or plain UTF-8.
LEGACY_ENCODINGS = {
    "002_sevenandi-release-0801.txt": "cp932",   # Shift_JIS (Windows-31J), CRLF
    "010_blog-rushed-launch.txt": "euc_jp",
    "015_regional-0802.txt": "euc_jp",
}

KINDS = {"money", "count", "ratio", "date", "datetime", "time", "duration", "relative_date"}
TEMPORAL = {"date", "datetime", "time", "duration", "relative_date"}
QUALIFIER_PARTS = {"none", "lower", "upper", "range", "per", "as_of", "weekday", "fiscal_year",
                   "early_morning", "morning", "afternoon", "evening", "night"}
DATE_RE = re.compile(r"(\d{4}|XXXX)(-(\d{2}|W\d{2}|WXX)(-\d{2}|-\d)?)?")
DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
TIME_RE = re.compile(r"\d{2}:\d{2}")
DURATION_RE = re.compile(r"P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?")


def decode(name: str, data: bytes) -> tuple[str, str]:
    """Return (decoded text without BOM, encoding label)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "UTF-8 (BOM)"
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le"), "UTF-16LE (BOM)"
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be"), "UTF-16BE (BOM)"
    if name in LEGACY_ENCODINGS:
        enc = LEGACY_ENCODINGS[name]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode(enc), {"cp932": "Shift_JIS (CP932)", "euc_jp": "EUC-JP"}[enc]
        raise SystemExit(f"{name}: listed as {enc} but decodes as UTF-8")
    return data.decode("utf-8"), "UTF-8"


def load_texts() -> dict[str, tuple[str, str]]:
    texts = {}
    for p in sorted(CORPUS.glob("*.txt")):
        texts[p.name] = decode(p.name, p.read_bytes())
    return texts


def find_nth(text: str, surface: str, occ: int) -> int:
    pos = -1
    for _ in range(occ + 1):
        pos = text.find(surface, pos + 1)
        if pos < 0:
            return -1
    return pos


def parse_json_cell(cell: str, where: str):
    if cell == "":
        return None
    try:
        return json.loads(cell)
    except json.JSONDecodeError as e:
        raise SystemExit(f"{where}: bad JSON value {cell!r} ({e})") from None


def check_value(kind: str, value, where: str) -> None:
    if value is None:
        return
    if kind in ("money", "count", "ratio"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif kind == "datetime":
        ok = isinstance(value, str) and DATETIME_RE.fullmatch(value) is not None
    elif kind == "time":
        ok = isinstance(value, str) and TIME_RE.fullmatch(value) is not None
    elif kind == "duration":
        ok = isinstance(value, str) and DURATION_RE.fullmatch(value) is not None and value != "P"
    else:  # date, relative_date
        ok = (isinstance(value, int) and 1000 <= value <= 9999) or (
            isinstance(value, str) and DATE_RE.fullmatch(value) is not None)
    if not ok:
        raise SystemExit(f"{where}: value {value!r} does not fit kind {kind}")


def build() -> tuple[list[dict], list[dict], dict[str, tuple[str, str]]]:
    texts = load_texts()
    gold, traps = [], []
    with open(ANNOTATIONS, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        for no, r in enumerate(reader, 2):
            where = f"{ANNOTATIONS.name} line {no}"
            doc = r["doc"]
            if doc not in texts:
                raise SystemExit(f"{where}: no corpus file {doc}")
            text = texts[doc][0]
            surface = r["text"]
            start = find_nth(text, surface, int(r["occ"]))
            if start < 0:
                raise SystemExit(f"{where}: occurrence {r['occ']} of {surface!r} not found in {doc}")
            end = start + len(surface)
            span = {
                "line": text.count("\n", 0, start) + 1,
                "start": start,
                "end": end,
                "byte_start": len(text[:start].encode("utf-8")),
                "byte_end": len(text[:end].encode("utf-8")),
            }
            if r["kind"] == "TRAP":
                traps.append({"doc": doc, "text": surface, "reason": r["note"], **span})
                continue
            kind = r["kind"]
            if kind not in KINDS:
                raise SystemExit(f"{where}: unknown kind {kind!r}")
            value = parse_json_cell(r["value"], where)
            check_value(kind, value, where)
            row = {"doc": doc, "kind": kind, "text": surface, "value": value}
            if r["value_upper"] != "":
                upper = parse_json_cell(r["value_upper"], where)
                check_value(kind, upper, where)
                row["value_upper"] = upper
            qualifier = r["qualifier"] or "none"
            if not set(qualifier.split("+")) <= QUALIFIER_PARTS:
                raise SystemExit(f"{where}: unknown qualifier {qualifier!r}")
            if ("value_upper" in row) != ("range" in qualifier.split("+")):
                raise SystemExit(f"{where}: value_upper and qualifier 'range' must go together")
            unit = r["unit"] or None
            if kind == "money" and unit != "JPY":
                raise SystemExit(f"{where}: money needs unit JPY")
            if kind in TEMPORAL and unit is not None:
                raise SystemExit(f"{where}: temporal kinds have no unit")
            if kind in ("count", "ratio") and unit is None:
                raise SystemExit(f"{where}: {kind} needs a unit")
            row.update({"approx": r["approx"] == "true", "qualifier": qualifier, "unit": unit,
                        "note": r["note"], **span})
            if r["offset"]:
                row["offset"] = r["offset"]
            if r["anchor"]:
                row["anchor"] = r["anchor"]
            gold.append(row)
    order = {name: i for i, name in enumerate(sorted(texts))}
    gold.sort(key=lambda m: (order[m["doc"]], m["start"], m["end"]))
    traps.sort(key=lambda m: (order[m["doc"]], m["start"], m["end"]))
    validate(gold, traps, texts)
    return gold, traps, texts


def validate(gold, traps, texts) -> None:
    by_doc: dict[str, list[tuple[int, int, str, str]]] = {}
    for m in gold:
        by_doc.setdefault(m["doc"], []).append((m["start"], m["end"], "mention", m["text"]))
    for t in traps:
        by_doc.setdefault(t["doc"], []).append((t["start"], t["end"], "trap", t["text"]))
    for doc, spans in by_doc.items():
        spans.sort()
        for (s1, e1, k1, t1), (s2, e2, k2, t2) in zip(spans, spans[1:]):
            if s2 < e1:
                raise SystemExit(f"{doc}: overlapping spans {k1} {t1!r}@{s1} and {k2} {t2!r}@{s2}")
    for m in gold + traps:
        text = texts[m["doc"]][0]
        assert text[m["start"]:m["end"]] == m["text"]
        body = text.encode("utf-8")
        assert body[m["byte_start"]:m["byte_end"]].decode("utf-8") == m["text"]
    missing = sorted(set(texts) - {m["doc"] for m in gold})
    if missing:
        raise SystemExit(f"corpus files without gold mentions: {missing}")


def dumps(rows) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the files on disk, write nothing")
    ap.add_argument("--texts-out", metavar="DIR",
                    help="write UTF-8 decoded copies of the corpus here (CR replaced by a space, see --keep-cr)")
    ap.add_argument("--keep-cr", action="store_true",
                    help="with --texts-out: keep carriage returns (exact decoded text; score_mentions.py "
                         "cannot use such copies because it reads with universal newlines)")
    args = ap.parse_args(argv)
    gold, traps, texts = build()
    outputs = {GOLD: dumps(gold), TRAPS: dumps(traps)}
    if args.check:
        stale = [p.name for p, s in outputs.items() if not p.is_file() or p.read_text(encoding="utf-8") != s]
        if stale:
            print(f"out of date: {', '.join(stale)} (run make_gold.py)", file=sys.stderr)
            return 1
        print(f"ok: {len(gold)} mentions, {len(traps)} traps, {len(texts)} documents")
    else:
        for p, s in outputs.items():
            with open(p, "w", encoding="utf-8", newline="\n") as f:
                f.write(s)
        print(f"wrote {GOLD.name} ({len(gold)} mentions) and {TRAPS.name} ({len(traps)} traps) "
              f"for {len(texts)} documents")
    if args.texts_out:
        # score_mentions.py reads texts with Path.read_text(), i.e. with universal newlines,
        # which would turn CRLF into LF and shift every offset after the first line break.
        # The copies therefore replace each CR by a space (same length in code points and
        # in UTF-8 bytes), unless --keep-cr is given.
        out = Path(args.texts_out)
        out.mkdir(parents=True, exist_ok=True)
        for name, (text, _enc) in texts.items():
            if not args.keep_cr:
                text = text.replace("\r", " ")
            with open(out / name, "w", encoding="utf-8", newline="") as f:
                f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
