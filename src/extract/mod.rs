//! Stage 5: numbers and dates. A [`Prepared`] document (normalized text, sentences,
//! tokens) and its publication date -> typed [`Mention`]s -> `mentions` rows.
//!
//! Conventions (kinds, values, surfaces, qualifiers, year inference) follow
//! `../shared/seeds/README.md`; the module docs of each family say which forms they read:
//!
//! - [`numerals`]: Arabic, full-width (folded by normalization), kanji, positional and
//!   mixed numerals, exact decimals;
//! - `scan`: the sentence scanner, counters (money, count, ratio, duration), hedges,
//!   bounds and ranges, rates, and the trap filters;
//! - `dates`: absolute and relative dates, eras, clock times, weekdays;
//! - `resolve`: year/month inference and relative-date anchors over the whole document.
//!
//! Invariants: mentions are sorted by position and never overlap; every range lies on
//! character boundaries of the normalized text, so it maps back to an exact slice of the
//! original text.

mod dates;
pub mod numerals;
mod resolve;
mod scan;
mod types;

use std::ops::Range;

pub use numerals::Decimal;
pub use types::{ClockTime, DateValue, IsoDuration, Kind, Mention, Qualifiers, Value};

use crate::calendar::Date;
use crate::output::rows::MentionRow;
use crate::prepared::{Prepared, Spans};

/// Extracts the number and date mentions of a prepared document. `published` anchors
/// elliptical and relative dates; without it, the latest date with a written year in the
/// text is the reference.
pub fn extract(p: &Prepared<'_>, published: Option<Date>) -> Vec<Mention> {
    extract_near(p, published, None)
}

/// [`extract`] for an article whose publication day is unknown but whose year and month
/// are (`month`, inferred from its incident's window or its URL by [`crate::dating`]): they
/// are the reference at month precision (「8月」 takes the nearest year, 「本日」 stays
/// unresolved), instead of the latest date the text states.
pub fn extract_near(
    p: &Prepared<'_>,
    published: Option<Date>,
    month: Option<(i32, u32)>,
) -> Vec<Mention> {
    let text = p.norm.text.as_str();
    let mut raws = Vec::new();
    for (k, s) in p.sentences.iter().enumerate() {
        scan::Ctx::new(text, &p.tokens, s.range.clone(), k).scan(&mut raws);
    }
    let ranges: Vec<Range<usize>> = p.sentences.iter().map(|s| s.range.clone()).collect();
    resolve::resolve(&mut raws, text, &ranges, published, month);
    raws.into_iter()
        .map(|r| Mention {
            range: r.range,
            sentence: r.sentence,
            kind: r.kind,
            value: r.value.map(late_hours),
            upper: r.upper.map(late_hours),
            unit: if r.kind.is_temporal() { None } else { r.unit },
            approx: r.approx,
            qualifiers: r.quals,
        })
        .collect()
}

/// Folds the late-night hours 25時 to 29時 (shop and broadcast hours) into the next day:
/// 25:30 is 01:30, a day later when a date is given.
fn late_hours(v: Value) -> Value {
    match v {
        Value::Time(mut t) if t.hour > 24 => {
            t.hour -= 24;
            Value::Time(t)
        }
        Value::DateTime(d, mut t) if t.hour > 24 => {
            t.hour -= 24;
            match d.to_date().and_then(|x| x.add_days(1)) {
                Some(next) => Value::DateTime(next.into(), t),
                None => Value::DateTime(d, t),
            }
        }
        v => v,
    }
}

/// The `mentions` rows of a document's mentions (offsets into the original text).
pub fn rows(p: &Prepared<'_>, spans: &Spans<'_>, mentions: &[Mention]) -> Vec<MentionRow> {
    mentions
        .iter()
        .map(|m| MentionRow {
            doc: p.doc.doc.clone(),
            source: p.doc.meta.source.clone(),
            kind: m.kind.as_str().to_string(),
            text: spans.original(m.range.clone()).to_string(),
            value: m.value_text(),
            value_upper: m.upper_text(),
            unit: m.unit.as_deref().map(str::to_string),
            approx: m.approx,
            qualifier: m.qualifiers.to_string(),
            boilerplate: p.sentences.get(m.sentence).is_some_and(|s| s.boilerplate),
            offsets: spans.offsets(m.range.clone()),
            sentence: m.sentence as i64,
        })
        .collect()
}

/// Table tests for the grammar beside each recognizer: `mentions` runs the whole
/// analysis on a phrase of our own and writes each mention as
/// `surface kind value[..upper] [unit] [~] [qualifier]` (`~` marks approx; the qualifier
/// is left out when it is `none`).
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::OnceLock;

    use crate::analyze::Analyzer;
    use crate::corpus::Document;

    fn analyzer() -> &'static Analyzer {
        static A: OnceLock<Analyzer> = OnceLock::new();
        A.get_or_init(|| {
            let dict = crate::tokenize::ipadic::ensure(None, &|m| eprintln!("{m}"))
                .expect("the IPADIC dictionary must be obtainable (see README)");
            let dicts = crate::analyze::find_dictionaries(None).expect("dictionaries folder");
            Analyzer::load(&dict.dir, &dicts).expect("analyzer loads")
        })
    }

    /// The mentions of `text` published on `published` (`2019-07-04`), one string each.
    pub fn mentions(published: Option<&str>, text: &str) -> Vec<String> {
        let mut doc = Document::from_str("t.txt", text);
        doc.meta.published = published.and_then(crate::calendar::Date::parse_loose);
        let an = analyzer().worker().analyze(&doc).expect("analysis");
        an.mentions
            .iter()
            .map(|m| {
                let mut s = format!(
                    "{} {} {}",
                    m.text,
                    m.kind,
                    m.value.as_deref().unwrap_or("null")
                );
                if let Some(u) = &m.value_upper {
                    s += &format!("..{u}");
                }
                if let Some(u) = &m.unit {
                    s += &format!(" {u}");
                }
                if m.approx {
                    s += " ~";
                }
                if m.qualifier != "none" {
                    s += &format!(" {}", m.qualifier);
                }
                s
            })
            .collect()
    }

    /// Checks every case (publication date, text, mentions wanted) and reports all
    /// differences at once.
    pub fn check(cases: &[(Option<&str>, &str, &[&str])]) {
        let mut failures = Vec::new();
        for (published, text, want) in cases {
            let got = mentions(*published, text);
            if got != *want {
                failures.push(format!("{text}\n  want {want:?}\n  got  {got:?}"));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    /// The publication date most cases use.
    pub const P: Option<&str> = Some("2019-07-04");
}
