//! Publication dates: the reference date of every article, as a careful reader finds it.
//!
//! Takes a [`Document`] (its metadata row, its page markup, its URL), its normalized text
//! and sentences, and its incidents; gives a [`Dated`]: the date and where it came from
//! ([`Basis`]). Extraction resolves elliptical and relative dates against it (「4日」,
//! 「昨日」, 「今年1月」) and facts take it as their as-of time when the text gives none.
//!
//! # The chain (first that answers wins)
//!
//! 1. **metadata**: `published` of metadata.csv, in any form people type
//!    ([`Date::parse_loose`]; an unreadable cell is a warning on the document).
//! 2. **html**: what the page's markup declares ([`PageMeta`](crate::corpus::PageMeta)).
//! 3. **dateline**: a date stamp near the top ([`dateline`]): before the first paragraph of
//!    prose, a full date standing apart from the words around it (「2019年7月5日 10時30分」,
//!    「ニュース 2019.05.30 見出し」, 「【2020/09/09】」, 「2019/7/5 配信」). A stamp of a later
//!    edit (「(2020年6月9日更新)」, 「追記」) is not the publication date.
//! 4. **url**: a date in the article's address ([`url_date`]): `/2019/07/05/`,
//!    `/20190704`, `/20190730-868734`, `yjj2019071601081`, `/2020/0424.html`, `/1908/01/`,
//!    `/190716/`, and at month precision `/2019/07/` or `/201907-…`.
//! 5. **text, deictic**: a deictic word glued to a date (「明日10月1日」, 「本日(7月4日)」,
//!    「きょう4日」) says the day of writing outright. Basis `text`.
//! 6. **corpus**: the time window of the article's main incident (`incidents.toml`).
//! 7. **text**: the latest full date (with a written year) the text states.
//! 8. **none**.
//!
//! A URL month (5) and an incident window (6) give a period, not a day: the reference is
//! the latest date the text states inside that period (「4日に会見」 in a 7pay article is
//! 2019-07-04), else the period's first month, at month precision ([`Precision::Month`]:
//! `2019-07`; extraction then resolves 「8月」 to 2019 but leaves 「本日」 unresolved, as a
//! reader would). Dates that open or close a period (「10月1日
//! より」, 「〜2020年1月10日まで」, 「17日以降」), stamps of later edits and boilerplate (a
//! ranking block, an ad) are never taken as the day of writing: they are often in the
//! future of the article.
//!
//! Care with the text (7): only full dates count, so background years (「2018年に設立」)
//! never pull an article back; and an incident window is not used when the text states full
//! dates later than the window (a retrospective).
//!
//! # Incremental runs
//!
//! The date depends on the document and the configuration only (its metadata row, its
//! text, `incidents.toml`), never on the other articles of the corpus: "the other articles
//! on the same incident" are summarised by the incident's window, which users edit in
//! `incidents.toml` (and an edit re-analyses every document, through the configuration
//! fingerprint). So `run` then `add` gives what one run over everything gives.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::calendar::Date;
use crate::corpus::Document;
use crate::incident::{DocIncidents, Incidents};
use crate::segment::Sentence;

/// Where a publication date came from (`documents.published_basis`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// metadata.csv.
    Metadata,
    /// The page's markup.
    Html,
    /// A date stamp near the top of the text.
    Dateline,
    /// The article's URL.
    Url,
    /// The time window of the article's incident.
    Corpus,
    /// The text's own dates.
    Text,
    /// Nothing to go by.
    None,
}

impl Basis {
    /// The name written to `documents.published_basis`.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Metadata => "metadata",
            Basis::Html => "html",
            Basis::Dateline => "dateline",
            Basis::Url => "url",
            Basis::Corpus => "corpus",
            Basis::Text => "text",
            Basis::None => "none",
        }
    }
}

/// How precisely a publication date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// The day.
    Day,
    /// Only the year and month (the day of [`Dated::date`] is the first of the period).
    Month,
}

/// An article's inferred publication date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dated {
    /// The date, if anything gave one.
    pub date: Option<Date>,
    /// How much of it is known.
    pub precision: Precision,
    /// Where it came from.
    pub basis: Basis,
}

impl Dated {
    /// No date.
    pub const NONE: Dated = Dated {
        date: None,
        precision: Precision::Day,
        basis: Basis::None,
    };

    /// The day, when known to the day.
    pub fn day(&self) -> Option<Date> {
        self.date.filter(|_| self.precision == Precision::Day)
    }

    /// The year and month, when only they are known.
    pub fn month(&self) -> Option<(i32, u32)> {
        self.date
            .filter(|_| self.precision == Precision::Month)
            .map(|d| (d.year, d.month))
    }

    /// ISO 8601 at its precision: `2019-07-04`, or `2019-07`.
    pub fn iso(&self) -> Option<String> {
        let d = self.date?;
        Some(match self.precision {
            Precision::Day => d.to_string(),
            Precision::Month => format!("{:04}-{:02}", d.year, d.month),
        })
    }
}

