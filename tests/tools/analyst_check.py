"""Loads every table of a shiten output folder with polars and with DuckDB, as an analyst
would, and answers three questions with one query each (in both tools).

Usage: python analyst_check.py OUT
Prints one JSON object: for each table and tool the column types; the CSV header as each
CSV reader sees it; and the answers:
  damage   - which outlets gave the 7pay damage amount, and when each updated it
  twofa    - each outlet's share of its 7pay articles blaming missing 2FA
  conflict - every conflicting figure with the sentence on each side
tests/analyst.rs checks the types and the answers against the corpus.
"""

import csv
import datetime
import json
import os
import sys

import duckdb
import polars as pl

ROW_TABLES = ["documents", "mentions", "entities", "facts", "frame_hits", "term_docs"]
SINGLE_TABLES = ["source_frames", "figures", "skipped", "terms", "cooccurrence"]


def parquet_path(out, table):
    # A published row table is a folder of Parquet files (one per batch).
    p = os.path.join(out, f"{table}.parquet")
    return os.path.join(p, "*.parquet") if os.path.isdir(p) else p


def plain(v):
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.isoformat()
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def main():
    out = sys.argv[1]
    con = duckdb.connect()
    frames = {}
    result = {"polars": {}, "duckdb": {}, "csv": {}}
    for table in ROW_TABLES + SINGLE_TABLES:
        path = parquet_path(out, table)
        df = pl.read_parquet(path)
        frames[table] = df
        result["polars"][table] = {c: str(t) for c, t in df.schema.items()}
        con.sql(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
        result["duckdb"][table] = {
            r[0]: r[1] for r in con.sql(f"DESCRIBE {table}").fetchall()
        }
        csv_path = os.path.join(out, f"{table}.csv")
        with open(csv_path, "rb") as f:
            head = f.read(3)
        result["csv"][table] = {
            "bom": head == b"\xef\xbb\xbf",
            "polars": pl.read_csv(csv_path, infer_schema=False).columns[:1],
            "duckdb": con.sql(f"SELECT * FROM read_csv('{csv_path}')").columns[:1],
            "python_csv_utf8_sig": next(csv.reader(open(csv_path, encoding="utf-8-sig", newline="")))[:1],
            "rows": pl.read_csv(csv_path, infer_schema=False).height,
            "parquet_rows": df.height,
            "parquet_first": df.columns[0],
        }

    # (a) Which outlets gave the 7pay damage amount, and when each updated it.
    q_damage = """
        SELECT source, as_of_at, as_of_precision, value_num, verdict
        FROM figures
        WHERE measure = 'damage_amount' AND subject = '7pay'
        ORDER BY source, as_of_at NULLS LAST, value_num, verdict
    """
    damage = con.sql(q_damage).fetchall()
    damage_pl = (
        frames["figures"]
        .filter((pl.col("measure") == "damage_amount") & (pl.col("subject") == "7pay"))
        .sort(["source", "as_of_at", "value_num", "verdict"], nulls_last=True)
        .select(["source", "as_of_at", "as_of_precision", "value_num", "verdict"])
        .rows()
    )

    # (b) Each outlet's share of its articles on 7pay that blame missing 2FA (the frame
    # asserted or reported, not doubted or negated): from the row tables, by list column.
    q_twofa = """
        SELECT d.source,
            count(DISTINCT h.doc)::DOUBLE / count(DISTINCT d.doc) AS share,
            count(DISTINCT d.doc) AS articles
        FROM documents d
        LEFT JOIN frame_hits h ON h.doc = d.doc AND h.frame = 'two_factor_auth'
            AND h.incident = '7pay' AND h.stance IN ('asserted', 'reported')
        WHERE list_contains(d.incidents, '7pay')
        GROUP BY d.source
        ORDER BY d.source
    """
    twofa = con.sql(q_twofa).fetchall()
    hits = frames["frame_hits"].filter(
        (pl.col("frame") == "two_factor_auth")
        & (pl.col("incident") == "7pay")
        & pl.col("stance").is_in(["asserted", "reported"])
    )
    twofa_pl = (
        frames["documents"]
        .filter(pl.col("incidents").list.contains("7pay"))
        .with_columns(pl.col("doc").is_in(hits["doc"].implode()).alias("blames"))
        .group_by("source")
        .agg((pl.col("blames").sum() / pl.len()).alias("share"), pl.len().alias("articles"))
        .sort("source")
        .rows()
    )

    # (c) Every conflicting figure with the sentence on each side: the figure's facts
    # (its documents, value, as-of time) and the facts of the figure it conflicts with
    # (compared_source / compared_as_of / compared_value / compared_approx).
    q_conflict = """
        SELECT f.measure, f.subject, f.source, f.as_of, f.value_num,
            f.compared_source, f.compared_as_of, f.compared_value,
            a.doc AS doc, a.sentence_text AS sentence,
            b.doc AS compared_doc, b.sentence_text AS compared_sentence
        FROM figures f
        JOIN facts a ON list_contains(f.docs, a.doc) AND a.measure = f.measure
            AND a.source = f.source AND a.value_num = f.value_num AND a.approx = f.approx
            AND a.as_of IS NOT DISTINCT FROM f.as_of
            AND a.subject IS NOT DISTINCT FROM f.subject
            AND a.incident IS NOT DISTINCT FROM f.incident
        JOIN figures g ON g.measure = f.measure AND g.subject IS NOT DISTINCT FROM f.subject
            AND g.incident IS NOT DISTINCT FROM f.incident AND g.source = f.compared_source
            AND g.as_of IS NOT DISTINCT FROM f.compared_as_of
            AND g.value_num = f.compared_value AND g.approx = f.compared_approx
        JOIN facts b ON list_contains(g.docs, b.doc) AND b.measure = g.measure
            AND b.source = g.source AND b.value_num = g.value_num AND b.approx = g.approx
            AND b.as_of IS NOT DISTINCT FROM g.as_of
            AND b.subject IS NOT DISTINCT FROM g.subject
            AND b.incident IS NOT DISTINCT FROM g.incident
        WHERE f.verdict = 'conflict'
        ORDER BY ALL
    """
    conflict = con.sql(q_conflict).fetchall()
    n_conflicts = con.sql("SELECT count(*) FROM figures WHERE verdict = 'conflict'").fetchall()[0][0]
    keys = ["measure", "subject", "incident"]
    facts = frames["facts"].select(
        keys + ["doc", "source", "value_num", "approx", "as_of", "sentence_text"]
    )
    fig = frames["figures"]
    conflict_pl = (
        fig.filter(pl.col("verdict") == "conflict")
        .join(
            fig.select(
                keys
                + [
                    pl.col("source").alias("compared_source"),
                    pl.col("as_of").alias("compared_as_of"),
                    pl.col("value_num").alias("compared_value"),
                    pl.col("approx").alias("compared_approx"),
                    pl.col("docs").alias("compared_docs"),
                ]
            ),
            on=keys + ["compared_source", "compared_as_of", "compared_value", "compared_approx"],
            nulls_equal=True,
        )
        .explode("docs")
        .join(
            facts.rename({"doc": "docs"}),
            on=keys + ["docs", "source", "value_num", "approx", "as_of"],
            nulls_equal=True,
        )
        .explode("compared_docs")
        .join(
            facts.rename(
                {
                    "doc": "compared_docs",
                    "source": "compared_source",
                    "value_num": "compared_value",
                    "approx": "compared_approx",
                    "as_of": "compared_as_of",
                    "sentence_text": "compared_sentence",
                }
            ),
            on=keys
            + ["compared_docs", "compared_source", "compared_value", "compared_approx", "compared_as_of"],
            nulls_equal=True,
        )
        .select(
            "measure", "subject", "source", "as_of", "value_num", "compared_source",
            "compared_as_of", "compared_value", pl.col("docs").alias("doc"),
            pl.col("sentence_text").alias("sentence"), pl.col("compared_docs").alias("compared_doc"),
            "compared_sentence",
        )
        .sort(pl.all())
        .rows()
    )

    result["answers"] = {
        "damage": [plain(list(r)) for r in damage],
        "damage_polars": [plain(list(r)) for r in damage_pl],
        "twofa": [list(r) for r in twofa],
        "twofa_polars": [list(r) for r in twofa_pl],
        "conflict": [plain(list(r)) for r in conflict],
        "conflict_polars": [plain(list(r)) for r in conflict_pl],
        "conflict_figures": n_conflicts,
    }
    # pandas-style sums and maxima work on the numbers, not on text.
    result["checks"] = {
        "max_victims": con.sql(
            "SELECT max(value_num) FROM facts WHERE measure = 'victims'"
        ).fetchall()[0][0],
        "max_victims_text": con.sql(
            "SELECT max(value) FROM facts WHERE measure = 'victims'"
        ).fetchall()[0][0],
        "max_victims_polars": frames["facts"]
        .filter(pl.col("measure") == "victims")["value_num"]
        .max(),
    }
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1, default=str)


if __name__ == "__main__":
    main()
