-- shiten: merge the outputs of sharded runs (`shiten run --shard I/N --out shards/I`).
--
-- Run with DuckDB (CLI or the Python package) in the folder that holds `shards/`, after
-- `mkdir -p merged`:
--
--     duckdb < sql/merge.sql            # or: python -c "import duckdb; duckdb.sql(open('sql/merge.sql').read())"
--
-- Inputs: every shard's published tables, shards/*/documents.parquet, frame_hits.parquet and
-- facts.parquet (the --out folder of each shard, not its .shiten/ state). Each is a folder
-- of Parquet files, one per batch of documents, all with the same columns.
-- Outputs: merged/{documents,frame_hits,facts,source_frames,figures,term_docs,terms,
-- cooccurrence}.{parquet,csv}.
--
-- source_frames and figures are the same functions of the rows as in shiten itself
-- (src/aggregate/frames.rs, src/aggregate/stats.rs, src/facts/figures.rs); the test
-- tests/shards.rs checks that 4 shards merged here equal one run over the whole corpus.
-- Shards split documents by content hash, so a document and its duplicates land in one
-- shard and nothing is counted twice.

CREATE OR REPLACE TEMP TABLE documents AS
    SELECT * FROM read_parquet('shards/*/documents.parquet/*.parquet', union_by_name = true);
CREATE OR REPLACE TEMP TABLE frame_hits AS
    SELECT * FROM read_parquet('shards/*/frame_hits.parquet/*.parquet', union_by_name = true);
CREATE OR REPLACE TEMP TABLE facts AS
    SELECT * FROM read_parquet('shards/*/facts.parquet/*.parquet', union_by_name = true);
-- Copy marks as each shard found them (src/copies.rs). Byte-identical copies share a shard
-- (shards are cut by content hash); near-identical copies that fell into different shards
-- are not joined here, so their figures count as independent texts.
CREATE OR REPLACE TEMP TABLE copies AS
    SELECT * FROM read_csv('shards/*/copies.csv', header = true, all_varchar = true);

-- ------------------------------------------------------------------ source_frames

-- One row per (incident, source, frame): every statistic is computed within an incident.
-- A document counts in each incident of its `incidents` list, or in the empty incident
-- when it lists none; a hit counts in its own `incident`.
CREATE OR REPLACE TEMP TABLE sf_docs AS
    WITH d AS (
        SELECT row_number() OVER () AS rid, doc, source,
            coalesce(incidents, []::VARCHAR[]) AS incidents
        FROM documents
    ), parts AS (
        SELECT rid, doc, source, trim(unnest(incidents)) AS incident FROM d
    ), named AS (SELECT * FROM parts WHERE incident <> '')
    SELECT doc, source, incident FROM named
    UNION ALL SELECT doc, source, '' AS incident FROM d
        WHERE rid NOT IN (SELECT rid FROM named);

-- Hits of documents present in `documents`, with the source of the documents row.
CREATE OR REPLACE TEMP TABLE sf_hits AS
    SELECT coalesce(h.incident, '') AS incident, d.source, h.doc, h.frame, h.stance
    FROM frame_hits h JOIN documents d ON d.doc = h.doc;

CREATE OR REPLACE TEMP TABLE sf_sources AS
    SELECT incident, source, sum(n)::BIGINT AS docs_total FROM (
        SELECT incident, source, 1 AS n FROM sf_docs
        UNION ALL SELECT DISTINCT incident, source, 0 AS n FROM sf_hits
    ) GROUP BY incident, source;

CREATE OR REPLACE TEMP TABLE sf_frames AS SELECT DISTINCT incident, frame FROM sf_hits;

