//! Scoring mentions against gold: a port of `../shared/tools/score_mentions.py`, giving
//! the same numbers on the same input.
//!
//! Both sides go through the same path: rows (gold JSONL, or our predictions rendered as
//! the JSON objects `--pred-out` writes) are loaded into [`Rec`]s with the script's value
//! normalization (numbers as numbers, ISO strings trimmed and upper-cased, ranges as
//! pairs), then matched one-to-one per document and kind with Kuhn's algorithm, visiting
//! candidates in the script's order (largest overlap, nearest start, index), so that not
//! only the counts but also which pairs match (and hence the agreement rates) agree.
//!
//! Lenient: same kind, overlapping spans, equal values. Strict: identical spans too.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value as Json, json};
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};

/// The kinds the scorer knows, in its order.
pub const KINDS: [&str; 8] = [
    "money",
    "count",
    "date",
    "datetime",
    "time",
    "duration",
    "relative_date",
    "ratio",
];

/// A normalized value.
#[derive(Debug, Clone, PartialEq)]
pub enum NormValue {
    /// null
    Null,
    /// true / false
    Bool(bool),
    /// A number (any numeric text)
    Num(f64),
    /// Other text (ISO forms upper-cased)
    Str(String),
    /// A range: low, high
    Range(Box<NormValue>, Box<NormValue>),
    /// A list of another length
    Tuple(Vec<NormValue>),
}

fn values_equal(a: &NormValue, b: &NormValue) -> bool {
    use NormValue::*;
    match (a, b) {
        (Range(a1, a2), Range(b1, b2)) => values_equal(a1, b1) && values_equal(a2, b2),
        (Tuple(x), Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        (Range(..) | Tuple(_), _) | (_, Range(..) | Tuple(_)) => false,
        (Num(x), Num(y)) => {
            // math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
            x == y || (x - y).abs() <= (1e-9 * x.abs().max(y.abs())).max(1e-9)
        }
        // Python: True == 1.0
        (Bool(x), Num(y)) | (Num(y), Bool(x)) => f64::from(u8::from(*x)) == *y,
        _ => a == b,
    }
}

static NUM_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?([eE][+-]?\d+)?$").expect("NUM_RE")
});
static DT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+]09:?00)?$")
        .expect("DT_RE")
});
static DATE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$").expect("DATE_RE"));
static TM_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^T?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$").expect("TM_RE"));
static PLAIN_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9A-Za-z:+\-./_]+$").expect("PLAIN_RE"));
static QUAL_SPLIT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[+,|;\s]+").expect("QUAL_SPLIT"));
static DIGITS_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\d+\s*$").expect("DIGITS_RE"));

fn int2(s: &str) -> String {
    format!("{:02}", s.parse::<u64>().unwrap_or(0))
}

/// The script's `norm_scalar`.
pub fn norm_scalar(v: &Json) -> NormValue {
    match v {
        Json::Null => NormValue::Null,
        Json::Bool(b) => NormValue::Bool(*b),
        Json::Number(n) => n.as_f64().map_or(NormValue::Null, NormValue::Num),
        Json::Array(_) | Json::Object(_) => NormValue::Str(python_dumps(v)),
        Json::String(s) => norm_str(s),
    }
}

fn norm_str(s: &str) -> NormValue {
    let s: String = s.nfkc().collect();
    let s = s.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("null") || s.eq_ignore_ascii_case("none") {
        return NormValue::Null;
    }
    if NUM_RE.is_match(s) {
        return s
            .replace(',', "")
            .parse::<f64>()
            .map_or(NormValue::Str(s.to_string()), NormValue::Num);
    }
    if let Some(c) = DT_RE.captures(s) {
        let sec = match c.get(4) {
            Some(x) if x.as_str() != "00" => format!(":{}", x.as_str()),
            _ => String::new(),
        };
        return NormValue::Str(format!("{}T{}:{}{sec}", &c[1], int2(&c[2]), &c[3]));
    }
    if let Some(c) = DATE_RE.captures(s) {
        let mut out = c[1].to_string();
        for g in [c.get(2), c.get(3)].into_iter().flatten() {
            out.push('-');
            out.push_str(&int2(g.as_str()));
        }
        return NormValue::Str(out);
    }
    if let Some(c) = TM_RE.captures(s) {
        let sec = match c.get(3) {
            Some(x) if x.as_str() != "00" => format!(":{}", x.as_str()),
            _ => String::new(),
        };
        return NormValue::Str(format!("{}:{}{sec}", int2(&c[1]), &c[2]));
    }
    if PLAIN_RE.is_match(s) {
        return NormValue::Str(s.to_uppercase());
    }
    NormValue::Str(s.to_string())
}

