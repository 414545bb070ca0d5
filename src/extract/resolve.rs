//! Document-level resolution of dates (seeds README, "Years and months"):
//!
//! 1. A written year wins.
//! 2. The reference date is the publication date, else the publication month when only
//!    that is known (`crate::dating`), else the latest date with a written year in the text.
//! 3. A year-less month or month-day takes the year closest to the reference (12月 in a
//!    January article is last December; ties go to the past).
//! 4. A bare day takes month and year from the nearest preceding date naming a month, else
//!    from the reference.
//! 5. 同日/翌日/N日後 count from the event they refer to (the date of the event named before
//!    「の」 when there is one, else the nearest preceding date); 本日, 今年, 4年前 count from
//!    the publication date. With only the fallback reference, publication-relative dates
//!    resolve at year precision (今年 = 2019, 本日 = null).
//!
//! All arithmetic goes through [`Date`], so month and year boundaries need no special
//! cases (昨年末 in a 2020-01-05 article is 2019-12-31).

use std::ops::Range;

use super::dates::{Anchor, DateExpr, MonthPart, RelExpr, RelUnit, TExpr, date_value, part_day};
use super::scan::Raw;
use super::types::{DateValue, Kind, Qualifiers, Value};
use crate::calendar::Date;

/// The date that elliptical dates are resolved against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Reference {
    /// The publication date from metadata.
    Published(Date),
    /// The latest date with a written year in the text, at its written precision.
    Fallback(DateValue),
    /// Neither.
    Unknown,
}

impl Reference {
    fn year(self) -> Option<i32> {
        match self {
            Reference::Published(d) => Some(d.year),
            Reference::Fallback(v) => v.year,
            Reference::Unknown => None,
        }
    }

    fn month(self) -> Option<(i32, u32)> {
        match self {
            Reference::Published(d) => Some((d.year, d.month)),
            Reference::Fallback(v) => Some((v.year?, v.month?)),
            Reference::Unknown => None,
        }
    }
}

/// The reference date of a document: the publication date, else the publication month
/// when only that is known, else the latest date with a written year in the text.
pub(crate) fn reference(
    raws: &[Raw],
    published: Option<Date>,
    month: Option<(i32, u32)>,
) -> Reference {
    if let Some(d) = published {
        return Reference::Published(d);
    }
    if let Some((y, m)) = month {
        return Reference::Fallback(DateValue {
            year: Some(y),
            month: Some(m),
            day: None,
        });
    }
    raws.iter()
        .filter_map(|r| match &r.temporal {
            Some(TExpr::Abs(e)) if e.year.is_some() => Some(DateValue {
                year: e.year,
                month: e.month,
                day: e.month.and(e.day),
            }),
            _ => None,
        })
        .max_by_key(|v| (v.year, v.month.unwrap_or(0), v.day.unwrap_or(0)))
        .map_or(Reference::Unknown, Reference::Fallback)
}

/// The year closest to the reference for a year-less month (and day).
fn nearest_year(month: u32, day: Option<u32>, reference: Reference) -> Option<i32> {
    let (ry, rm, rd) = match reference {
        Reference::Published(d) => (d.year, d.month, Some(d.day)),
        Reference::Fallback(v) => match (v.year, v.month) {
            (Some(y), Some(m)) => (y, m, v.day),
            (Some(y), None) => return Some(y),
            _ => return None,
        },
        Reference::Unknown => return None,
    };
    let mut best: Option<(i64, i32)> = None;
    for y in [ry - 1, ry, ry + 1] {
        let dist = match (day, rd) {
            (Some(d), Some(r)) => {
                let (Some(a), Some(b)) = (
                    Date::new(y, month, d.min(crate::calendar::days_in_month(y, month))),
                    Date::new(ry, rm, r),
                ) else {
                    continue;
                };
                // Days, scaled so that a tie in days still prefers the past below.
                (a.day_number() - b.day_number()).abs() * 2 + i64::from(y > ry)
            }
            _ => {
                let a = i64::from(y) * 12 + i64::from(month);
                let b = i64::from(ry) * 12 + i64::from(rm);
                (a - b).abs() * 2 + i64::from(y > ry)
            }
        };
        if best.is_none_or(|(bd, _)| dist < bd) {
            best = Some((dist, y));
        }
    }
    best.map(|(_, y)| y)
}