/// Infers the publication date of `doc` (see the module docs for the chain). `text` and
/// `sentences` are its normalized text and sentences; `found` its incidents.
pub fn infer(
    doc: &Document,
    text: &str,
    sentences: &[Sentence],
    incidents: &Incidents,
    found: &DocIncidents,
) -> Dated {
    let dated = |date: Date, basis: Basis| Dated {
        date: Some(date),
        precision: Precision::Day,
        basis,
    };
    if let Some(d) = doc.meta.published {
        return dated(d, Basis::Metadata);
    }
    if let Some(d) = doc.page.published {
        return dated(d, Basis::Html);
    }
    if let Some(d) = dateline(text) {
        return dated(d, Basis::Dateline);
    }
    let url = doc.meta.url.as_deref().and_then(url_date);
    if let Some(UrlDate::Day(d)) = url {
        return dated(d, Basis::Url);
    }
    let dates = scan(text, sentences);
    let mut period = match url {
        Some(UrlDate::Month(y, m)) => month_period(y, m).map(|(lo, hi)| (lo, hi, Basis::Url)),
        _ => None,
    }
    .or_else(|| {
        let (lo, hi) = incidents.incidents[found.main()?].window()?;
        Some((lo, hi, Basis::Corpus))
    });
    let latest_full = latest_stated(&dates);
    if let (Some((_, hi, Basis::Corpus)), Some((t, _))) = (period, latest_full)
        && t > hi
    {
        // A retrospective: the text is later than the incident's window.
        period = None;
    }
    if let Some(d) = deictic(&dates, period.map(|p| (p.0, p.1)), latest_full.map(|l| l.0)) {
        return dated(d, Basis::Text);
    }
    let at = |(d, says_the_day): (Date, bool), basis: Basis| Dated {
        date: Some(if says_the_day {
            d
        } else {
            Date::new(d.year, d.month, 1).unwrap_or(d)
        }),
        precision: if says_the_day {
            Precision::Day
        } else {
            Precision::Month
        },
        basis,
    };
    if let Some((lo, hi, basis)) = period {
        let stated = latest(dates.iter().filter(|t| t.usable()), |t| t.within(lo, hi));
        // Nothing inside: the period's first month is all a reader can tell.
        return at(stated.unwrap_or((lo, false)), basis);
    }
    if let Some(l) = latest_full {
        return at(l, Basis::Text);
    }
    Dated::NONE
}

/// The latest date of `dates` as `read` reads them, and whether one of the dates giving
/// it says the day of writing ([`TextDate::says_the_day`]).
fn latest<'a>(
    dates: impl Iterator<Item = &'a TextDate>,
    read: impl Fn(&TextDate) -> Option<Date>,
) -> Option<(Date, bool)> {
    let mut best: Option<(Date, bool)> = None;
    for t in dates {
        let Some(d) = read(t) else { continue };
        let day = t.says_the_day();
        best = match best {
            Some((b, bd)) if b > d => Some((b, bd)),
            Some((b, bd)) if b == d => Some((b, bd || day)),
            _ => Some((d, day)),
        };
    }
    best
}

/// First and last day of a month.
fn month_period(y: i32, m: u32) -> Option<(Date, Date)> {
    let lo = Date::new(y, m, 1)?;
    Some((lo, lo.add_months(1)?.add_days(-1)?))
}

// ---------------------------------------------------------------- URLs

/// A date found in a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlDate {
    /// A day.
    Day(Date),
    /// Only a year and month.
    Month(i32, u32),
}

/// Years a date in a URL may have: the web of news sites.
const URL_YEARS: std::ops::RangeInclusive<i32> = 1995..=2049;

fn url_day(y: i32, m: u32, d: u32) -> Option<Date> {
    URL_YEARS.contains(&y).then(|| Date::new(y, m, d)).flatten()
}