CREATE OR REPLACE TEMP TABLE sf_cells AS
    SELECT s.incident, s.source, f.frame, s.docs_total,
        coalesce(c.docs, 0)::BIGINT AS docs,
        coalesce(c.asserted, 0)::BIGINT AS hits_asserted,
        coalesce(c.reported, 0)::BIGINT AS hits_reported,
        coalesce(c.doubted, 0)::BIGINT AS hits_doubted,
        coalesce(c.negated, 0)::BIGINT AS hits_negated
    FROM sf_sources s JOIN sf_frames f USING (incident)
    LEFT JOIN (
        SELECT incident, source, frame, count(DISTINCT doc) AS docs,
            count(*) FILTER (WHERE stance = 'asserted') AS asserted,
            count(*) FILTER (WHERE stance = 'reported') AS reported,
            count(*) FILTER (WHERE stance = 'doubted') AS doubted,
            count(*) FILTER (WHERE stance = 'negated') AS negated
        FROM sf_hits GROUP BY incident, source, frame
    ) c ON c.incident = s.incident AND c.source = s.source AND c.frame = f.frame;

-- 2×2 tables [[a, b], [c, d]] within the incident: this source vs the incident's others ×
-- gives the frame or not.
CREATE OR REPLACE TEMP TABLE sf_tables AS
    SELECT x.incident, x.source, x.frame,
        x.docs AS a,
        x.docs_total - x.docs AS b,
        fd.frame_docs - x.docs AS c,
        (t.total_docs - x.docs_total) - (fd.frame_docs - x.docs) AS d
    FROM sf_cells x
    JOIN (SELECT incident, frame, sum(docs)::BIGINT AS frame_docs FROM sf_cells
        GROUP BY incident, frame) fd USING (incident, frame)
    JOIN (SELECT incident, sum(docs_total)::BIGINT AS total_docs FROM sf_sources
        GROUP BY incident) t USING (incident);

-- Two-sided Fisher exact test, minimum-likelihood rule with a relative tolerance of 1e-7
-- (as R's fisher.test and SciPy's fisher_exact): sum the hypergeometric probabilities of
-- the tables with the same margins that are no more likely than the observed one.
CREATE OR REPLACE TEMP MACRO ln_hyper(x, r1, c1, n) AS
    lgamma(r1 + 1) + lgamma(n - r1 + 1) + lgamma(c1 + 1) + lgamma(n - c1 + 1) - lgamma(n + 1)
    - lgamma(x + 1) - lgamma(r1 - x + 1) - lgamma(c1 - x + 1) - lgamma(n - r1 - c1 + x + 1);

CREATE OR REPLACE TEMP TABLE sf_fisher AS
    WITH m AS (
        SELECT incident, source, frame, a, a + b AS r1, a + c AS c1, a + b + c + d AS n
        FROM sf_tables
    ), support AS (
        SELECT incident, source, frame, a, r1, c1, n,
            unnest(generate_series(greatest(0, r1 + c1 - n), least(r1, c1))) AS x
        FROM m
        WHERE NOT (n = 0 OR r1 = 0 OR r1 = n OR c1 = 0 OR c1 = n)
    ), probs AS (
        SELECT incident, source, frame,
            ln_hyper(x::DOUBLE, r1::DOUBLE, c1::DOUBLE, n::DOUBLE) AS lp,
            ln_hyper(a::DOUBLE, r1::DOUBLE, c1::DOUBLE, n::DOUBLE) AS lp_obs
        FROM support
    ), scaled AS (
        SELECT incident, source, frame, lp, lp_obs,
            max(lp) OVER (PARTITION BY incident, source, frame) AS lp_max
        FROM probs
    )
    SELECT incident, source, frame,
        least(1.0,
            sum(CASE WHEN exp(lp - lp_max) <= exp(lp_obs - lp_max) * (1 + 1e-7)
                THEN exp(lp - lp_max) ELSE 0 END) / sum(exp(lp - lp_max))) AS p_value
    FROM scaled GROUP BY incident, source, frame;