/// The month (of the reference's, the previous or the next) whose `day` lies closest to
/// the reference date; ties go to the past.
fn nearest_month(day: u32, r: Date) -> (Option<i32>, Option<u32>) {
    let mut best: Option<(i64, Date)> = None;
    for k in [-1, 0, 1] {
        let Some(m) = Date::new(r.year, r.month, 1).and_then(|d| d.add_months(k)) else {
            continue;
        };
        let Some(c) = Date::new(m.year, m.month, day) else {
            continue;
        };
        let dist = (c.day_number() - r.day_number()).abs() * 2 + i64::from(c > r);
        if best.is_none_or(|(bd, _)| dist < bd) {
            best = Some((dist, c));
        }
    }
    match best {
        Some((_, c)) => (Some(c.year), Some(c.month)),
        None => (Some(r.year), Some(r.month)),
    }
}

/// Whether a sentence opens as an advertisement: 【PR】, [PR], (PR), PR:, 【広告】.
fn is_ad(lead: &str) -> bool {
    let lead = lead.trim_start();
    [
        "【PR】",
        "[PR]",
        "(PR)",
        "PR:",
        "PR:",
        "【広告】",
        "[広告]",
        "(広告)",
    ]
    .iter()
    .any(|w| lead.starts_with(w))
}

/// Precision of an anchor date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Year,
    Month,
    Day,
}

struct Event {
    start: usize,
    sentence: usize,
    date: Date,
}

