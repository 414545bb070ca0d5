"""Runs sql/merge.sql over shard outputs and compares the merged tables with a single run.

Usage: python merge_check.py MERGE_SQL WORKDIR
WORKDIR holds shards/*/ (each a `shiten run --shard I/N --out` folder) and single/ (one run
over the whole corpus). Writes WORKDIR/merged/ and exits 1 with the differing rows when a
merged table differs from the single run's (floats compared to 1e-9, rows sorted).

Figures depend on copy marks (`independent_docs`, verdict `copy`, what a row is compared
with). Each shard finds the copies among its own documents, so a near-identical copy whose
original fell into another shard is not marked by the merge. Figures are therefore
compared in full in every group (measure, incident, subject) where the shards marked the
same copies as the single run, and by the figure itself (measure, source, as-of, value,
hedge, documents, unit) elsewhere; the number of groups of each kind is printed.
"""

import math
import os
import sys

import duckdb


def rows(con, path):
    # A published row table is a folder of Parquet files (one per batch).
    if os.path.isdir(path):
        path = f"{path}/*.parquet"
    rel = con.sql(f"SELECT * FROM read_parquet('{path}')")
    cols = rel.columns
    return cols, sorted(rel.fetchall(), key=lambda r: tuple(("" if v is None else str(v)) for v in r))


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def copy_consistent(cols, single, merged, single_copies, merged_copies):
    """The figure rows to compare: whole rows in groups whose documents carry the same copy
    marks in both runs, the figure's own columns in the others."""
    c = {n: i for i, n in enumerate(cols)}
    key = lambda r: (r[c["measure"]], r[c["incident"]], r[c["subject"]])
    docs = {}
    for r in single + merged:
        docs.setdefault(key(r), set()).update(r[c["docs"]] or [])
    consistent = {k for k, ds in docs.items()
                  if all(single_copies.get(d, "") == merged_copies.get(d, "") for d in ds)}
    own = [c[n] for n in ["measure", "source", "as_of", "value", "approx", "docs", "unit",
                          "subject", "incident"]]
    def pick(rows):
        out = [r if key(r) in consistent else tuple(r[i] for i in own) for r in rows]
        return sorted(out, key=lambda r: tuple(("" if v is None else str(v)) for v in r))
    note = (f"{len(consistent)} groups with the same copy marks compared in full, "
            f"{len(docs) - len(consistent)} with copies split across shards by figure")
    return pick(single), pick(merged), note


def main():
    merge_sql, work = sys.argv[1], sys.argv[2]
    os.chdir(work)
    os.makedirs("merged", exist_ok=True)
    con = duckdb.connect()
    with open(merge_sql, encoding="utf-8") as f:
        con.execute(f.read())
    bad = 0
    copy_of = lambda path: dict(con.sql(
        f"SELECT doc, coalesce(copy_of, '') FROM read_csv('{path}', header = true, "
        "all_varchar = true)").fetchall())
    single_copies = copy_of("single/copies.csv")
    merged_copies = copy_of("shards/*/copies.csv")
    for table in ["source_frames", "figures", "documents", "facts", "frame_hits",
                  "term_docs", "terms", "cooccurrence"]:
        sc, single = rows(con, f"single/{table}.parquet")
        mc, merged = rows(con, f"merged/{table}.parquet")
        if sc != mc:
            print(f"{table}: columns differ: {sc} vs {mc}")
            bad += 1
            continue
        if table == "figures":
            single, merged, note = copy_consistent(sc, single, merged, single_copies,
                                                   merged_copies)
            print(f"figures: {note}")
        diff = len(single) != len(merged) or any(
            not all(same(x, y) for x, y in zip(r, s)) for r, s in zip(single, merged)
        )
        print(f"{table}: single {len(single)} rows, merged {len(merged)} rows, "
              f"{'DIFFERENT' if diff else 'equal'}")
        if diff:
            bad += 1
            for r, s in zip(single, merged):
                if not all(same(x, y) for x, y in zip(r, s)):
                    print(f"  single: {r}\n  merged: {s}")
                    break
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