-- Adjusted (standardized) Pearson residuals of the incident's source × frame table of
-- document counts.
CREATE OR REPLACE TEMP TABLE sf_residuals AS
    WITH r AS (SELECT incident, source, sum(docs)::DOUBLE AS r FROM sf_cells
        GROUP BY incident, source),
    c AS (SELECT incident, frame, sum(docs)::DOUBLE AS c FROM sf_cells GROUP BY incident, frame),
    t AS (SELECT incident, sum(docs)::DOUBLE AS total FROM sf_cells GROUP BY incident),
    e AS (
        SELECT x.incident, x.source, x.frame, x.docs::DOUBLE AS o, r.r * c.c / t.total AS e,
            (r.r * c.c / t.total) * (1 - r.r / t.total) * (1 - c.c / t.total) AS v, t.total
        FROM sf_cells x JOIN r USING (incident, source) JOIN c USING (incident, frame)
        JOIN t USING (incident)
        WHERE t.total > 0
    )
    SELECT incident, source, frame, CASE WHEN v > 0 THEN (o - e) / sqrt(v) END AS std_residual
    FROM e;

-- A p-value needs a second source on the incident.
CREATE OR REPLACE TEMP TABLE sf_p AS
    SELECT x.incident, x.source, x.frame,
        CASE WHEN n.sources > 1 THEN coalesce(f.p_value, 1.0) END AS p_value
    FROM sf_cells x
    JOIN (SELECT incident, count(*) AS sources FROM sf_sources GROUP BY incident) n
        USING (incident)
    LEFT JOIN sf_fisher f USING (incident, source, frame);

-- Benjamini–Hochberg q-values of the incident's p-values: for rank i of m (ascending p),
-- the smallest p_(j) · (m / j) over j >= i, at most 1 (ties get the same q whatever their
-- order, as in src/aggregate/stats.rs).
CREATE OR REPLACE TEMP TABLE sf_q AS
    WITH ranked AS (
        SELECT incident, source, frame, p_value,
            row_number() OVER (PARTITION BY incident ORDER BY p_value, source, frame) AS k,
            count(*) OVER (PARTITION BY incident) AS m
        FROM sf_p WHERE p_value IS NOT NULL
    )
    SELECT incident, source, frame,
        least(1.0, greatest(p_value, min(p_value * (m::DOUBLE / k::DOUBLE)) OVER (
            PARTITION BY incident ORDER BY k DESC
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))) AS q_value
    FROM ranked;

CREATE OR REPLACE TEMP TABLE source_frames AS
    SELECT x.incident, x.source, x.frame, x.docs, x.docs_total,
        CASE WHEN x.docs_total > 0 THEN x.docs / x.docs_total ELSE 0.0 END::DOUBLE AS share,
        x.hits_asserted + x.hits_reported + x.hits_doubted + x.hits_negated AS hits,
        p.p_value,
        q.q_value,
        r.std_residual,
        x.hits_asserted, x.hits_reported, x.hits_doubted, x.hits_negated
    FROM sf_cells x
    JOIN sf_p p USING (incident, source, frame)
    LEFT JOIN sf_q q USING (incident, source, frame)
    LEFT JOIN sf_residuals r USING (incident, source, frame)
    ORDER BY x.incident, x.source, x.frame;

-- ------------------------------------------------------------------ figures

-- Precision of a written figure: 10 to the number of its trailing zeros (1 for 0).
CREATE OR REPLACE TEMP MACRO fig_prec(v) AS
    CASE WHEN v = 0 THEN 1::HUGEINT
    ELSE (10::HUGEINT ** (length(v::VARCHAR) - length(rtrim(v::VARCHAR, '0'))))::HUGEINT END;