/// Fills in the values of every temporal raw mention, in document order.
pub(crate) fn resolve(
    raws: &mut [Raw],
    text: &str,
    sentences: &[Range<usize>],
    published: Option<Date>,
    month: Option<(i32, u32)>,
) {
    let reference = reference(raws, published, month);
    let names = EventNames::find(raws, text);
    let mut last_month: Option<(Option<i32>, u32)> = None;
    let mut events: Vec<Event> = Vec::new();
    // The previous date: its end, sentence, value and whether it opens a span (以降).
    let mut prev: Option<(usize, usize, DateValue, bool)> = None;
    // A year standing alone on its line heads the list of dates under it (「2019年」 then
    // 「・7月1日 開始」, 「・7月4日 会見」): its year and the last sentence it governed.
    let mut heading: Option<(i32, usize)> = None;
    for r in raws.iter_mut() {
        let Some(t) = r.temporal.clone() else {
            prev = None;
            continue;
        };
        let sentence_text = sentences.get(r.sentence).and_then(|s| text.get(s.clone()));
        let lead = sentences
            .get(r.sentence)
            .and_then(|s| text.get(s.start..r.range.start.max(s.start)));
        if let Some((_, last)) = heading
            && r.sentence != last
        {
            // The list goes on while each line starts with its date, with no blank line
            // between.
            let item = lead.is_some_and(|l| {
                l.chars()
                    .all(|c| c.is_whitespace() || "・•●■◆-*".contains(c))
            });
            let gap = sentences
                .get(last)
                .zip(sentences.get(r.sentence))
                .and_then(|(a, b)| text.get(a.end..b.start))
                .is_none_or(|g| g.matches('\n').count() > 1);
            heading = (item && !gap)
                .then_some(heading)
                .flatten()
                .map(|(y, _)| (y, r.sentence));
        }
        let heading_year = heading.map(|(y, _)| y);
        if let TExpr::Abs(e) = &t
            && e.year.is_some()
            && e.month.is_none()
            && sentence_text.is_some_and(|st| {
                st.trim_matches(|c: char| c.is_whitespace() || ":：".contains(c))
                    == &text[r.range.clone()]
            })
        {
            heading = e.year.map(|y| (y, r.sentence));
        }
        let upper = r.quals.contains(Qualifiers::UPPER);
        // The second end of a span takes what it leaves out from the first: 2020年6月から
        // 7月まで is July 2020, 2012/3/8~3/10 is in 2012, whatever the reference says.
        // A list (7月、8月) keeps the year; only a span may run into the next one.
        let range_from = prev
            .filter(|&(_, sentence, _, _)| sentence == r.sentence)
            .and_then(|(end, _, v, opens)| {
                joins_span(text, end, r.range.start, opens).map(|span| (v, span))
            });
        let (value, month_named) = match &t {
            TExpr::Abs(e) => resolve_abs(e, upper, reference, last_month, range_from, heading_year),
            // An advertisement (【PR】明日から住める) speaks from whenever it is shown, not
            // from the article's date.
            TExpr::Rel(rel) if lead.is_some_and(is_ad) => (None, rel.month.is_some()),
            TExpr::Rel(rel) => {
                let anchor = anchor(rel, r, &names, sentences, &events, reference, published);
                (
                    resolve_rel(rel, upper, anchor),
                    rel.month.is_some() || (rel.unit == RelUnit::Month && !rel.keep_day),
                )
            }
        };
        r.value = value;
        if let (TExpr::Abs(e), Some(Value::Date(v))) = (&t, value)
            && (e.upper_year.is_some() || e.upper_month.is_some() || e.upper_day.is_some())
        {
            r.upper = match (e.upper_month, e.upper_day) {
                _ if e.upper_year.is_some() => date_value(e.upper_year, None, None),
                (Some(m), _) if v.month.is_some_and(|lo| m > lo) => {
                    date_value(v.year, Some(m), None)
                }
                (_, Some(d)) if v.day.is_some_and(|lo| d > lo) => {
                    date_value(v.year, v.month, Some(d))
                }
                _ => None,
            }
            .map(Value::Date);
        }
        // A quarter is its three months.
        if let (TExpr::Rel(rel), Some(Value::Date(v))) = (&t, value)
            && rel.unit == RelUnit::Quarter
            && let Some(m) = v.month
        {
            r.upper = date_value(v.year, Some(m + 2), None).map(Value::Date);
            r.quals.insert(Qualifiers::RANGE);
        }
        // A bare 上旬/中旬/下旬 is the span of those ten days (convention 6 of realdev);
        // bounded (以降, まで), it is the first or the last day.
        if let (TExpr::Abs(e), Some(Value::Date(v))) = (&t, value)
            && e.day.is_none()
            && matches!(
                e.part,
                Some(MonthPart::Early | MonthPart::Mid | MonthPart::Late)
            )
            && !r.quals.has_bound()
            && let (Some(part), Some(m)) = (e.part, v.month)
        {
            r.upper =
                date_value(v.year, Some(m), Some(part_day(part, v.year, m, true))).map(Value::Date);
            if r.upper.is_some() {
                r.quals.insert(Qualifiers::RANGE);
            }
        }
        if r.kind == Kind::DateTime && !matches!(value, Some(Value::DateTime(..))) {
            // A datetime whose date could not be resolved keeps its kind, without a value.
            r.value = None;
        }
        prev = value.and_then(|v| v.date()).map(|d| {
            (
                r.range.end,
                r.sentence,
                d,
                r.quals.contains(Qualifiers::LOWER),
            )
        });
        // A date quoted as a string (the default 「2019/01/01」 a form fills in) is no
        // event and names no month for the bare days after it.
        let quoted = text[..r.range.start].ends_with(['「', '『'])
            && text[r.range.end..].starts_with(['」', '』']);
        if let Some(d) = value.and_then(|v| v.date())
            && !quoted
        {
            if month_named && let Some(m) = d.month {
                last_month = Some((d.year, m));
            }
            if let Some(date) = d.to_date() {
                events.push(Event {
                    start: r.range.start,
                    sentence: r.sentence,
                    date,
                });
            }
        }
    }
    appositives(raws, text);
}

