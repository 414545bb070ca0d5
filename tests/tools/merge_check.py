"""Runs sql/merge.sql over shard outputs and compares the merged tables with a single run.

Usage: python merge_check.py MERGE_SQL WORKDIR
WORKDIR holds shards/*/ (each a `shiten run --shard I/N --out` folder) and single/ (one run
over the whole corpus). Writes WORKDIR/merged/ and exits 1 with the differing rows when a
merged table differs from the single run's (floats compared to 1e-9, rows sorted).
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


def main():
    merge_sql, work = sys.argv[1], sys.argv[2]
    os.chdir(work)
    os.makedirs("merged", exist_ok=True)
    con = duckdb.connect()
    with open(merge_sql, encoding="utf-8") as f:
        con.execute(f.read())
    bad = 0
    for table in ["source_frames", "figures", "documents", "facts", "frame_hits",
                  "term_docs", "terms", "cooccurrence"]:
        sc, single = rows(con, f"single/{table}.parquet")
        mc, merged = rows(con, f"merged/{table}.parquet")
        if sc != mc:
            print(f"{table}: columns differ: {sc} vs {mc}")
            bad += 1
            continue
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