-- Largest multiple of p not above x (floor division for p > 0).
CREATE OR REPLACE TEMP MACRO fig_floor(x, p) AS x - (((x % p) + p) % p);
-- Whether x agrees with the written figure (v, approx, bound); lenient widens a hedge.
CREATE OR REPLACE TEMP MACRO fig_agrees(v, approx, bound, x, lenient) AS
    CASE
        WHEN bound = 'lower' THEN x >= v
        WHEN bound = 'upper' THEN x <= v
        WHEN approx THEN
            CASE WHEN lenient THEN abs(x - v) <= fig_prec(v) ELSE 2 * abs(x - v) <= fig_prec(v) END
        ELSE fig_floor(x + fig_prec(v) // 2, fig_prec(v)) = v OR fig_floor(x, fig_prec(v)) = v
    END;
-- Whether two figures agree up to the precision of the coarser.
CREATE OR REPLACE TEMP MACRO fig_compatible(av, aa, ab, bv, ba, bb, lenient) AS
    (fig_agrees(av, aa, ab, bv, lenient)
        AND (ab <> 'none' OR fig_prec(av) >= fig_prec(bv) OR aa))
    OR (fig_agrees(bv, ba, bb, av, lenient)
        AND (bb <> 'none' OR fig_prec(bv) >= fig_prec(av) OR ba));
-- Verdict of the current figure (c*) against an earlier one (p*).
CREATE OR REPLACE TEMP MACRO fig_verdict(pv, pa, pb, cv, ca, cb, same_as_of) AS
    CASE
        WHEN pv = cv AND pa = ca THEN 'same'
        WHEN same_as_of THEN
            CASE WHEN fig_compatible(pv, pa, pb, cv, ca, cb, true) THEN 'rounded' ELSE 'conflict' END
        WHEN fig_compatible(pv, pa, pb, cv, ca, cb, false) THEN 'rounded'
        ELSE 'updated'
    END;
CREATE OR REPLACE TEMP MACRO fig_label(source, as_of, approx, v) AS
    source || '@' || coalesce(as_of, '?') || '=' || CASE WHEN approx THEN '~' ELSE '' END
    || v::VARCHAR;

-- One figure per measure × incident × subject × as-of × source × value × hedge: figures of
-- different incidents (and of none: a national statistic) are never compared.
CREATE OR REPLACE TEMP TABLE fig AS
    WITH f AS (
        SELECT *,
            TRY_CAST(value AS BIGINT) AS v,
            CASE WHEN list_contains(string_split(qualifier, '+'), 'lower') THEN 'lower'
                WHEN list_contains(string_split(qualifier, '+'), 'upper') THEN 'upper'
                ELSE 'none' END AS bound
        FROM facts
        WHERE comparable AND NOT list_contains(string_split(qualifier, '+'), 'per')
    )
    SELECT measure, incident, subject, as_of, source, v::HUGEINT AS v, approx,
        CASE WHEN min(bound) = max(bound) THEN min(bound) ELSE 'none' END AS bound,
        arg_min(unit, (doc, byte_start)) AS unit,
        list(DISTINCT doc ORDER BY doc) AS docs,
        -- The texts behind them: each document's first-seen copy (itself for an original).
        list(DISTINCT coalesce(nullif(c.copy_of, ''), doc)) AS texts,
        bool_and(coalesce(c.copy_of, '') <> '') AS all_copies,
        -- Functions of as_of (its typed form and precision).
        any_value(as_of_at) AS as_of_at, any_value(as_of_precision) AS as_of_precision
    FROM f LEFT JOIN (SELECT doc, copy_of FROM copies) c USING (doc)
    WHERE v IS NOT NULL AND v::VARCHAR = value
    GROUP BY measure, incident, subject, as_of, source, v, approx;

-- Order within a measure, incident and subject: by as-of time (a stated time of a day
-- before the bare date), then source, value and hedge; figures without an as-of time last.
CREATE OR REPLACE TEMP TABLE fig_all AS
    SELECT *,
        row_number() OVER (
            PARTITION BY measure, incident, subject
            ORDER BY as_of IS NULL,
                split_part(coalesce(as_of, ''), 'T', 1),
                NOT contains(coalesce(as_of, ''), 'T'),
                CASE WHEN contains(coalesce(as_of, ''), 'T')
                    THEN substr(as_of, strpos(as_of, 'T') + 1) ELSE '' END,
                source, v, approx) AS k
    FROM fig;

-- Texts counted by earlier rows, per value: a row whose documents are all copies of texts
-- that earlier rows already gave this value for repeats a wire story, confirms nothing and
-- is compared with the first row that counted one of them; the other rows are compared
-- among themselves.
CREATE OR REPLACE TEMP TABLE fig_texts AS
    WITH t AS (
        SELECT measure, incident, subject, k, v, approx, unnest(texts) AS text FROM fig_all
    ), firsts AS (
        SELECT *, min(k) OVER (PARTITION BY measure, incident, subject, text, v, approx)
            AS first_k
        FROM t
    )
    SELECT measure, incident, subject, k,
        count(*) FILTER (WHERE first_k = k) AS independent_docs,
        min(first_k) FILTER (WHERE first_k < k) AS earlier_k
    FROM firsts GROUP BY measure, incident, subject, k;

CREATE OR REPLACE TEMP TABLE fig_copies AS
    SELECT a.*, t.independent_docs, t.earlier_k
    FROM fig_all a JOIN fig_texts t ON t.measure = a.measure
        AND t.incident IS NOT DISTINCT FROM a.incident
        AND t.subject IS NOT DISTINCT FROM a.subject AND t.k = a.k;

CREATE OR REPLACE TEMP TABLE fig_ord AS
    SELECT *,
        row_number() OVER (PARTITION BY measure, incident, subject ORDER BY k) AS i,
        count(as_of) OVER (PARTITION BY measure, incident, subject) AS dated
    FROM fig_copies WHERE independent_docs > 0 OR NOT all_copies;

-- Every earlier figure j of the same group against figure i.
CREATE OR REPLACE TEMP TABLE fig_pairs AS
    SELECT c.measure, c.incident, c.subject, c.i, p.i AS j, p.as_of IS NOT NULL AS j_dated,
        fig_verdict(p.v, p.approx, p.bound, c.v, c.approx, c.bound,
            CASE WHEN c.as_of IS NULL THEN true
                ELSE p.as_of IS NOT NULL
                    AND (starts_with(c.as_of, p.as_of) OR starts_with(p.as_of, c.as_of)) END)
            AS verdict,
        p.v = c.v AND p.approx = c.approx AS identical,
        fig_compatible(p.v, p.approx, p.bound, c.v, c.approx, c.bound, true) AS compatible,
        fig_label(p.source, p.as_of, p.approx, p.v) AS label
    FROM fig_ord c JOIN fig_ord p
        ON p.measure = c.measure AND p.incident IS NOT DISTINCT FROM c.incident
        AND p.subject IS NOT DISTINCT FROM c.subject AND p.i < c.i;

CREATE OR REPLACE TEMP TABLE figures_text AS
    WITH prev AS (
        SELECT measure, incident, subject, i, verdict, label FROM fig_pairs WHERE j = i - 1
    ), restated AS (
        -- The latest figure before the previous one that this one agrees with.
        SELECT measure, incident, subject, i, arg_max(verdict, j) AS verdict,
            arg_max(label, j) AS label
        FROM fig_pairs WHERE j < i - 1 AND verdict IN ('same', 'rounded')
        GROUP BY measure, incident, subject, i
    ), undated AS (
        -- A figure without an as-of time against the dated ones: the latest identical,
        -- else the latest compatible, else a conflict with the latest.
        SELECT measure, incident, subject, i,
            arg_max(label, j) FILTER (WHERE identical) AS same_label,
            arg_max(label, j) FILTER (WHERE compatible) AS rounded_label,
            arg_max(label, j) AS latest_label
        FROM fig_pairs WHERE j_dated GROUP BY measure, incident, subject, i
    )
    SELECT o.measure, o.source, o.as_of, o.as_of_at, o.as_of_precision, o.v::VARCHAR AS value,
        o.v::BIGINT AS value_num, o.approx,
        CASE
            WHEN o.i = 1 THEN 'first'
            WHEN o.as_of IS NOT NULL THEN
                CASE WHEN p.verdict IN ('updated', 'conflict') AND r.verdict IS NOT NULL
                    THEN r.verdict ELSE p.verdict END
            WHEN o.dated = 0 THEN p.verdict
            WHEN u.same_label IS NOT NULL THEN 'same'
            WHEN u.rounded_label IS NOT NULL THEN 'rounded'
            ELSE 'conflict'
        END AS verdict,
        o.docs, o.unit,
        CASE
            WHEN o.i = 1 THEN NULL
            WHEN o.as_of IS NOT NULL THEN
                CASE WHEN p.verdict IN ('updated', 'conflict') AND r.verdict IS NOT NULL
                    THEN r.label ELSE p.label END
            WHEN o.dated = 0 THEN p.label
            ELSE coalesce(u.same_label, u.rounded_label, u.latest_label)
        END AS compared_with,
        o.subject, o.incident, o.independent_docs, o.k
    FROM fig_ord o
    LEFT JOIN prev p ON p.measure = o.measure AND p.incident IS NOT DISTINCT FROM o.incident
        AND p.subject IS NOT DISTINCT FROM o.subject AND p.i = o.i
    LEFT JOIN restated r ON r.measure = o.measure
        AND r.incident IS NOT DISTINCT FROM o.incident
        AND r.subject IS NOT DISTINCT FROM o.subject AND r.i = o.i
    LEFT JOIN undated u ON u.measure = o.measure
        AND u.incident IS NOT DISTINCT FROM o.incident
        AND u.subject IS NOT DISTINCT FROM o.subject AND u.i = o.i
    UNION ALL
    SELECT c.measure, c.source, c.as_of, c.as_of_at, c.as_of_precision, c.v::VARCHAR,
        c.v::BIGINT, c.approx, 'copy', c.docs, c.unit,
        fig_label(e.source, e.as_of, e.approx, e.v), c.subject, c.incident, 0, c.k
    FROM fig_copies c JOIN fig_copies e ON e.measure = c.measure
        AND e.incident IS NOT DISTINCT FROM c.incident
        AND e.subject IS NOT DISTINCT FROM c.subject AND e.k = c.earlier_k
    WHERE c.independent_docs = 0 AND c.all_copies;

-- compared_with (`source@as_of=value`, `~` before a hedged value, `?` for no as-of time)
-- also as its parts, as shiten writes them: split at the last `=` and the last `@` before.
CREATE OR REPLACE TEMP MACRO fig_part(label, k) AS
    regexp_extract(label, '^(.*)@([^@=]*)=(~?)(-?[0-9]+)$', k);
CREATE OR REPLACE TEMP TABLE figures AS
    SELECT measure, source, as_of, as_of_at, as_of_precision, value, value_num, approx,
        verdict, docs, unit, compared_with,
        fig_part(compared_with, 1) AS compared_source,
        nullif(fig_part(compared_with, 2), '?') AS compared_as_of,
        fig_part(compared_with, 4)::BIGINT AS compared_value,
        fig_part(compared_with, 3) = '~' AS compared_approx,
        subject, incident, independent_docs::BIGINT AS independent_docs
    FROM figures_text
    ORDER BY measure, incident NULLS FIRST, subject NULLS FIRST, k;

-- ------------------------------------------------------------------ write

COPY documents TO 'merged/documents.parquet' (FORMAT parquet);
-- CSV as shiten writes it: lists `; `-joined.
COPY (SELECT * REPLACE (array_to_string(incidents, '; ') AS incidents) FROM documents)
    TO 'merged/documents.csv' (HEADER);
COPY frame_hits TO 'merged/frame_hits.parquet' (FORMAT parquet);
COPY frame_hits TO 'merged/frame_hits.csv' (HEADER);
COPY facts TO 'merged/facts.parquet' (FORMAT parquet);
COPY facts TO 'merged/facts.csv' (HEADER);
COPY source_frames TO 'merged/source_frames.parquet' (FORMAT parquet);
COPY source_frames TO 'merged/source_frames.csv' (HEADER);
COPY figures TO 'merged/figures.parquet' (FORMAT parquet);
COPY (SELECT * REPLACE (array_to_string(docs, '; ') AS docs) FROM figures)
    TO 'merged/figures.csv' (HEADER);

-- ------------------------------------------------------------------ terms, cooccurrence
--
-- From every shard's term_docs (one row per document × incident × content word, with the
-- body sentences it occurs in), the same functions as src/aggregate/terms.rs and
-- src/aggregate/stats.rs: G² of the full 2×2 table, Log Ratio (a zero count as 0.5),
-- P(χ²₁ ≥ G²) by the erfc fit shiten uses, Benjamini–Hochberg per incident; pairs of
-- words in one sentence, the 150 with most sentences (at least 2) per incident.
-- An empty incident is kept as '' while computing and written as NULL, as shiten does.