/// How the text between two dates joins them: `Some(true)` into a span (から, ~, -,
/// より, or nothing after a first date that opens one: 6月以降7月), `Some(false)` into a
/// list (、, ・), `None` not at all.
fn joins_span(text: &str, a: usize, b: usize, opens: bool) -> Option<bool> {
    let between = text.get(a..b)?;
    let mut w = between.trim_matches([' ', '\t']);
    // A bracketed weekday after the first date: 4月23日(火)~5月10日.
    if w.starts_with('(')
        && let Some(k) = w.find(')')
    {
        w = w[k + 1..].trim_matches([' ', '\t']);
    }
    match w {
        "" => opens.then_some(true),
        "から" | "~" | "-" | "より" => Some(true),
        "・" | "、" => Some(false),
        _ => None,
    }
}

/// Appositives (realdev convention 3): a day named by a relative word and then by its
/// date, 「同日12日」, 「翌日の今月2日」, 「明日10月1日」, are one day; the relative word
/// takes the date's value, whatever its own anchor gave.
fn appositives(raws: &mut [Raw], text: &str) {
    for k in 1..raws.len() {
        let (a, b) = raws.split_at_mut(k);
        let (r, next) = (&mut a[k - 1], &b[0]);
        let Some(TExpr::Rel(rel)) = &r.temporal else {
            continue;
        };
        let day_word = rel.unit == RelUnit::Day
            && rel.time.is_none()
            && !rel.vague
            && r.kind == Kind::RelativeDate;
        // 今日1日 (all of today), not "today, the 1st", when today is known to be another
        // day: a bare day after a word counted from the publication date must agree.
        let bare_day = matches!(&next.temporal, Some(TExpr::Abs(e)) if e.month.is_none());
        if rel.anchor == Anchor::Publication
            && bare_day
            && r.value.is_some()
            && r.value != next.value
        {
            continue;
        }
        let between = text.get(r.range.end..next.range.start).unwrap_or("x");
        if !day_word || next.sentence != r.sentence || !(between.is_empty() || between == "の") {
            continue;
        }
        if let Some(Value::Date(d) | Value::DateTime(d, _)) = next.value
            && d.day.is_some()
            && matches!(next.kind, Kind::Date | Kind::RelativeDate | Kind::DateTime)
        {
            r.value = Some(Value::Date(d));
        }
    }
}

fn resolve_abs(
    e: &DateExpr,
    upper: bool,
    reference: Reference,
    last_month: Option<(Option<i32>, u32)>,
    range_from: Option<(DateValue, bool)>,
    heading_year: Option<i32>,
) -> (Option<Value>, bool) {
    let (year, month) = if e.month_from_context || (e.month.is_none() && e.day.is_some()) {
        match (last_month, reference, e.day) {
            (Some((y, m)), ..) => (y, Some(m)),
            // No month named before: the day nearest the publication date (30日 in an
            // 8月1日 article is 7月30日; 31日 in a 1月2日 article is last December's).
            (None, Reference::Published(d), Some(day)) => nearest_month(day, d),
            _ => match reference.month() {
                Some((y, m)) => (Some(y), Some(m)),
                None => (reference.year(), None),
            },
        }
    } else if let Some(m) = e.month {
        let inherited = range_from.and_then(|(f, span)| {
            let y = f.year?;
            // 12月から1月: the span runs into the next year.
            let earlier = (m, e.day.unwrap_or(31)) < (f.month?, f.day.unwrap_or(1));
            Some(if earlier && span { y + 1 } else { y })
        });
        (
            e.year
                .or(inherited)
                .or(heading_year)
                .or_else(|| nearest_year(m, e.day, reference)),
            Some(m),
        )
    } else {
        (e.year, None)
    };
    let named = e.month.is_some();
    let day = match (e.day, e.part, month) {
        (Some(d), _, _) => Some(d),
        (None, Some(p), Some(m)) => Some(part_day(p, year, m, upper)),
        _ => None,
    };
    let (month, day) = if e.year_end && month.is_none() {
        (Some(12), Some(31))
    } else {
        (month, day)
    };
    if e.day.is_some() && month.is_none() {
        return (None, named);
    }
    let Some(v) = date_value(year, month, day) else {
        return (None, named);
    };
    let value = match e.time {
        Some(t) if v.day.is_some() => Value::DateTime(v, t),
        _ => Value::Date(v),
    };
    (Some(value), named)
}