/// The publication date in an article's URL, if it has one (the patterns are in the module
/// docs). The host is not read; percent-escapes are separators.
pub fn url_date(url: &str) -> Option<UrlDate> {
    static PERCENT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"%[0-9A-Fa-f]{2}").expect("valid regex"));
    static SLASHED: LazyLock<Regex> = LazyLock::new(|| {
        // /2019/07/05/ and 2019/8/1: year, month and day as path segments.
        Regex::new(r"(?:^|[^0-9])((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})(?:[^0-9]|$)")
            .expect("valid regex")
    });
    static YEAR_MMDD: LazyLock<Regex> = LazyLock::new(|| {
        // /2020/0424.html
        Regex::new(r"(?:^|/)((?:19|20)\d\d)/(\d\d)(\d\d)(?:[^0-9]|$)").expect("valid regex")
    });
    static YYMM_DD: LazyLock<Regex> = LazyLock::new(|| {
        // /1908/01/
        Regex::new(r"/(\d\d)(\d\d)/(\d\d)(?:/|$|\.)").expect("valid regex")
    });
    static YEAR_MONTH: LazyLock<Regex> = LazyLock::new(|| {
        // /2019/07/ (no day after it)
        Regex::new(r"(?:^|/)((?:19|20)\d\d)/(\d{1,2})(?:/|$|\.)").expect("valid regex")
    });
    static DIGITS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+").expect("valid regex"));

    // The path and query, without scheme and host.
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = &rest[rest.find('/')?..];
    let path = path.split('#').next().unwrap_or(path);
    let path = PERCENT.replace_all(path, "_");
    let num = |s: &str| s.parse::<u32>().ok();
    let year = |s: &str| s.parse::<i32>().ok();

    if let Some(c) = SLASHED.captures(&path)
        && let Some(d) = url_day(year(&c[1])?, num(&c[2])?, num(&c[3])?)
    {
        return Some(UrlDate::Day(d));
    }
    // Runs of digits: YYYYMMDD (8), with a time (12, 14), or a serial number glued to it
    // (yjj2019071601081); YYYYMM (6) or YYMMDD (6).
    let runs: Vec<&str> = DIGITS.find_iter(&path).map(|m| m.as_str()).collect();
    for r in &runs {
        if r.len() >= 8
            && r.len() <= 16
            && let Some(d) = url_day(year(&r[..4])?, num(&r[4..6])?, num(&r[6..8])?)
        {
            let rest_ok = match r.len() {
                8 => true,
                12 | 14 => {
                    num(&r[8..10]).is_some_and(|h| h < 24)
                        && num(&r[10..12]).is_some_and(|m| m < 60)
                }
                // A serial number after the date: only for runs too long to be a time.
                _ => r.len() != 10,
            };
            if rest_ok {
                return Some(UrlDate::Day(d));
            }
        }
    }
    if let Some(c) = YEAR_MMDD.captures(&path)
        && let Some(d) = url_day(year(&c[1])?, num(&c[2])?, num(&c[3])?)
    {
        return Some(UrlDate::Day(d));
    }
    if let Some(c) = YEAR_MONTH.captures(&path) {
        let (y, m) = (year(&c[1])?, num(&c[2])?);
        if URL_YEARS.contains(&y) && (1..=12).contains(&m) {
            return Some(UrlDate::Month(y, m));
        }
    }
    // /1908/01/: a four-digit segment that does not read as a year and month is YYMM
    // (the reading as a year and month was tried just above).
    if let Some(c) = YYMM_DD.captures(&path)
        && let Some(d) = url_day(2000 + year(&c[1])?, num(&c[2])?, num(&c[3])?)
    {
        return Some(UrlDate::Day(d));
    }
    for r in &runs {
        if r.len() != 6 {
            continue;
        }
        // YYYYMM (201907) before YYMMDD (190716): a six-digit run that is a valid month of
        // a plausible year is read as one.
        let (y, m) = (year(&r[..4])?, num(&r[4..6])?);
        if URL_YEARS.contains(&y) && (1..=12).contains(&m) {
            return Some(UrlDate::Month(y, m));
        }
        if let Some(d) = url_day(2000 + year(&r[..2])?, num(&r[2..4])?, num(&r[4..6])?) {
            return Some(UrlDate::Day(d));
        }
    }
    None
}

// ---------------------------------------------------------------- dates in the text

/// A date written in the text, as far as the text itself says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TextDate {
    /// Normalized byte range.
    range: Range<usize>,
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    /// Whether the year is written (not inherited from an earlier date).
    year_written: bool,
    /// Whether the month is inherited from an earlier date (a bare day).
    month_inherited: bool,
    /// Not the start or end of a period, not an edit stamp, not in a URL.
    point: bool,
    /// In a boilerplate sentence.
    boilerplate: bool,
    /// Days from the day of writing said by a glued deictic word (明日10月1日: +1).
    deixis: Option<i64>,
    /// Whether it is a stamp ([`Stamp`]).
    stamp: Stamp,
}

impl TextDate {
    /// Whether it can say when the article was written.
    fn usable(&self) -> bool {
        self.point && !self.boilerplate && self.day.is_some() && self.stamp != Stamp::Edit
    }

    /// Whether, as the latest date of an article, it says the day of writing: a bare day
    /// (news writes 「4日」 for a day of the current month, close to the day of writing) or
    /// a stamp. A month-day or a full date with its year is often recalled from a distance
    /// (「2019年7月1日に始まったばかりの頃…まだ覚えている人も多い」): it says the month.
    fn says_the_day(&self) -> bool {
        self.month_inherited
            || !self.year_written && self.month.is_none()
            || self.stamp == Stamp::Publication
    }

    /// The date, read inside the period `lo..=hi` (a missing year or month is the first
    /// that puts it there).
    fn within(&self, lo: Date, hi: Date) -> Option<Date> {
        let day = self.day?;
        let inside = |d: &Date| *d >= lo && *d <= hi;
        if self.month_inherited {
            // A bare day whose month, inherited from a date far before it (a default birth
            // date), puts it outside the period is read without it.
            let free = TextDate {
                year: None,
                month: None,
                month_inherited: false,
                ..self.clone()
            };
            let own = TextDate {
                month_inherited: false,
                ..self.clone()
            };
            return own.within(lo, hi).or_else(|| free.within(lo, hi));
        }
        match (self.year, self.month) {
            (Some(y), Some(m)) => Date::new(y, m, day).filter(inside),
            (None, Some(m)) => (lo.year..=hi.year)
                .filter_map(|y| Date::new(y, m, day))
                .find(inside),
            _ => {
                let mut month = Date::new(lo.year, lo.month, 1)?;
                while month <= hi {
                    if let Some(d) = Date::new(month.year, month.month, day).filter(inside) {
                        return Some(d);
                    }
                    month = month.add_months(1)?;
                }
                None
            }
        }
    }

    fn full(&self) -> Option<Date> {
        Date::new(self.year?, self.month?, self.day?)
    }
}

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
          (?P<era>令和|平成)(?P<ey>元|\d{1,2})年(?P<em>\d{1,2})月(?P<ed>\d{1,2})日
        | (?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日
        | (?P<ny>\d{4})[./](?P<nm>\d{1,2})[./](?P<nd>\d{1,2})
        | (?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})
        | (?P<ymy>\d{4})年(?P<ymm>\d{1,2})月
        | (?P<mdm>\d{1,2})月(?P<mdd>\d{1,2})日
        | (?P<mm>\d{1,2})月
        | (?P<dd>\d{1,2})日",
    )
    .expect("valid regex")
});