CREATE OR REPLACE TEMP TABLE term_docs AS
    SELECT * FROM read_parquet('shards/*/term_docs.parquet/*.parquet', union_by_name = true);

CREATE OR REPLACE TEMP TABLE tm_cells AS
    SELECT coalesce(incident, '') AS inc, source, term, min(pos) AS pos,
        sum(count)::BIGINT AS count, count(*)::BIGINT AS docs
    FROM term_docs GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE tm_sources AS
    SELECT coalesce(incident, '') AS inc, source, count(DISTINCT doc)::BIGINT AS docs_total,
        sum(count)::BIGINT AS n_s
    FROM term_docs GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE tm_incidents AS
    SELECT inc, sum(docs_total)::BIGINT AS docs_all, sum(n_s)::BIGINT AS n_all,
        count(*)::BIGINT AS n_sources
    FROM tm_sources GROUP BY inc;

CREATE OR REPLACE TEMP TABLE tm_all AS
    SELECT inc, term, min(pos) AS pos, sum(count)::BIGINT AS count, sum(docs)::BIGINT AS docs
    FROM tm_cells GROUP BY inc, term;

CREATE OR REPLACE TEMP MACRO tm_xlnx(o, e) AS CASE WHEN o > 0 AND e > 0 THEN o * ln(o / e) ELSE 0.0 END;
CREATE OR REPLACE TEMP MACRO tm_g2(a, b, c, d) AS 2.0 * (
      tm_xlnx(a, (a + b) * (a + c) / (a + b + c + d))
    + tm_xlnx(b, (a + b) * (b + d) / (a + b + c + d))
    + tm_xlnx(c, (c + d) * (a + c) / (a + b + c + d))
    + tm_xlnx(d, (c + d) * (b + d) / (a + b + c + d)));