/// `json.dumps(v, ensure_ascii=False, sort_keys=True)` for the rare list/dict scalar.
fn python_dumps(v: &Json) -> String {
    match v {
        Json::Array(a) => format!(
            "[{}]",
            a.iter().map(python_dumps).collect::<Vec<_>>().join(", ")
        ),
        Json::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}: {}", Json::String(k.clone()), python_dumps(&o[k])))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// The script's `norm_value`: lists and value + value_upper become ranges.
pub fn norm_value(v: &Json, upper: &Json) -> NormValue {
    if let Json::Array(a) = v {
        return match a.len() {
            0 => NormValue::Null,
            1 => norm_value(&a[0], upper),
            2 => NormValue::Range(Box::new(norm_scalar(&a[0])), Box::new(norm_scalar(&a[1]))),
            _ => NormValue::Tuple(a.iter().map(norm_scalar).collect()),
        };
    }
    let up = if upper.is_array() {
        NormValue::Null
    } else {
        norm_scalar(upper)
    };
    if up != NormValue::Null {
        return NormValue::Range(Box::new(norm_scalar(v)), Box::new(up));
    }
    norm_scalar(v)
}

/// The script's `norm_qualifier`: a set of parts, `{"none"}` when empty.
pub fn norm_qualifier(q: &Json) -> BTreeSet<String> {
    let s = match q {
        Json::Null => return BTreeSet::from(["none".to_string()]),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut parts = BTreeSet::new();
    for p in QUAL_SPLIT.split(s.trim().to_lowercase().as_str()) {
        let p = match p {
            "on_or_after" | "since" => "lower",
            "on_or_before" | "until" => "upper",
            "" => "none",
            x => x,
        };
        if !p.is_empty() {
            parts.insert(p.to_string());
        }
    }
    parts.remove("none");
    if parts.is_empty() {
        parts.insert("none".to_string());
    }
    parts
}

/// One gold, predicted or trap mention.
#[derive(Debug, Clone)]
pub struct Rec {
    /// `file line N`, for messages.
    pub src: String,
    /// Document key (base name without `.txt`).
    pub doc: String,
    /// Document as given.
    pub doc_raw: String,
    /// Kind (lower-cased).
    pub kind: String,
    /// Surface.
    pub text: Option<String>,
    /// Normalized value.
    pub value: NormValue,
    /// Approximate.
    pub approx: bool,
    /// Qualifier parts.
    pub qualifier: BTreeSet<String>,
    /// Unit.
    pub unit: Option<String>,
    /// Code-point span.
    pub cs: Option<usize>,
    /// Code-point span end.
    pub ce: Option<usize>,
    /// Byte span.
    pub bs: Option<usize>,
    /// Byte span end.
    pub be: Option<usize>,
    /// Trap reason.
    pub reason: Option<String>,
}

impl Rec {
    fn span(&self) -> (usize, usize) {
        (self.cs.unwrap_or(0), self.ce.unwrap_or(0))
    }
}

fn doc_key(name: &str) -> String {
    let base = name.replace('\\', "/");
    let base = base.rsplit('/').next().unwrap_or("").trim();
    if base.to_lowercase().ends_with(".txt") {
        base[..base.len() - 4].to_string()
    } else {
        base.to_string()
    }
}

fn bad(msg: String) -> Error {
    Error::Config(msg)
}

fn to_int(v: &Json, where_: &str, name: &str) -> Result<usize> {
    match v {
        Json::Number(n) => {
            if let Some(u) = n.as_u64() {
                return Ok(u as usize);
            }
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f >= 0.0
            {
                return Ok(f as usize);
            }
        }
        Json::String(s) if DIGITS_RE.is_match(s) => {
            if let Ok(u) = s.trim().parse() {
                return Ok(u);
            }
        }
        _ => {}
    }
    Err(bad(format!(
        "{where_}: {name} must be a non-negative integer, got {v}"
    )))
}

fn to_bool(v: &Json, where_: &str) -> Result<bool> {
    Ok(match v {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Json::String(s) => match s.trim().to_lowercase().as_str() {
            "" | "null" => false,
            "true" | "t" | "yes" | "y" | "1" => true,
            "false" | "f" | "no" | "n" | "0" => false,
            _ => return Err(bad(format!("{where_}: approx must be true/false, got {v}"))),
        },
        _ => return Err(bad(format!("{where_}: approx must be true/false, got {v}"))),
    })
}

fn present(r: &Map<String, Json>, k: &str) -> bool {
    match r.get(k) {
        None | Some(Json::Null) => false,
        Some(Json::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

/// Loads rows (JSON objects) as mentions, with the script's checks.
pub fn load_rows(rows: &[(String, Map<String, Json>)], traps: bool) -> Result<Vec<Rec>> {
    let mut out = Vec::with_capacity(rows.len());
    for (where_, r) in rows {
        let r: Map<String, Json> = r
            .iter()
            .map(|(k, v)| (k.trim().to_lowercase(), v.clone()))
            .collect();
        let required: &[&str] = if traps { &["doc"] } else { &["doc", "kind"] };
        for k in required {
            let missing = match r.get(*k) {
                None | Some(Json::Null) => true,
                Some(Json::String(s)) => s.trim().is_empty(),
                Some(_) => false,
            };
            if missing {
                return Err(bad(format!("{where_}: missing field '{k}'")));
            }
        }
        if !traps && !r.contains_key("value") {
            return Err(bad(format!(
                "{where_}: missing field 'value' (use null when there is none)"
            )));
        }
        let pair = |a: &str, b: &str| -> Result<Option<(usize, usize)>> {
            let (ha, hb) = (present(&r, a), present(&r, b));
            if ha != hb {
                return Err(bad(format!(
                    "{where_}: '{a}' and '{b}' must be given together"
                )));
            }
            if !ha {
                return Ok(None);
            }
            let s = to_int(&r[a], where_, a)?;
            let e = to_int(&r[b], where_, b)?;
            if e <= s {
                return Err(bad(format!(
                    "{where_}: empty or reversed span {a}={s}, {b}={e}"
                )));
            }
            Ok(Some((s, e)))
        };
        let mut cp = pair("char_start", "char_end")?;
        if cp.is_none() {
            cp = pair("start", "end")?;
        }
        let bp = pair("byte_start", "byte_end")?;
        if cp.is_none() && bp.is_none() {
            return Err(bad(format!(
                "{where_}: no offsets; give char_start/char_end (code points) or byte_start/byte_end (UTF-8 bytes)"
            )));
        }
        let str_of = |v: &Json| match v {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        let null = Json::Null;
        let unit = match r.get("unit") {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) if s.is_empty() || s == "null" => None,
            Some(v) => Some(str_of(v).trim().to_string()),
        };
        let doc_raw = str_of(&r["doc"]);
        out.push(Rec {
            src: where_.clone(),
            doc: doc_key(&doc_raw),
            doc_raw: doc_raw.trim().to_string(),
            kind: r
                .get("kind")
                .map(str_of)
                .unwrap_or_default()
                .trim()
                .to_lowercase(),
            text: r.get("text").filter(|t| !t.is_null()).map(str_of),
            value: norm_value(
                r.get("value").unwrap_or(&null),
                r.get("value_upper").unwrap_or(&null),
            ),
            approx: to_bool(r.get("approx").unwrap_or(&null), where_)?,
            qualifier: norm_qualifier(r.get("qualifier").unwrap_or(&null)),
            unit,
            cs: cp.map(|p| p.0),
            ce: cp.map(|p| p.1),
            bs: bp.map(|p| p.0),
            be: bp.map(|p| p.1),
            reason: if traps {
                r.get("reason").filter(|v| !v.is_null()).map(str_of)
            } else {
                None
            },
        });
    }
    Ok(out)
}

/// Reads a JSONL file into rows, naming the file and line in errors.
pub fn read_jsonl(path: &Path) -> Result<Vec<(String, Map<String, Json>)>> {
    let data = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let data = data.strip_prefix('\u{feff}').unwrap_or(&data);
    let mut rows = Vec::new();
    for (no, line) in data.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let where_ = format!("{} line {}", path.display(), no + 1);
        let v: Json =
            serde_json::from_str(line).map_err(|e| bad(format!("{where_}: invalid JSON ({e})")))?;
        match v {
            Json::Object(o) => rows.push((where_, o)),
            other => {
                return Err(bad(format!(
                    "{where_}: expected a JSON object, got {}",
                    match other {
                        Json::Array(_) => "list",
                        Json::String(_) => "str",
                        Json::Number(_) => "number",
                        _ => "other",
                    }
                )));
            }
        }
    }
    Ok(rows)
}

/// Texts of the documents, for offset conversion and surface checks.
pub trait Texts {
    /// The text of a document (by raw name and key), if known.
    fn text(&self, doc_raw: &str, doc_key: &str) -> Option<&str>;
}

impl Texts for HashMap<String, String> {
    fn text(&self, _doc_raw: &str, doc_key: &str) -> Option<&str> {
        self.get(doc_key).map(String::as_str)
    }
}

/// Converts and checks offsets against the texts; returns the number of mismatches.
fn fill_offsets(
    ms: &mut [Rec],
    texts: &dyn Texts,
    role: &str,
    warnings: &mut Vec<String>,
) -> Result<usize> {
    let mut mismatches: Vec<String> = Vec::new();
    let mut missing: BTreeSet<String> = BTreeSet::new();
    for m in ms.iter_mut() {
        let Some(t) = texts.text(&m.doc_raw, &m.doc) else {
            if m.cs.is_none() || m.bs.is_none() {
                return Err(bad(format!(
                    "{}: text for doc '{}' not found",
                    m.src, m.doc_raw
                )));
            }
            missing.insert(m.doc_raw.clone());
            continue;
        };
        let c2b: Vec<usize> = t
            .char_indices()
            .map(|(b, _)| b)
            .chain(std::iter::once(t.len()))
            .collect();
        let nchars = c2b.len() - 1;
        if m.cs.is_none() {
            let (bs, be) = (m.bs.unwrap_or(0), m.be.unwrap_or(0));
            let (Ok(cs), Ok(ce)) = (c2b.binary_search(&bs), c2b.binary_search(&be)) else {
                return Err(bad(format!(
                    "{}: byte offsets {bs}..{be} do not fall on character boundaries of {} ({} bytes)",
                    m.src,
                    m.doc_raw,
                    t.len()
                )));
            };
            m.cs = Some(cs);
            m.ce = Some(ce);
        } else if m.ce.unwrap_or(0) > nchars {
            return Err(bad(format!(
                "{}: char offsets {}..{} beyond the end of {} ({nchars} characters)",
                m.src,
                m.cs.unwrap_or(0),
                m.ce.unwrap_or(0),
                m.doc_raw
            )));
        }
        let (cs, ce) = m.span();
        let (cbs, cbe) = (c2b[cs], c2b[ce]);
        match (m.bs, m.be) {
            (Some(bs), Some(be)) if (bs, be) != (cbs, cbe) => mismatches.push(format!(
                "{}: byte offsets {bs}..{be} disagree with char offsets {cs}..{ce} (expected bytes {cbs}..{cbe})",
                m.src
            )),
            (None, _) | (_, None) => {
                m.bs = Some(cbs);
                m.be = Some(cbe);
            }
            _ => {}
        }
        if let Some(text) = &m.text
            && &t[cbs..cbe] != text
        {
            mismatches.push(format!(
                "{}: text {text:?} != {}[{cs}:{ce}] = {:?}",
                m.src,
                m.doc_raw,
                &t[cbs..cbe]
            ));
        }
    }
    if let Some(first) = missing.iter().next() {
        warnings.push(format!(
            "{role}: no text for {} doc(s), e.g. {first:?}; their surfaces were not checked",
            missing.len()
        ));
    }
    if let Some(first) = mismatches.first() {
        warnings.push(format!(
            "{role}: {} offset/text mismatch(es); first: {first}",
            mismatches.len()
        ));
    }
    Ok(mismatches.len())
}

fn overlap(a: (usize, usize), b: (usize, usize)) -> i64 {
    a.1.min(b.1) as i64 - a.0.max(b.0) as i64
}

/// Kuhn's algorithm, visiting candidates in the given order (as the script does).
fn max_matching(adj: &[Vec<usize>]) -> BTreeMap<usize, usize> {
    fn try_assign(
        i: usize,
        adj: &[Vec<usize>],
        seen: &mut HashSet<usize>,
        match_r: &mut HashMap<usize, usize>,
    ) -> bool {
        for &j in &adj[i] {
            if !seen.insert(j) {
                continue;
            }
            let free = match match_r.get(&j) {
                None => true,
                Some(&k) => try_assign(k, adj, seen, match_r),
            };
            if free {
                match_r.insert(j, i);
                return true;
            }
        }
        false
    }
    let mut match_r = HashMap::new();
    for i in 0..adj.len() {
        try_assign(i, adj, &mut HashSet::new(), &mut match_r);
    }
    match_r.into_iter().map(|(j, i)| (i, j)).collect()
}

fn match_pairs(
    golds: &[&Rec],
    preds: &[&Rec],
    ok: &dyn Fn(&Rec, &Rec) -> bool,
) -> BTreeMap<usize, usize> {
    let adj: Vec<Vec<usize>> = golds
        .iter()
        .map(|g| {
            let gs = g.span();
            let mut c: Vec<(usize, i64, usize)> = preds
                .iter()
                .enumerate()
                .filter(|(_, p)| ok(g, p))
                .map(|(j, p)| (j, overlap(gs, p.span()), gs.0.abs_diff(p.span().0)))
                .collect();
            c.sort_by_key(|&(j, ov, d)| (-ov, d, j));
            c.into_iter().map(|x| x.0).collect()
        })
        .collect();
    max_matching(&adj)
}

fn prf(tp: usize, n_gold: usize, n_pred: usize) -> Json {
    let p = (n_pred > 0).then(|| tp as f64 / n_pred as f64);
    let r = (n_gold > 0).then(|| tp as f64 / n_gold as f64);
    let f = match (p, r) {
        (Some(p), Some(r)) if p + r > 0.0 => 2.0 * p * r / (p + r),
        _ => 0.0,
    };
    json!({"tp": tp, "precision": p, "recall": r, "f1": f})
}

fn ratio(num: usize, den: usize) -> Json {
    json!({"agree": num, "of": den, "rate": (den > 0).then(|| num as f64 / den as f64)})
}

#[derive(Default, Clone, Copy)]
struct Counts {
    gold: usize,
    pred: usize,
    lenient_tp: usize,
    strict_tp: usize,
    span_matched: usize,
    value_correct: usize,
    pairs: usize,
    approx: usize,
    qualifier: usize,
    unit_of: usize,
    unit: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.gold += o.gold;
        self.pred += o.pred;
        self.lenient_tp += o.lenient_tp;
        self.strict_tp += o.strict_tp;
        self.span_matched += o.span_matched;
        self.value_correct += o.value_correct;
        self.pairs += o.pairs;
        self.approx += o.approx;
        self.qualifier += o.qualifier;
        self.unit_of += o.unit_of;
        self.unit += o.unit;
    }

    fn block(&self) -> Json {
        json!({
            "gold": self.gold, "pred": self.pred,
            "lenient": prf(self.lenient_tp, self.gold, self.pred),
            "strict": prf(self.strict_tp, self.gold, self.pred),
            "value_accuracy": {"correct": self.value_correct, "span_matched": self.span_matched,
                "rate": (self.span_matched > 0).then(|| self.value_correct as f64 / self.span_matched as f64)},
            "approx_agreement": ratio(self.approx, self.pairs),
            "qualifier_agreement": ratio(self.qualifier, self.pairs),
            "unit_agreement": ratio(self.unit, self.unit_of),
        })
    }
}

fn show_value(v: &NormValue) -> Json {
    match v {
        NormValue::Null => Json::Null,
        NormValue::Bool(b) => json!(b),
        NormValue::Num(f) if f.fract() == 0.0 && f.abs() < 9e15 => json!(*f as i64),
        NormValue::Num(f) => json!(f),
        NormValue::Str(s) => json!(s),
        NormValue::Range(a, b) => json!([show_value(a), show_value(b)]),
        NormValue::Tuple(x) => Json::Array(x.iter().map(show_value).collect()),
    }
}

fn ment(m: &Rec) -> Json {
    let (s, e) = m.span();
    json!({"doc": m.doc_raw, "kind": m.kind, "text": m.text, "value": show_value(&m.value),
        "start": s, "end": e, "where": m.src})
}

/// File names shown in the summary.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Gold file.
    pub gold: String,
    /// Predictions (file or description).
    pub pred: String,
    /// Traps file.
    pub traps: Option<String>,
}

/// Scores predictions against gold, returning the script's JSON summary (with the full
/// error lists under `errors`).
pub fn score(
    mut gold: Vec<Rec>,
    mut pred: Vec<Rec>,
    mut traps: Vec<Rec>,
    texts: &dyn Texts,
    names: &Names,
) -> Result<Json> {
    let mut warnings = Vec::new();
    let gold_mis = fill_offsets(&mut gold, texts, "gold", &mut warnings)?;
    let pred_mis = fill_offsets(&mut pred, texts, "pred", &mut warnings)?;
    fill_offsets(&mut traps, texts, "traps", &mut warnings)?;
    if let Some(b) = gold
        .iter()
        .chain(&pred)
        .chain(&traps)
        .find(|m| m.cs.is_none())
    {
        return Err(bad(format!(
            "{}: offsets cannot be compared (char offsets on one side, byte offsets only on the other)",
            b.src
        )));
    }
    let gold_docs: BTreeSet<String> = gold.iter().map(|m| m.doc.clone()).collect();
    let known = |k: &str| KINDS.contains(&k);
    let mut ignored_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut ignored_gold_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut ignored_doc: BTreeMap<String, usize> = BTreeMap::new();
    for m in &pred {
        if !known(&m.kind) {
            *ignored_kind.entry(m.kind.clone()).or_default() += 1;
        } else if !gold_docs.contains(&m.doc) {
            *ignored_doc.entry(m.doc_raw.clone()).or_default() += 1;
        }
    }
    for m in &gold {
        if !known(&m.kind) {
            *ignored_gold_kind.entry(m.kind.clone()).or_default() += 1;
        }
    }
    gold.retain(|m| known(&m.kind));
    pred.retain(|m| known(&m.kind) && gold_docs.contains(&m.doc));
    let fmt_counts = |c: &BTreeMap<String, usize>| {
        c.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !ignored_kind.is_empty() {
        warnings.push(format!(
            "pred: ignored {} mention(s) of unknown kind: {}",
            ignored_kind.values().sum::<usize>(),
            fmt_counts(&ignored_kind)
        ));
    }
    if !ignored_gold_kind.is_empty() {
        warnings.push(format!(
            "gold: ignored {} mention(s) of unknown kind: {}",
            ignored_gold_kind.values().sum::<usize>(),
            fmt_counts(&ignored_gold_kind)
        ));
    }
    if !ignored_doc.is_empty() {
        warnings.push(format!(
            "pred: ignored {} mention(s) in {} doc(s) absent from gold",
            ignored_doc.values().sum::<usize>(),
            ignored_doc.len()
        ));
    }

    let mut groups: BTreeMap<(String, String), (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, m) in gold.iter().enumerate() {
        groups
            .entry((m.doc.clone(), m.kind.clone()))
            .or_default()
            .0
            .push(i);
    }
    for (j, m) in pred.iter().enumerate() {
        groups
            .entry((m.doc.clone(), m.kind.clone()))
            .or_default()
            .1
            .push(j);
    }
    let ov = |g: &Rec, p: &Rec| overlap(g.span(), p.span()) > 0;
    let mut per: BTreeMap<String, Counts> = BTreeMap::new();
    let mut fn_: Vec<usize> = Vec::new();
    let mut fp: Vec<usize> = Vec::new();
    let mut value_errors: Vec<(usize, usize)> = Vec::new();
    for ((_, kind), (gi, pj)) in &groups {
        let gs: Vec<&Rec> = gi.iter().map(|&i| &gold[i]).collect();
        let ps: Vec<&Rec> = pj.iter().map(|&j| &pred[j]).collect();
        let c = per.entry(kind.clone()).or_default();
        c.gold += gs.len();
        c.pred += ps.len();
        let len_m = match_pairs(&gs, &ps, &|g, p| {
            ov(g, p) && values_equal(&g.value, &p.value)
        });
        let str_m = match_pairs(&gs, &ps, &|g, p| {
            g.span() == p.span() && values_equal(&g.value, &p.value)
        });
        c.lenient_tp += len_m.len();
        c.strict_tp += str_m.len();
        let rest_g: Vec<usize> = (0..gs.len()).filter(|i| !len_m.contains_key(i)).collect();
        let used_p: BTreeSet<usize> = len_m.values().copied().collect();
        let rest_p: Vec<usize> = (0..ps.len()).filter(|j| !used_p.contains(j)).collect();
        let rg: Vec<&Rec> = rest_g.iter().map(|&i| gs[i]).collect();
        let rp: Vec<&Rec> = rest_p.iter().map(|&j| ps[j]).collect();
        let span_m = match_pairs(&rg, &rp, &ov);
        c.span_matched += len_m.len() + span_m.len();
        c.value_correct += len_m.len();
        for (&a, &b) in &span_m {
            value_errors.push((gi[rest_g[a]], pj[rest_p[b]]));
        }
        for (&i, &j) in &len_m {
            let (g, p) = (gs[i], ps[j]);
            c.pairs += 1;
            c.approx += usize::from(g.approx == p.approx);
            c.qualifier += usize::from(g.qualifier == p.qualifier);
            if matches!(kind.as_str(), "money" | "count" | "ratio")
                && let Some(gu) = g.unit.as_ref().filter(|u| !u.is_empty())
            {
                c.unit_of += 1;
                c.unit += usize::from(
                    p.unit.as_deref().unwrap_or("").to_lowercase() == gu.to_lowercase(),
                );
            }
        }
        fn_.extend(
            (0..gs.len())
                .filter(|i| !len_m.contains_key(i))
                .map(|i| gi[i]),
        );
        fp.extend((0..ps.len()).filter(|j| !used_p.contains(j)).map(|j| pj[j]));
    }

    let mut confusions: BTreeMap<String, usize> = BTreeMap::new();
    for &g in &fn_ {
        let g = &gold[g];
        if let Some(p) = fp
            .iter()
            .map(|&j| &pred[j])
            .find(|p| p.doc == g.doc && p.kind != g.kind && ov(g, p))
        {
            *confusions
                .entry(format!("{}->{}", g.kind, p.kind))
                .or_default() += 1;
        }
    }

    let mut trap_hits: Vec<(usize, usize)> = Vec::new();
    let mut trap_spans_hit: BTreeSet<usize> = BTreeSet::new();
    let mut trap_by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for (j, p) in pred.iter().enumerate() {
        let hit: Vec<usize> = traps
            .iter()
            .enumerate()
            .filter(|(_, t)| t.doc == p.doc && overlap(t.span(), p.span()) > 0)
            .map(|(k, _)| k)
            .collect();
        if let Some(&first) = hit.first() {
            trap_hits.push((j, first));
            *trap_by_kind.entry(p.kind.clone()).or_default() += 1;
            trap_spans_hit.extend(hit);
        }
    }

    let mut per_kind = Map::new();
    let mut tot = Counts::default();
    for k in KINDS {
        let Some(c) = per.get(k).filter(|c| c.gold > 0 || c.pred > 0) else {
            continue;
        };
        tot.add(c);
        let mut b = c.block();
        b["trap_hits"] = json!(trap_by_kind.get(k).copied().unwrap_or(0));
        per_kind.insert(k.to_string(), b);
    }
    let mut overall = tot.block();
    overall["trap_hits"] = json!(trap_hits.len());

    let by_pos = |v: &mut Vec<usize>, recs: &[Rec]| {
        v.sort_by(|&a, &b| (&recs[a].doc, recs[a].span()).cmp(&(&recs[b].doc, recs[b].span())));
    };
    by_pos(&mut fn_, &gold);
    by_pos(&mut fp, &pred);
    Ok(json!({
        "gold_file": names.gold, "pred_file": names.pred, "traps_file": names.traps,
        "offsets": "char",
        "docs": gold_docs.len(),
        "gold_mentions": gold.len(), "pred_mentions": pred.len(),
        "per_kind": per_kind,
        "overall": overall,
        "trap_spans": traps.len(),
        "trap_hits": trap_hits.len(),
        "trap_spans_hit": trap_spans_hit.len(),
        "kind_confusions": confusions,
        "ignored": {"pred_unknown_kind": ignored_kind, "gold_unknown_kind": ignored_gold_kind,
            "pred_unknown_doc": ignored_doc},
        "text_mismatches": {"gold": gold_mis, "pred": pred_mis},
        "warnings": warnings,
        "errors": {
            "false_negatives": fn_.iter().map(|&i| ment(&gold[i])).collect::<Vec<_>>(),
            "false_positives": fp.iter().map(|&j| ment(&pred[j])).collect::<Vec<_>>(),
            "value_errors": value_errors.iter().map(|&(g, p)| json!({"gold": ment(&gold[g]), "pred": ment(&pred[p])})).collect::<Vec<_>>(),
            "trap_hits": trap_hits.iter().map(|&(p, t)| {
                let mut tm = ment(&traps[t]);
                tm["reason"] = json!(traps[t].reason);
                json!({"pred": ment(&pred[p]), "trap": tm})
            }).collect::<Vec<_>>(),
        },
    }))
}

fn fmt3(x: &Json) -> String {
    x.as_f64()
        .map_or("    -".to_string(), |v| format!("{v:5.3}"))
}

/// The script's text report.
pub fn render_text(s: &Json, show_errors: bool) -> String {
    let mut out: Vec<String> = Vec::new();
    out.push(format!(
        "gold: {} ({} mentions, {} docs)",
        s["gold_file"].as_str().unwrap_or(""),
        s["gold_mentions"],
        s["docs"]
    ));
    out.push(format!(
        "pred: {} ({} mentions scored; offsets compared in {}s)",
        s["pred_file"].as_str().unwrap_or(""),
        s["pred_mentions"],
        s["offsets"].as_str().unwrap_or("")
    ));
    out.push(String::new());
    out.push(format!(
        "{:<14}{:>5}{:>5} | {:>7}{:>6}{:>6}{:>6} | {:>6}{:>6}{:>6}{:>6} | {:>6} {:>6} {:>6} {:>5}",
        "kind",
        "gold",
        "pred",
        "lenient",
        "P",
        "R",
        "F1",
        "strict",
        "P",
        "R",
        "F1",
        "value",
        "approx",
        "qual",
        "traps"
    ));
    // The script's kind order (the JSON map itself is sorted by name).
    let mut rows: Vec<(String, &Json)> = KINDS
        .iter()
        .filter_map(|k| s["per_kind"].get(*k).map(|v| (k.to_string(), v)))
        .collect();
    rows.push(("ALL".to_string(), &s["overall"]));
    // serde_json's Display ignores widths: render numbers as strings first.
    let n = |v: &Json| v.to_string();
    for (k, b) in rows {
        if k == "ALL" {
            out.push("-".repeat(112));
        }
        let (le, st) = (&b["lenient"], &b["strict"]);
        out.push(format!(
            "{:<14}{:>5}{:>5} | {:>7} {} {} {} | {:>6} {} {} {} | {}  {}  {} {:>5}",
            k,
            n(&b["gold"]),
            n(&b["pred"]),
            n(&le["tp"]),
            fmt3(&le["precision"]),
            fmt3(&le["recall"]),
            fmt3(&le["f1"]),
            n(&st["tp"]),
            fmt3(&st["precision"]),
            fmt3(&st["recall"]),
            fmt3(&st["f1"]),
            fmt3(&b["value_accuracy"]["rate"]),
            fmt3(&b["approx_agreement"]["rate"]),
            fmt3(&b["qualifier_agreement"]["rate"]),
            n(&b["trap_hits"])
        ));
    }
    let o = &s["overall"];
    out.push(String::new());
    let va = &o["value_accuracy"];
    out.push(format!(
        "value accuracy on span matches (kind + overlap): {}/{} = {}",
        va["correct"],
        va["span_matched"],
        fmt3(&va["rate"]).trim()
    ));
    for name in ["approx", "qualifier", "unit"] {
        let a = &o[format!("{name}_agreement")];
        let what = if name == "unit" {
            "money/count/ratio lenient matches with a gold unit"
        } else {
            "lenient matches"
        };
        out.push(format!(
            "{name} agreement on {what}: {}/{} = {}",
            a["agree"],
            a["of"],
            fmt3(&a["rate"]).trim()
        ));
    }
    if s["traps_file"].is_null() {
        out.push("traps: not given (--traps)".to_string());
    } else {
        out.push(format!(
            "traps: {} spans; predictions overlapping a trap: {} (trap spans hit: {})",
            s["trap_spans"], s["trap_hits"], s["trap_spans_hit"]
        ));
    }
    if let Some(c) = s["kind_confusions"].as_object().filter(|c| !c.is_empty()) {
        out.push(format!(
            "kind confusions (missed gold -> overlapping pred of another kind): {}",
            c.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(w) = s["warnings"].as_array().filter(|w| !w.is_empty()) {
        out.push(format!("warnings: {} (printed on stderr)", w.len()));
    }
    if show_errors {
        let e = &s["errors"];
        let line = |m: &Json| {
            format!(
                "  {} [{}:{}] {} {:?} value={}",
                m["doc"].as_str().unwrap_or(""),
                m["start"],
                m["end"],
                m["kind"].as_str().unwrap_or(""),
                m["text"].as_str().unwrap_or(""),
                m["value"]
            )
        };
        let list = |k: &str| e[k].as_array().cloned().unwrap_or_default();
        out.push(String::new());
        let fns = list("false_negatives");
        out.push(format!("false negatives ({}):", fns.len()));
        out.extend(fns.iter().map(line));
        let fps = list("false_positives");
        out.push(format!("false positives ({}):", fps.len()));
        out.extend(fps.iter().map(line));
        let ves = list("value_errors");
        out.push(format!("value errors on span matches ({}):", ves.len()));
        for ve in &ves {
            out.push(format!(
                "{}  <- pred {:?} value={}",
                line(&ve["gold"]),
                ve["pred"]["text"].as_str().unwrap_or(""),
                ve["pred"]["value"]
            ));
        }
        let ths = list("trap_hits");
        out.push(format!("trap hits ({}):", ths.len()));
        for th in &ths {
            out.push(format!(
                "{}  overlaps trap {:?}",
                line(&th["pred"]),
                th["trap"]["text"].as_str().unwrap_or("")
            ));
        }
    }
    out.join("\n") + "\n"
}

/// The JSON object `--pred-out` writes for one mentions row (and the scorer reads).
pub fn pred_json(m: &crate::output::rows::MentionRow) -> Map<String, Json> {
    let numeric = matches!(m.kind.as_str(), "money" | "count" | "ratio");
    let val = |v: &Option<String>| match v {
        None => Json::Null,
        Some(s) if numeric => s
            .parse::<i64>()
            .map(Json::from)
            .or_else(|_| s.parse::<f64>().map(Json::from))
            .unwrap_or_else(|_| Json::String(s.clone())),
        Some(s) => Json::String(s.clone()),
    };
    let mut o = Map::new();
    o.insert("doc".into(), json!(m.doc));
    o.insert("kind".into(), json!(m.kind));
    o.insert("text".into(), json!(m.text));
    o.insert("value".into(), val(&m.value));
    o.insert("value_upper".into(), val(&m.value_upper));
    o.insert("unit".into(), json!(m.unit));
    o.insert("approx".into(), json!(m.approx));
    o.insert("qualifier".into(), json!(m.qualifier));
    o.insert("boilerplate".into(), json!(m.boilerplate));
    o.insert("char_start".into(), json!(m.offsets.char_start));
    o.insert("char_end".into(), json!(m.offsets.char_end));
    o.insert("byte_start".into(), json!(m.offsets.byte_start));
    o.insert("byte_end".into(), json!(m.offsets.byte_end));
    o.insert("sentence".into(), json!(m.sentence));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_normalization_matches_the_script() {
        let n = |v: Json| norm_value(&v, &Json::Null);
        assert_eq!(n(json!("55,000,000")), NormValue::Num(55_000_000.0));
        assert!(values_equal(&n(json!(55000000)), &n(json!("5.5e7"))));
        assert_eq!(
            n(json!("2019-07-04T18:05:00")),
            NormValue::Str("2019-07-04T18:05".into())
        );
        assert_eq!(n(json!("2019-7-4")), NormValue::Str("2019-07-04".into()));
        assert_eq!(n(json!("8:05")), NormValue::Str("08:05".into()));
        assert_eq!(n(json!("p4d")), NormValue::Str("P4D".into()));
        assert_eq!(n(json!(" null ")), NormValue::Null);
        assert_eq!(n(json!("2019")), NormValue::Num(2019.0));
        assert_eq!(
            norm_value(&json!("P1Y"), &json!("P2Y")),
            norm_value(&json!(["P1Y", "P2Y"]), &Json::Null)
        );
        assert!(values_equal(&NormValue::Bool(true), &NormValue::Num(1.0)));
        assert_eq!(
            norm_qualifier(&json!("lower+early_morning")),
            BTreeSet::from(["early_morning".to_string(), "lower".to_string()])
        );
        assert_eq!(
            norm_qualifier(&json!("since")),
            BTreeSet::from(["lower".to_string()])
        );
        assert_eq!(
            norm_qualifier(&json!("")),
            BTreeSet::from(["none".to_string()])
        );
    }

    #[test]
    fn matching_is_maximum_and_one_to_one() {
        // Gold 0 overlaps preds 0 and 1, gold 1 only pred 0: both match.
        let adj = vec![vec![0, 1], vec![0]];
        let m = max_matching(&adj);
        assert_eq!(m.len(), 2);
        assert_eq!(m[&1], 0);
        assert_eq!(m[&0], 1);
    }
}