/// What may stand between a date and the word after it: a bracketed weekday, a clock time,
/// a part of the day, a hedge.
static AFTER_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\s|\([月火水木金土日祝・]{1,3}\)|(?:午前|午後|AM|PM|am|pm)?\s?\d{1,2}(?::\d{2}(?::\d{2})?|時(?:\d{1,2}分)?(?:半)?)|午前|午後|早朝|未明|朝|昼|夕方|夜|深夜|正午|AM|PM|ごろ|頃|前後)*",
    )
    .expect("valid regex")
});

/// Words after a date that make it the start or end of a period, a plan or a later edit.
const NOT_A_POINT_AFTER: &[&str] = &[
    "まで",
    "以降",
    "以後",
    "以前",
    "から",
    "より",
    "~",
    "-",
    "‐",
    "―",
    "–",
    "にかけて",
    "をもって",
    "をめど",
    "めど",
    "予定",
    "期限",
    "締め切り",
    "に終了",
    "で終了",
    "で廃止",
    "追記",
    "更新",
    "改訂",
    "修正",
    "加筆",
];

/// Words right after a bare day that make it no date (「4日間」, 「4日目」, 「開始から4日で」,
/// 「1日に2400万人」 is a rate).
const NOT_A_DAY_AFTER: &[&str] = &[
    "間",
    "目",
    "後",
    "前",
    "以内",
    "ぶり",
    "連続",
    "おき",
    "分",
    "あたり",
    "当たり",
    "平均",
    "で",
    "限り",
    "付近",
    "足らず",
    "未満",
    "程度",
    "ほど",
];

/// Deictic words and their distance from the day of writing (明日10月1日: +1).
const DEIXIS: &[(&str, i64)] = &[
    ("一昨日", -2),
    ("おととい", -2),
    ("昨日", -1),
    ("きのう", -1),
    ("本日", 0),
    ("今日", 0),
    ("きょう", 0),
    ("明日", 1),
    ("あす", 1),
    ("あした", 1),
    ("明後日", 2),
    ("あさって", 2),
];

/// Whether byte `at` of `text` lies inside a URL or mail address.
fn in_url(text: &str, at: usize) -> bool {
    let start = text[..at]
        .rfind(|c: char| c.is_whitespace() || !c.is_ascii())
        .map_or(0, |i| {
            i + text[i..].chars().next().map_or(1, char::len_utf8)
        });
    let token = &text[start..at];
    token.contains("://") || token.contains("www.") || token.contains('@')
}

/// The dates of the normalized text, in order (with the month and year a bare day or
/// month-day inherits from the nearest date before it that names them).
fn scan(text: &str, sentences: &[Sentence]) -> Vec<TextDate> {
    let mut out: Vec<TextDate> = Vec::new();
    let mut context: Option<(Option<i32>, u32)> = None;
    for c in DATE.captures_iter(text) {
        let m = c.get(0).expect("group 0");
        let before = text[..m.start()].chars().next_back();
        let after_text = &text[m.end()..];
        let after = after_text.chars().next();
        if before.is_some_and(|b| b.is_ascii_digit() || matches!(b, '.' | '/' | '-' | ','))
            || after.is_some_and(|a| a.is_ascii_digit())
        {
            continue;
        }
        let n = |g: &str| c.name(g).and_then(|x| x.as_str().parse::<u32>().ok());
        let y = |g: &str| c.name(g).and_then(|x| x.as_str().parse::<i32>().ok());
        let (mut year, mut month, day, written) = if let Some(era) = c.name("era") {
            let base = if era.as_str() == "令和" { 2019 } else { 1989 };
            let ey = match &c["ey"] {
                "元" => 1,
                s => s.parse::<i32>().unwrap_or(0),
            };
            (Some(base + ey - 1), n("em"), n("ed"), true)
        } else if c.name("y").is_some() {
            (y("y"), n("m"), n("d"), true)
        } else if c.name("ny").is_some() {
            (y("ny"), n("nm"), n("nd"), true)
        } else if c.name("iy").is_some() {
            (y("iy"), n("im"), n("id"), true)
        } else if c.name("ymy").is_some() {
            (y("ymy"), n("ymm"), None, true)
        } else if c.name("mdm").is_some() {
            (None, n("mdm"), n("mdd"), false)
        } else if c.name("mm").is_some() {
            (None, n("mm"), None, false)
        } else {
            (None, None, n("dd"), false)
        };
        if month.is_some_and(|m| !(1..=12).contains(&m))
            || day.is_some_and(|d| !(1..=31).contains(&d))
        {
            continue;
        }
        let bare_day = month.is_none();
        if bare_day {
            let rest = after_text;
            let rate = rest.starts_with('に')
                && rest['に'.len_utf8()..]
                    .starts_with(|ch: char| ch.is_ascii_digit() || ch == '約');
            let head = &text[..m.start()];
            if rate
                || NOT_A_DAY_AFTER.iter().any(|w| rest.starts_with(w))
                || ["約", "数", "毎", "第", "計", "ここ", "この", "最大", "最短"]
                    .iter()
                    .any(|w| head.ends_with(w))
            {
                continue;
            }
            if let Some((cy, cm)) = context {
                month = Some(cm);
                year = cy;
            }
        } else {
            if year.is_none()
                && let Some((cy, cm)) = context
                && month == Some(cm)
            {
                // 「2019年7月1日 … 7月4日」: the same month keeps its written year.
                year = cy;
            }
            if let Some(mo) = month {
                context = Some((year, mo));
            }
        }
        // Skip what may stand between the date and the word that tells its role.
        let skip = AFTER_DATE.find(after_text).map_or(0, |x| x.end());
        let next = &after_text[skip..];
        let prev = text[..m.start()].trim_end();
        let point = !NOT_A_POINT_AFTER.iter().any(|w| next.starts_with(w))
            && !prev.ends_with(['~', '〜', '-', '―', '‐'])
            && !prev.ends_with("から")
            && !in_url(text, m.start());
        // 「明日10月1日」, 「本日(7月4日)」, 「きょう 4日」.
        let head = &text[..m.start()];
        let head = head
            .strip_suffix('(')
            .or_else(|| head.strip_suffix(' '))
            .unwrap_or(head);
        let deixis = DEIXIS
            .iter()
            .find(|(w, _)| head.ends_with(w))
            .map(|&(_, k)| k);
        let si = sentences.partition_point(|s| s.range.end <= m.start());
        out.push(TextDate {
            range: m.range(),
            year,
            month,
            day,
            year_written: written,
            month_inherited: bare_day && month.is_some(),
            point,
            boilerplate: sentences
                .get(si)
                .is_some_and(|s| s.boilerplate && s.range.start <= m.start()),
            deixis,
            stamp: if written && day.is_some() {
                stamp(text, m.range())
            } else {
                Stamp::No
            },
        });
    }
    out
}