-- erfc by Numerical Recipes' erfcc (the same closed form as stats::erfc), for x >= 0.
CREATE OR REPLACE TEMP MACRO tm_erfc_t(t, z) AS t * exp(-z * z - 1.26551223
    + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223
    + t * 0.17087277)))))))));
CREATE OR REPLACE TEMP MACRO tm_erfc(z) AS tm_erfc_t(1.0 / (1.0 + 0.5 * z), z);
CREATE OR REPLACE TEMP MACRO tm_sf(g) AS
    CASE WHEN g <= 0 THEN 1.0 ELSE greatest(0.0, least(1.0, tm_erfc(sqrt(g / 2.0)))) END;
CREATE OR REPLACE TEMP MACRO tm_half(x) AS CASE WHEN x > 0 THEN x ELSE 0.5 END;

CREATE OR REPLACE TEMP TABLE tm_tested AS
    SELECT c.inc, c.source, c.term, c.pos, c.count, c.docs, s.docs_total,
        c.count::DOUBLE AS a, s.n_s::DOUBLE AS n1,
        (al.count - c.count)::DOUBLE AS o, (i.n_all - s.n_s)::DOUBLE AS n2,
        i.n_sources > 1 AND i.n_all - s.n_s > 0 AS tested
    FROM tm_cells c
    JOIN tm_sources s USING (inc, source)
    JOIN tm_incidents i USING (inc)
    JOIN tm_all al USING (inc, term);