/// Where the event names of a document's relative dates (「フォーラムの約1ヶ月後」) occur in
/// its text: all found in one pass, so that looking back for each name's earlier mentions
/// does not search the text once per relative date (quadratic in long documents).
struct EventNames<'t> {
    text: &'t str,
    /// Start offsets of each name's occurrences, ascending.
    at: std::collections::HashMap<&'t str, Vec<usize>>,
}

impl<'t> EventNames<'t> {
    fn find(raws: &[Raw], text: &'t str) -> EventNames<'t> {
        let mut names: Vec<&'t str> = raws
            .iter()
            .filter_map(|r| match &r.temporal {
                Some(TExpr::Rel(rel)) => text.get(rel.hint.clone()?),
                _ => None,
            })
            .filter(|n| !n.is_empty())
            .collect();
        names.sort_unstable();
        names.dedup();
        let mut at: std::collections::HashMap<&'t str, Vec<usize>> =
            names.iter().map(|&n| (n, Vec::new())).collect();
        if names.is_empty() {
            return EventNames { text, at };
        }
        let Ok(ac) = aho_corasick::AhoCorasick::new(&names) else {
            return EventNames { text, at };
        };
        // Overlapping: every occurrence of every name, as `str::rfind` would find them.
        for m in ac.find_overlapping_iter(text) {
            if let Some(v) = at.get_mut(names[m.pattern().as_usize()]) {
                v.push(m.start());
            }
        }
        for v in at.values_mut() {
            v.sort_unstable();
        }
        EventNames { text, at }
    }

    /// The start of the last occurrence of `name` that ends by `limit`.
    fn last_before(&self, name: &str, limit: usize) -> Option<usize> {
        let v = self.at.get(name)?;
        let k = v.partition_point(|&q| q + name.len() <= limit);
        k.checked_sub(1).map(|k| v[k])
    }
}

fn anchor(
    r: &RelExpr,
    raw: &Raw,
    names: &EventNames<'_>,
    sentences: &[Range<usize>],
    events: &[Event],
    reference: Reference,
    published: Option<Date>,
) -> Option<(Date, Prec)> {
    let publication = || match reference {
        Reference::Published(d) => Some((d, Prec::Day)),
        Reference::Fallback(v) => v
            .year
            .and_then(|y| Date::new(y, 1, 1))
            .map(|d| (d, Prec::Year)),
        Reference::Unknown => None,
    };
    let last_event = || events.last().map(|e| (e.date, Prec::Day));
    match r.anchor {
        Anchor::Publication => publication(),
        Anchor::Event => r
            .hint
            .as_ref()
            .and_then(|h| hinted_event(h, names, sentences, events))
            .or_else(last_event)
            .or_else(|| published.map(|d| (d, Prec::Day))),
        // Events come in document order: one in the raw's sentence would be the last.
        Anchor::SentenceOrPublication => events
            .last()
            .filter(|e| e.sentence == raw.sentence)
            .map(|e| (e.date, Prec::Day))
            .or_else(|| published.map(|d| (d, Prec::Day)))
            .or_else(last_event),
    }
}

/// The date of the event named by `hint`: the nearest date in the latest earlier sentence
/// that mentions the same name.
fn hinted_event(
    hint: &Range<usize>,
    names: &EventNames<'_>,
    sentences: &[Range<usize>],
    events: &[Event],
) -> Option<(Date, Prec)> {
    let name = names.text.get(hint.clone())?;
    let mut limit = hint.start;
    for _ in 0..8 {
        let q = names.last_before(name, limit)?;
        let s = sentences.partition_point(|r| r.end <= q);
        // Events are in document order, so a sentence's events are one slice of them.
        let a = events.partition_point(|e| e.sentence < s);
        let b = events.partition_point(|e| e.sentence <= s);
        let best = events[a..b].iter().min_by_key(|e| e.start.abs_diff(q));
        if let Some(e) = best {
            return Some((e.date, Prec::Day));
        }
        limit = q;
    }
    None
}

fn resolve_rel(r: &RelExpr, upper: bool, anchor: Option<(Date, Prec)>) -> Option<Value> {
    if r.vague || r.unit == RelUnit::Hour {
        return None;
    }
    let (a, prec) = anchor?;
    let date = |v: DateValue| match r.time {
        Some(t) if v.day.is_some() => Value::DateTime(v, t),
        _ => Value::Date(v),
    };
    let with_parts = |y: i32, m: u32| -> Option<DateValue> {
        if let Some(d) = r.day {
            date_value(Some(y), Some(m), Some(d))
        } else if let Some(p) = r.part {
            Some(DateValue::ymd(y, m, part_day(p, Some(y), m, upper)))
        } else {
            Some(DateValue {
                year: Some(y),
                month: Some(m),
                day: None,
            })
        }
    };
    match r.unit {
        RelUnit::Day => {
            (prec == Prec::Day).then_some(())?;
            Some(date(a.add_days(r.offset)?.into()))
        }
        RelUnit::Week => {
            (prec == Prec::Day).then_some(())?;
            let (year, week) = iso_week(a.add_days(7 * r.offset)?)?;
            Some(Value::Week { year, week })
        }
        RelUnit::Month => {
            (prec >= Prec::Month).then_some(())?;
            let moved = a.add_months(r.offset)?;
            let v = if r.day.is_some() || r.part.is_some() {
                with_parts(moved.year, moved.month)?
            } else if r.extra_days != 0 && prec == Prec::Day {
                moved.add_days(r.extra_days)?.into()
            } else if r.keep_day && prec == Prec::Day {
                moved.into()
            } else {
                DateValue {
                    year: Some(moved.year),
                    month: Some(moved.month),
                    day: None,
                }
            };
            Some(date(v))
        }
        RelUnit::Year => {
            let y = a.year.checked_add(i32::try_from(r.offset).ok()?)?;
            // 36万年前 has no calendar year.
            if !(1..=9999).contains(&y) {
                return None;
            }
            let v = if let Some(m) = r.month {
                with_parts(y, m)?
            } else if r.year_end {
                DateValue::ymd(y, 12, 31)
            } else {
                DateValue {
                    year: Some(y),
                    month: None,
                    day: None,
                }
            };
            Some(date(v))
        }
        RelUnit::FiscalYear => {
            // Japanese fiscal years start in April.
            let fy = if prec >= Prec::Month && a.month < 4 {
                a.year - 1
            } else {
                a.year
            };
            let y = fy.checked_add(i32::try_from(r.offset).ok()?)?;
            Some(Value::Date(DateValue {
                year: Some(y),
                month: None,
                day: None,
            }))
        }
        RelUnit::Quarter => {
            (prec >= Prec::Month).then_some(())?;
            let first = (a.month - 1) / 3 * 3 + 1;
            let q = Date::new(a.year, first, 1)?.add_months(3 * r.offset)?;
            Some(Value::Date(DateValue {
                year: Some(q.year),
                month: Some(q.month),
                day: None,
            }))
        }
        RelUnit::Hour => None,
    }
}

/// ISO 8601 week of a date: (week-numbering year, week).
fn iso_week(d: Date) -> Option<(i32, u32)> {
    let wd = i64::from(d.iso_weekday());
    let thursday = d.add_days(4 - wd)?;
    let jan1 = Date::new(thursday.year, 1, 1)?;
    let ordinal = thursday.day_number() - jan1.day_number();
    Some((thursday.year, (ordinal / 7 + 1) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pubd(y: i32, m: u32, d: u32) -> Reference {
        Reference::Published(Date::new(y, m, d).unwrap())
    }

    #[test]
    fn nearest_year_across_boundaries() {
        // 12月 in a January article is last December.
        assert_eq!(nearest_year(12, None, pubd(2020, 1, 5)), Some(2019));
        assert_eq!(nearest_year(12, Some(28), pubd(2020, 1, 5)), Some(2019));
        // 1月 in a December article is next January.
        assert_eq!(nearest_year(1, Some(10), pubd(2019, 12, 20)), Some(2020));
        assert_eq!(nearest_year(10, None, pubd(2019, 5, 14)), Some(2019));
        assert_eq!(nearest_year(10, Some(5), pubd(2018, 12, 15)), Some(2018));
        // Year-only fallback: that year.
        let fb = Reference::Fallback(DateValue {
            year: Some(2019),
            month: None,
            day: None,
        });
        assert_eq!(nearest_year(12, None, fb), Some(2019));
        assert_eq!(nearest_year(12, None, Reference::Unknown), None);
    }

    #[test]
    fn bare_day_nearest_month() {
        let r = Date::new(2019, 8, 1).unwrap();
        assert_eq!(nearest_month(30, r), (Some(2019), Some(7)));
        assert_eq!(nearest_month(1, r), (Some(2019), Some(8)));
        assert_eq!(nearest_month(5, r), (Some(2019), Some(8)));
        let r = Date::new(2020, 1, 2).unwrap();
        assert_eq!(nearest_month(31, r), (Some(2019), Some(12)));
        // 31 does not exist in February: the nearest month that has one wins.
        let r = Date::new(2019, 3, 1).unwrap();
        assert_eq!(nearest_month(31, r), (Some(2019), Some(3)));
    }

    #[test]
    fn iso_weeks() {
        assert_eq!(iso_week(Date::new(2019, 7, 4).unwrap()), Some((2019, 27)));
        assert_eq!(iso_week(Date::new(2019, 12, 30).unwrap()), Some((2020, 1)));
        assert_eq!(iso_week(Date::new(2021, 1, 3).unwrap()), Some((2020, 53)));
    }
}

#[cfg(test)]
mod grammar_tests {
    use super::super::testing::{P, check};

    #[test]
    fn the_second_end_of_a_span_takes_the_first_ends_year() {
        check(&[
            (
                P,
                "2016年6月から7月まで",
                &["2016年6月 date 2016-06 lower", "7月 date 2016-07 upper"],
            ),
            (
                P,
                "2016/3/8~3/10の間",
                &[
                    "2016/3/8 date 2016-03-08 lower",
                    "3/10 date 2016-03-10 upper",
                ],
            ),
            (
                P,
                "2016年12月から1月にかけて",
                &["2016年12月 date 2016-12 lower", "1月 date 2017-01 upper"],
            ),
        ]);
    }

    #[test]
    fn appositives_take_their_date() {
        check(&[
            (
                Some("2019-07-16"),
                "同日12日に発表した。",
                &["同日 relative_date 2019-07-12", "12日 date 2019-07-12"],
            ),
            (
                Some("2019-07-16"),
                "開始の翌日の今月2日に",
                &[
                    "翌日 relative_date 2019-07-02",
                    "今月2日 relative_date 2019-07-02",
                ],
            ),
            // 今日1日 (all of today): the bare day disagrees with the known date.
            (
                P,
                "今日1日は休む。",
                &["今日 relative_date 2019-07-04", "1日 date 2019-07-01"],
            ),
        ]);
    }

    #[test]
    fn quoted_dates_and_advertisements() {
        check(&[
            // A date quoted as a string names no month for the bare day after it.
            (
                P,
                "入力欄に「2000/02/02」と入れると通る。同社は3日に公表した。",
                &["2000/02/02 date 2000-02-02", "3日 date 2019-07-03"],
            ),
            // Used, not quoted, it does.
            (
                P,
                "2019年5月2日に発表し、3日に公表した。",
                &["2019年5月2日 date 2019-05-02", "3日 date 2019-05-03"],
            ),
            // An advertisement has no date to count from.
            (
                P,
                "【PR】明日から使えるクーポン",
                &["明日 relative_date null lower"],
            ),
            (
                P,
                "明日から使えるクーポン",
                &["明日 relative_date 2019-07-05 lower"],
            ),
        ]);
    }

    #[test]
    fn a_year_alone_on_its_line_heads_the_list_under_it() {
        check(&[(
            Some("2021-03-01"),
            "経緯\n2018年\n・7月1日 開始\n・8月2日 停止\n\n11月3日に再開する。",
            &[
                "2018年 date 2018",
                "7月1日 date 2018-07-01",
                "8月2日 date 2018-08-02",
                "11月3日 date 2020-11-03",
            ],
        )]);
    }
}