/// The latest full date with a written year the text states (body, not a period's bound),
/// moved on by any year-less month-day after it that lies within half a year (「2019年7月1日
/// に開始…8月1日に廃止を発表」).
fn latest_stated(dates: &[TextDate]) -> Option<(Date, bool)> {
    let usable = || dates.iter().filter(|d| d.usable());
    let (t, _) = latest(usable().filter(|d| d.year_written), TextDate::full)?;
    let (lo, hi) = (t.add_days(-183)?, t.add_days(183)?);
    latest(
        usable().filter(|d| d.year_written || d.month.is_some()),
        |d| {
            if d.year_written {
                d.full()
            } else {
                d.within(lo, hi)
            }
        },
    )
}

/// The day of writing said by a deictic word glued to a date (「明日10月1日」), read inside
/// `period` when there is one, else with the year of `latest` when it gives none.
fn deictic(dates: &[TextDate], period: Option<(Date, Date)>, latest: Option<Date>) -> Option<Date> {
    dates
        .iter()
        .filter(|d| !d.boilerplate && d.day.is_some())
        .find_map(|d| {
            let k = d.deixis?;
            let date = match (period, d.full()) {
                (Some((lo, hi)), _) => d.within(lo, hi)?,
                (None, Some(full)) => full,
                (None, None) => {
                    let t = latest?;
                    d.within(t.add_days(-183)?, t.add_days(183)?)?
                }
            };
            date.add_days(-k)
        })
}

// ---------------------------------------------------------------- datelines

/// Lines read for a dateline: a stamp sits above the first paragraph of prose.
const DATELINE_LINES: usize = 12;

/// Whether a line is a paragraph of prose (the body has begun).
fn is_prose(line: &str) -> bool {
    let sentences = line.matches(['。', '！', '？']).count();
    sentences >= 2 || sentences == 1 && line.chars().count() >= 80
}

/// A date stamp near the top of the normalized text: a full date with a written year that
/// stands apart from the words around it ([`Stamp::Publication`]), above the first
/// paragraph of prose. Stamps of later edits (更新, 追記, 修正) are passed over.
pub fn dateline(text: &str) -> Option<Date> {
    let mut seen = 0;
    let mut head = 0;
    for line in text.split_inclusive('\n') {
        let l = line.trim();
        if !l.is_empty() {
            seen += 1;
            if seen > DATELINE_LINES || is_prose(l) {
                break;
            }
        }
        head += line.len();
    }
    let head = &text[..head];
    let sentences = [Sentence {
        range: 0..head.len(),
        boilerplate: false,
    }];
    scan(head, &sentences)
        .iter()
        .find(|d| d.stamp == Stamp::Publication)
        .and_then(TextDate::full)
}

/// Whether a date is a stamp, and of what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stamp {
    /// A date inside the words of a sentence, or not a full date.
    No,
    /// A full date standing apart (alone on its line, between spaces or brackets, after a
    /// label such as 公開日:, before 配信/公開/掲載/投稿).
    Publication,
    /// The same, marking a later edit (更新, 追記, 修正).
    Edit,
}

/// How far (bytes) from a date [`stamp`] looks for the ends of its line.
const STAMP_WINDOW: usize = 512;