CREATE OR REPLACE TEMP TABLE tm_keyness AS
    SELECT *,
        CASE WHEN tested THEN
            CASE WHEN a * n2 >= o * n1 THEN 1.0 ELSE -1.0 END * tm_g2(a, n1 - a, o, n2 - o)
        END AS keyness
    FROM tm_tested;

CREATE OR REPLACE TEMP TABLE tm_p AS
    SELECT *,
        CASE WHEN tested THEN log2((tm_half(a) / n1) / (tm_half(o) / n2)) END AS log_ratio,
        CASE WHEN tested THEN tm_sf(abs(keyness)) END AS p_value
    FROM tm_keyness;

CREATE OR REPLACE TEMP TABLE tm_ranked AS
    SELECT *,
        row_number() OVER (PARTITION BY inc ORDER BY p_value, source, term) AS rk,
        count(*) OVER (PARTITION BY inc) AS m
    FROM tm_p WHERE p_value IS NOT NULL;

CREATE OR REPLACE TEMP TABLE tm_q AS
    SELECT inc, source, term,
        least(1.0, min(p_value * m::DOUBLE / rk::DOUBLE) OVER (
            PARTITION BY inc ORDER BY rk DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        )) AS q_value
    FROM tm_ranked;

CREATE OR REPLACE TEMP TABLE terms AS
    SELECT nullif(inc, '') AS incident, source, term, pos, count, docs, docs_total, share,
        keyness, log_ratio, p_value, q_value
    FROM (
        SELECT al.inc, '*' AS source, al.term, al.pos, al.count, al.docs,
            i.docs_all AS docs_total,
            CASE WHEN i.docs_all > 0 THEN al.docs / i.docs_all ELSE 0.0 END AS share,
            NULL::DOUBLE AS keyness, NULL::DOUBLE AS log_ratio, NULL::DOUBLE AS p_value,
            NULL::DOUBLE AS q_value, 0 AS part
        FROM tm_all al JOIN tm_incidents i USING (inc)
        UNION ALL
        SELECT p.inc, p.source, p.term, p.pos, p.count, p.docs, p.docs_total,
            CASE WHEN p.docs_total > 0 THEN p.docs / p.docs_total ELSE 0.0 END,
            p.keyness, p.log_ratio, p.p_value, q.q_value, 1
        FROM tm_p p LEFT JOIN tm_q q USING (inc, source, term)
    )
    ORDER BY inc, part, source, keyness DESC NULLS LAST, count DESC, term;

CREATE OR REPLACE TEMP TABLE co_words AS
    SELECT DISTINCT coalesce(incident, '') AS inc, doc, s::INTEGER AS sent, term
    FROM term_docs, unnest(string_split(sentence_ids, ' ')) AS u(s)
    WHERE s <> '';

CREATE OR REPLACE TEMP TABLE co_single AS
    SELECT inc, term, count(*)::BIGINT AS n FROM co_words GROUP BY inc, term;

CREATE OR REPLACE TEMP TABLE cooccurrence AS
    SELECT nullif(inc, '') AS incident, term_a, term_b, sentences, jaccard, count_a, count_b
    FROM (
        SELECT p.*, sa.n AS count_a, sb.n AS count_b,
            p.sentences / greatest(sa.n + sb.n - p.sentences, 1)::DOUBLE AS jaccard
        FROM (
            SELECT x.inc, x.term AS term_a, y.term AS term_b, count(*)::BIGINT AS sentences
            FROM co_words x JOIN co_words y
                ON x.inc = y.inc AND x.doc = y.doc AND x.sent = y.sent AND x.term < y.term
            GROUP BY ALL
            HAVING count(*) >= 2
        ) p
        JOIN co_single sa ON sa.inc = p.inc AND sa.term = p.term_a
        JOIN co_single sb ON sb.inc = p.inc AND sb.term = p.term_b
    )
    QUALIFY row_number() OVER (
        PARTITION BY inc ORDER BY sentences DESC, jaccard DESC, term_a, term_b) <= 150
    ORDER BY inc, sentences DESC, jaccard DESC, term_a, term_b;

COPY term_docs TO 'merged/term_docs.parquet' (FORMAT parquet);
COPY term_docs TO 'merged/term_docs.csv' (HEADER);
COPY terms TO 'merged/terms.parquet' (FORMAT parquet);
COPY terms TO 'merged/terms.csv' (HEADER);
COPY cooccurrence TO 'merged/cooccurrence.parquet' (FORMAT parquet);
COPY cooccurrence TO 'merged/cooccurrence.csv' (HEADER);