/// Whether the full date at `range` of `text` (with a written year) is a stamp.
fn stamp(text: &str, range: Range<usize>) -> Stamp {
    const LABELS_BEFORE: &[&str] = &[
        "公開日",
        "配信日",
        "投稿日",
        "掲載日",
        "作成日",
        "発行日",
        "発表日",
        "日付",
        "公開",
        "配信",
        "投稿",
        "掲載",
        "Posted",
        "Published",
        "posted",
        "published",
    ];
    const MARKS_AFTER: &[&str] = &["配信", "公開", "掲載", "投稿", "発行", "発表", "付"];
    const EDITS: &[&str] = &[
        "更新", "追記", "修正", "改訂", "加筆", "訂正", "Updated", "updated",
    ];
    // A stamp's line is looked at within a few hundred bytes of the date: a text that is
    // one long line must not cost a walk to its start and end for every date in it.
    // `long_*`: the line goes on beyond that window (so there is text there).
    let mut lo = range.start.saturating_sub(STAMP_WINDOW);
    while !text.is_char_boundary(lo) {
        lo += 1;
    }
    let mut hi = (range.end + STAMP_WINDOW).min(text.len());
    while !text.is_char_boundary(hi) {
        hi -= 1;
    }
    let (start, long_before) = match text[lo..range.start].rfind('\n') {
        Some(i) => (lo + i + 1, false),
        None => (lo, lo > 0),
    };
    let (end, long_after) = match text[range.end..hi].find('\n') {
        Some(i) => (range.end + i, false),
        None => (hi, hi < text.len()),
    };
    let before = text[start..range.start].trim_end_matches([' ', '\t']);
    let after_all = &text[range.end..end];
    let skip = AFTER_DATE.find(after_all).map_or(0, |x| x.end());
    let after = after_all[skip..].trim_start();
    // A bracketed stamp stands at the start or the end of its line (「(2020/9/17 11:30)」,
    // 「見出し【2020/09/09】」), not inside a sentence (「再設定(2019年7月30日)とは」).
    let opened = before.ends_with(['(', '【', '[', '「', '<']);
    let closed = after.starts_with([')', '】', ']', '」', '>']);
    let before_empty = |rest: &str| !long_before && rest.trim().is_empty();
    let after_empty = |rest: &str| !long_after && rest.trim().is_empty();
    let bracketed = opened
        && closed
        && (before_empty(
            &before[..before.len() - before.chars().next_back().map_or(0, char::len_utf8)],
        ) || after_empty(&after[after.chars().next().map_or(0, char::len_utf8)..]));
    let before_ok = before_empty(before)
        || bracketed
        || before.ends_with(['|', '/', '・'])
        || text[..range.start].ends_with([' ', '\t'])
        || LABELS_BEFORE
            .iter()
            .any(|w| before.trim_end_matches([':', ' ']).ends_with(w));
    let after_ok = after_empty(after)
        || bracketed
        || after.starts_with(['|', '/'])
        || after_all[..skip].ends_with([' ', '\t'])
            && !after.starts_with(['に', 'の', 'は', 'か', 'ま', 'よ', 'で', '、'])
        || MARKS_AFTER.iter().any(|w| after.starts_with(w))
        || EDITS.iter().any(|w| after.starts_with(w));
    if !before_ok || !after_ok || in_url(text, range.start) {
        return Stamp::No;
    }
    let edited = EDITS.iter().any(|w| after.starts_with(w))
        || EDITS
            .iter()
            .any(|w| before.trim_end_matches([':', ' ', '(']).ends_with(w));
    if edited {
        Stamp::Edit
    } else {
        Stamp::Publication
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Document;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn urls_of_every_shape() {
        use UrlDate::{Day, Month};
        for (url, want) in [
            (
                "http://shimajiro-mobiler.net/2019/07/03/post61345",
                Some(Day(d(2019, 7, 3))),
            ),
            (
                "https://example.jp/news/2019/8/1/abc",
                Some(Day(d(2019, 8, 1))),
            ),
            (
                "https://example.jp/articles/20190711/ddm/041/020/112000c",
                Some(Day(d(2019, 7, 11))),
            ),
            (
                "https://example.jp/news/amusing/7pay20190704.html?from=a%E3%83",
                Some(Day(d(2019, 7, 4))),
            ),
            (
                "https://example.jp/company/important/201907052200.html",
                Some(Day(d(2019, 7, 5))),
            ),
            (
                "https://example.com/ja/news/yjj2019071601081/",
                Some(Day(d(2019, 7, 16))),
            ),
            (
                "https://example.jp/20190730-868734",
                Some(Day(d(2019, 7, 30))),
            ),
            (
                "https://b.example.jp/user/20190716",
                Some(Day(d(2019, 7, 16))),
            ),
            (
                "https://example.co.jp/support/information/2020/0424.html",
                Some(Day(d(2020, 4, 24))),
            ),
            (
                "https://example.jp/news/1908/01/abc.html",
                Some(Day(d(2019, 8, 1))),
            ),
            (
                "https://example.jp/economy/190716/ecn1907160001-n1.html",
                Some(Day(d(2019, 7, 16))),
            ),
            (
                "https://example.jp/201907/news-20190704-x.html",
                Some(Day(d(2019, 7, 4))),
            ),
            (
                "https://example.blogspot.com/2019/07/idsns7pay.html",
                Some(Month(2019, 7)),
            ),
            (
                "https://example.blogspot.com/2012/04/post.html",
                Some(Month(2012, 4)),
            ),
            (
                "https://example.jp/2004/24/x.html",
                Some(Day(d(2020, 4, 24))),
            ),
            (
                "https://example.info/201907-7pay-is-very-dangerous",
                Some(Month(2019, 7)),
            ),
            // Serial numbers, ids and hashes are no dates.
            ("https://news.example.com/article/detail/18390728", None),
            ("https://example.jp/atcl/nxt/news/18/05655/", None),
            ("https://example.jp/articles/-/1166101", None),
            (
                "https://example.jp/amp/entry/7pay-service-end_jp_5d479ee4e4b0ca604e34313a/",
                None,
            ),
            ("https://example.jp/docs/news/1158858.html", None),
            ("https://example.jp/x/2019123456", None),
            // The host is not read.
            ("https://20190704.example.jp/news/", None),
        ] {
            assert_eq!(url_date(url), want, "{url}");
        }
    }

    #[test]
    fn datelines_near_the_top() {
        for (text, want) in [
            (
                "重要なお知らせ\n\n2019年7月5日\n\nお客様各位\n本文です。",
                Some(d(2019, 7, 5)),
            ),
            (
                "Sony\nニュース 2019.05.30 ユニクロとGUの通販サイトで流出\n本文。",
                Some(d(2019, 5, 30)),
            ),
            (
                "「ドコモ口座」から不正引き出し:とくダネ!【2020/09/09】\n本文。",
                Some(d(2020, 9, 9)),
            ),
            ("見出し\n2019/7/5 配信\n本文。", Some(d(2019, 7, 5))),
            ("見出し\n2019年7月5日 10時30分\n本文。", Some(d(2019, 7, 5))),
            ("見出し\n公開日:2019年7月5日\n本文。", Some(d(2019, 7, 5))),
            ("見出し\n令和元年7月5日\n本文。", Some(d(2019, 7, 5))),
            ("見出し\n2019年7月5日(金)\n本文。", Some(d(2019, 7, 5))),
            // An edit stamp is passed over for the publication stamp under it.
            (
                "の内容を書き足しました。(2020年6月9日更新)\n利用者の皆さまへ\n2020年4月24日\n2020年6月9日更新\n",
                Some(d(2020, 4, 24)),
            ),
            // A date inside a sentence is an event, not a stamp.
            ("同社は2019年8月1日、都内で会見を開いた。\n", None),
            ("見出し\n2019年7月1日より提供を始めます\n", None),
            // Below the first paragraph of prose: a quoted article's stamp.
            (
                "見出し\n昨日、記事を書きました。本日は続報です。\n(2020/9/17 11:30)\n",
                None,
            ),
            ("見出し\nhttp://example.jp/2019/07/05/a\n", None),
            ("7iDのパスワード一斉変更(2019年7月30日)の中身\n", None),
        ] {
            assert_eq!(dateline(text), want, "{text}");
        }
    }

    fn infer_text(text: &str, url: Option<&str>, incident: Option<&str>) -> Dated {
        let mut doc = Document::from_str("a.txt", text);
        doc.meta.url = url.map(str::to_string);
        let incidents = Incidents::parse(
            r#"
            [[incident]]
            id = "7pay"
            names = ["7pay", "セブンペイ"]
            start = 2019-07-01
            end = 2020-03-31
            [[incident]]
            id = "paypay"
            names = ["PayPay"]
            start = 2018-12-04
            end = 2019-01-31
            "#,
            "t",
        )
        .unwrap();
        let norm = crate::normalize::normalize(text);
        let sentences = crate::segment::split(&norm.text, &[]);
        let mut found = incidents.detect(&norm.text, &sentences);
        if incident.is_none() {
            found = DocIncidents::default();
        }
        infer(&doc, &norm.text, &sentences, &incidents, &found)
    }

    #[test]
    fn the_chain_from_metadata_to_text() {
        let mut doc = Document::from_str("a.txt", "2018年に設立。");
        doc.meta.published = Some(d(2019, 7, 4));
        doc.meta.url = Some("https://x.jp/2019/07/01/a".into());
        let none = Incidents::default();
        let at = |doc: &Document| infer(doc, &doc.text, &[], &none, &DocIncidents::default());
        let day = |date: Date, basis: Basis| Dated {
            date: Some(date),
            precision: Precision::Day,
            basis,
        };
        assert_eq!(at(&doc), day(d(2019, 7, 4), Basis::Metadata));
        doc.meta.published = None;
        doc.page.published = Some(d(2019, 7, 3));
        assert_eq!(at(&doc).basis, Basis::Html);
        doc.page.published = None;
        assert_eq!(at(&doc), day(d(2019, 7, 1), Basis::Url));
        doc.meta.url = None;
        assert_eq!(at(&doc), Dated::NONE);

        // (text, url, incident named in it, published, basis)
        type Case<'a> = (
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            Basis,
        );
        let cases: &[Case<'_>] = &[
            // An incident window: the latest day the text states inside it; news writes a
            // bare day for a day close to the day of writing.
            (
                "7payの会見が4日午後に開かれた。セブンペイは警視庁が昨日逮捕と発表。",
                None,
                Some("7pay"),
                Some("2019-07-04"),
                Basis::Corpus,
            ),
            // A month-day or a full date may be recalled from a distance: it says the
            // month. A default birth date before the window is no clue.
            (
                "7payは7月1日に開始。セブンペイは生年月日を2019年1月1日として登録する。",
                None,
                Some("7pay"),
                Some("2019-07"),
                Basis::Corpus,
            ),
            (
                "2019年7月1日に始まってすぐ、乗っ取りが明るみに出た7pay。本日は以上です。セブンペイ。",
                None,
                Some("7pay"),
                Some("2019-07"),
                Basis::Corpus,
            ),
            // Nothing inside the window: its first month; background years do not count.
            (
                "7payの運営会社は2018年に設立された。セブンペイの開発は2016年に始まった。",
                None,
                Some("7pay"),
                Some("2019-07"),
                Basis::Corpus,
            ),
            // Period bounds are plans, not the day of writing.
            (
                "PayPayは14日、文書を公開した。PayPayは17日以降、入力回数を制限する。11日ごろから相談の電話が続いた。",
                None,
                Some("paypay"),
                Some("2018-12-14"),
                Basis::Corpus,
            ),
            // A stamp in the text says the day.
            (
                "7payの件を続けます。詳しい記事が出ました。\n●セブンペイ、被害拡大\n(2019/7/16 11:30)\n被害者が取材に応じた。",
                None,
                Some("7pay"),
                Some("2019-07-16"),
                Basis::Corpus,
            ),
            // An edit stamp does not.
            (
                "7payの件です。セブンペイは4日に会見。\n2019/07/30 追記\n",
                None,
                Some("7pay"),
                Some("2019-07-04"),
                Basis::Corpus,
            ),
            // A deictic word glued to a date says the day of writing.
            (
                "7payが9月30日(月)24:00をもって終了。セブンペイは明日10月1日(火)~2020年1月10日(金)に払戻し。",
                None,
                Some("7pay"),
                Some("2019-09-30"),
                Basis::Text,
            ),
            // A retrospective after the window: the text's own date.
            (
                "7payの事件から2年。セブンペイの教訓を2021年6月1日の講演で語った。",
                None,
                Some("7pay"),
                Some("2021-06"),
                Basis::Text,
            ),
            // A URL month: the latest day of that month the text states.
            (
                "7月1日に開始。4日、逮捕された。3日、購入した。",
                Some("https://x.blogspot.com/2019/07/abc.html"),
                None,
                Some("2019-07-04"),
                Basis::Url,
            ),
            (
                "見出しだけ。",
                Some("https://x.jp/201907-abc"),
                None,
                Some("2019-07"),
                Basis::Url,
            ),
            // No incident: the latest full date, moved on by a month-day after it.
            (
                "2019年7月1日に開始したサービスは8月1日に廃止が決まった。2018年に設立。",
                None,
                None,
                Some("2019-08"),
                Basis::Text,
            ),
            (
                "同社は2019年12月に設立され、2020年1月11日以降に返金する。",
                None,
                None,
                None,
                Basis::None,
            ),
        ];
        for (text, url, incident, want, basis) in cases {
            let got = infer_text(text, *url, *incident);
            assert_eq!((got.iso().as_deref(), got.basis), (*want, *basis), "{text}");
            assert_eq!(got.day().is_some(), want.is_some_and(|w| w.len() == 10));
        }
        let got = infer_text(
            "7payの運営会社は2018年に設立された。セブンペイの開発は2016年に始まった。",
            None,
            Some("7pay"),
        );
        assert_eq!((got.month(), got.day()), (Some((2019, 7)), None));
    }

    #[test]
    fn bare_days_that_are_no_dates() {
        let norm = "開始から4日で停止。1日に2400万人が来店。3日間の調査。約5日後。";
        let s = crate::segment::split(norm, &[]);
        let found: Vec<_> = scan(norm, &s)
            .into_iter()
            .filter(|d| d.day.is_some())
            .collect();
        assert!(found.is_empty(), "{found:?}");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "2019",
            "7",
            "04",
            "12",
            "31",
            "年",
            "月",
            "日",
            "/",
            ".",
            "-",
            "(",
            ")",
            "【",
            "】",
            " ",
            "\n",
            "本日",
            "明日",
            "昨日",
            "令和",
            "元",
            "配信",
            "更新",
            "追記",
            "から",
            "まで",
            "~",
            "7pay",
            "セブンペイ",
            "http://x.jp/",
            "。",
            "、",
            "午後",
            "5時",
            ":",
            "に",
            "以降",
            "が",
            "は",
            "全国",
            "年間",
        ])
        .prop_map(str::to_string)
    }

    proptest! {
        #[test]
        fn dating_never_panics(parts in prop::collection::vec(piece(), 0..40),
                               url in prop::collection::vec(piece(), 0..12)) {
            let text: String = parts.concat();
            let _ = url_date(&url.concat());
            let _ = dateline(&text);
            let _ = Date::parse_loose(&text);
            let incidents = Incidents::parse(
                "[[incident]]\nid = \"a\"\nnames = [\"7pay\", \"セブンペイ\"]\nstart = 2019-07-01\nend = 2020-03-31\n",
                "t",
            )
            .unwrap();
            let sentences = crate::segment::split(&text, &[]);
            let found = incidents.detect(&text, &sentences);
            let mut doc = Document::from_str("a.txt", &text);
            doc.meta.url = Some(url.concat());
            let d = infer(&doc, &text, &sentences, &incidents, &found);
            if let Some(iso) = d.iso() {
                prop_assert!(iso.len() == 7 || iso.len() == 10, "{iso}");
            }
            for m in &found.mentions {
                prop_assert!(text.is_char_boundary(m.range.start) && text.is_char_boundary(m.range.end));
                let _ = found.at(m.range.start);
            }
        }
    }
}
