//! The typed result of extraction: [`Mention`], its [`Kind`], parsed [`Value`] and
//! [`Qualifiers`], and the contract's text forms (`2019-07-04`, `P4D`, `lower+early_morning`).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use super::numerals::Decimal;

/// What a mention measures (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An amount of money (`value` in yen for `JPY`).
    Money,
    /// A number of things; `unit` names them.
    Count,
    /// A ratio: percent or times.
    Ratio,
    /// A calendar date at written precision (year, month, day or weekday).
    Date,
    /// A date with a clock time.
    DateTime,
    /// A clock time without a date.
    Time,
    /// A length of time.
    Duration,
    /// A date given relative to an anchor (本日, 同日, 昨年末, 4年ほど前).
    RelativeDate,
}

impl Kind {
    /// The contract's name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Money => "money",
            Kind::Count => "count",
            Kind::Ratio => "ratio",
            Kind::Date => "date",
            Kind::DateTime => "datetime",
            Kind::Time => "time",
            Kind::Duration => "duration",
            Kind::RelativeDate => "relative_date",
        }
    }

    /// Every kind, in the contract's order.
    pub const ALL: [Kind; 8] = [
        Kind::Money,
        Kind::Count,
        Kind::Date,
        Kind::DateTime,
        Kind::Time,
        Kind::Duration,
        Kind::RelativeDate,
        Kind::Ratio,
    ];

    /// Whether the kind is temporal (its `unit` is always null).
    pub fn is_temporal(self) -> bool {
        !matches!(self, Kind::Money | Kind::Count | Kind::Ratio)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of qualifiers (the `qualifier` column, `+`-joined; `none` when empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Qualifiers(u16);

impl Qualifiers {
    /// No qualifier.
    pub const NONE: Qualifiers = Qualifiers(0);
    /// A lower bound: 以上, 超, 強, 少なくとも, 以降, から after a date.
    pub const LOWER: Qualifiers = Qualifiers(1);
    /// An upper bound: 以下, 未満, 弱, 以内, 以前, まで after a date.
    pub const UPPER: Qualifiers = Qualifiers(1 << 1);
    /// One span holding a range (7、8個): `value` low, `upper` high.
    pub const RANGE: Qualifiers = Qualifiers(1 << 2);
    /// A rate: 1日に…, 1人あたり, 月額.
    pub const PER: Qualifiers = Qualifiers(1 << 3);
    /// An as-of time: 現在, 時点, 付.
    pub const AS_OF: Qualifiers = Qualifiers(1 << 4);
    /// A weekday without a date.
    pub const WEEKDAY: Qualifiers = Qualifiers(1 << 5);
    /// A fiscal year (年度, 年N月期).
    pub const FISCAL_YEAR: Qualifiers = Qualifiers(1 << 6);
    /// 早朝, 未明.
    pub const EARLY_MORNING: Qualifiers = Qualifiers(1 << 7);
    /// 朝, 午前.
    pub const MORNING: Qualifiers = Qualifiers(1 << 8);
    /// 午後, 昼過ぎ.
    pub const AFTERNOON: Qualifiers = Qualifiers(1 << 9);
    /// 夕, 夕方.
    pub const EVENING: Qualifiers = Qualifiers(1 << 10);
    /// 夜, 深夜.
    pub const NIGHT: Qualifiers = Qualifiers(1 << 11);

    const NAMES: [(Qualifiers, &'static str); 12] = [
        (Qualifiers::LOWER, "lower"),
        (Qualifiers::UPPER, "upper"),
        (Qualifiers::RANGE, "range"),
        (Qualifiers::PER, "per"),
        (Qualifiers::AS_OF, "as_of"),
        (Qualifiers::WEEKDAY, "weekday"),
        (Qualifiers::FISCAL_YEAR, "fiscal_year"),
        (Qualifiers::EARLY_MORNING, "early_morning"),
        (Qualifiers::MORNING, "morning"),
        (Qualifiers::AFTERNOON, "afternoon"),
        (Qualifiers::EVENING, "evening"),
        (Qualifiers::NIGHT, "night"),
    ];

    /// Whether every qualifier of `q` is in `self`.
    pub fn contains(self, q: Qualifiers) -> bool {
        self.0 & q.0 == q.0
    }

    /// Adds the qualifiers of `q`.
    pub fn insert(&mut self, q: Qualifiers) {
        self.0 |= q.0;
    }

    /// Removes the qualifiers of `q`.
    pub fn remove(&mut self, q: Qualifiers) {
        self.0 &= !q.0;
    }

    /// Whether the set is empty (`none`).
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether a bound (lower or upper) is set.
    pub fn has_bound(self) -> bool {
        self.0 & (Qualifiers::LOWER.0 | Qualifiers::UPPER.0) != 0
    }

    /// The names of the qualifiers, in a fixed order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Qualifiers::NAMES
            .into_iter()
            .filter(move |(q, _)| self.contains(*q))
            .map(|(_, n)| n)
    }
}

impl std::ops::BitOr for Qualifiers {
    type Output = Qualifiers;
    fn bitor(self, o: Qualifiers) -> Qualifiers {
        Qualifiers(self.0 | o.0)
    }
}

impl fmt::Display for Qualifiers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (i, n) in self.names().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            f.write_str(n)?;
        }
        Ok(())
    }
}

/// A date at the precision it was written (or resolved) at. A missing year prints as
/// `XXXX` (no reference date was available).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateValue {
    /// Year, if known.
    pub year: Option<i32>,
    /// Month 1..=12, if given.
    pub month: Option<u32>,
    /// Day of month, if given (only with a month).
    pub day: Option<u32>,
}

impl DateValue {
    /// A full date.
    pub fn ymd(year: i32, month: u32, day: u32) -> DateValue {
        DateValue {
            year: Some(year),
            month: Some(month),
            day: Some(day),
        }
    }

    /// The calendar date, when year, month and day are all known.
    pub fn to_date(self) -> Option<crate::calendar::Date> {
        crate::calendar::Date::new(self.year?, self.month?, self.day?)
    }
}

impl From<crate::calendar::Date> for DateValue {
    fn from(d: crate::calendar::Date) -> DateValue {
        DateValue::ymd(d.year, d.month, d.day)
    }
}

impl fmt::Display for DateValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.year {
            Some(y) => write!(f, "{y:04}")?,
            None => f.write_str("XXXX")?,
        }
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

/// A clock time, 24-hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClockTime {
    /// Hour, 0..=24.
    pub hour: u32,
    /// Minute, 0..=59.
    pub minute: u32,
    /// Second, if written.
    pub second: Option<u32>,
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)?;
        if let Some(s) = self.second {
            write!(f, ":{s:02}")?;
        }
        Ok(())
    }
}

/// An ISO 8601 duration in the units it was written in (3ヶ月 is `P3M`, not `P90D`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct IsoDuration {
    /// Years.
    pub years: u32,
    /// Months.
    pub months: u32,
    /// Weeks.
    pub weeks: u32,
    /// Days.
    pub days: u32,
    /// Hours.
    pub hours: u32,
    /// Minutes.
    pub minutes: u32,
    /// Seconds.
    pub seconds: u32,
    /// Thousandths of a second (9秒58, 1.5秒).
    pub millis: u32,
}

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("P")?;
        for (v, u) in [
            (self.years, 'Y'),
            (self.months, 'M'),
            (self.weeks, 'W'),
            (self.days, 'D'),
        ] {
            if v > 0 {
                write!(f, "{v}{u}")?;
            }
        }
        if self.hours + self.minutes + self.seconds + self.millis > 0 {
            f.write_str("T")?;
            for (v, u) in [(self.hours, 'H'), (self.minutes, 'M')] {
                if v > 0 {
                    write!(f, "{v}{u}")?;
                }
            }
            if self.millis > 0 {
                let frac = format!("{:03}", self.millis);
                write!(f, "{}.{}S", self.seconds, frac.trim_end_matches('0'))?;
            } else if self.seconds > 0 {
                write!(f, "{}S", self.seconds)?;
            }
        } else if self.years + self.months + self.weeks + self.days == 0 {
            f.write_str("0D")?;
        }
        Ok(())
    }
}

/// A parsed value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// Money, counts and ratios (percent for 割 and %, times for 倍).
    Number(Decimal),
    /// A date (also a resolved relative date).
    Date(DateValue),
    /// A weekday without a date, ISO 1 = Monday .. 7 = Sunday (`XXXX-WXX-5`).
    Weekday(u32),
    /// An ISO week (今週): `2019-W27`.
    Week {
        /// ISO week-numbering year.
        year: i32,
        /// Week 1..=53.
        week: u32,
    },
    /// A date with a clock time.
    DateTime(DateValue, ClockTime),
    /// A clock time.
    Time(ClockTime),
    /// A minute of every hour (毎時01分): `XX:01`.
    MinuteOfHour(u32),
    /// A length of time.
    Duration(IsoDuration),
}

impl Value {
    /// The number, for money, counts and ratios.
    pub fn number(&self) -> Option<Decimal> {
        match self {
            Value::Number(d) => Some(*d),
            _ => None,
        }
    }

    /// The date part, for dates and datetimes.
    pub fn date(&self) -> Option<DateValue> {
        match self {
            Value::Date(d) | Value::DateTime(d, _) => Some(*d),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(d) => write!(f, "{d}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Weekday(w) => write!(f, "XXXX-WXX-{w}"),
            Value::Week { year, week } => write!(f, "{year:04}-W{week:02}"),
            Value::DateTime(d, t) => write!(f, "{d}T{t}"),
            Value::Time(t) => write!(f, "{t}"),
            Value::MinuteOfHour(m) => write!(f, "XX:{m:02}"),
            Value::Duration(d) => write!(f, "{d}"),
        }
    }
}

/// One number or date mention.
///
/// `range` is a byte range of the normalized text; map it with
/// [`Spans`](crate::prepared::Spans) to get the original text's offsets. As-of markers
/// (現在, 時点, 付) are outside the span but show as [`Qualifiers::AS_OF`] on the date.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// Normalized byte range of the surface.
    pub range: Range<usize>,
    /// Index of the sentence (into `Prepared::sentences`).
    pub sentence: usize,
    /// Kind.
    pub kind: Kind,
    /// The value (low end of a range); `None` when vague (数日) or unresolvable (本日
    /// without a publication date).
    pub value: Option<Value>,
    /// High end of a range written once (7、8個, 1~2カ月).
    pub upper: Option<Value>,
    /// Unit for money, counts and ratios: `JPY`, `person`, `percent`, ..., or the counter
    /// as written when it has no English name (`匹`, `カートン`).
    pub unit: Option<Cow<'static, str>>,
    /// Whether the surface hedges (約, ほど, 強, 末, 上旬, 数, ...).
    pub approx: bool,
    /// Bounds, range, rate, as-of, weekday, fiscal year, part of day.
    pub qualifiers: Qualifiers,
}

impl Mention {
    /// The value as contract text.
    pub fn value_text(&self) -> Option<String> {
        self.value.map(|v| v.to_string())
    }

    /// The upper value as contract text.
    pub fn upper_text(&self) -> Option<String> {
        self.upper.map(|v| v.to_string())
    }

    /// Whether this mention carries an as-of marker (「7月31日17時現在」, 「4日時点」).
    pub fn is_as_of(&self) -> bool {
        self.qualifiers.contains(Qualifiers::AS_OF)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_text_forms() {
        let d = DateValue::ymd(2019, 7, 4);
        assert_eq!(Value::Date(d).to_string(), "2019-07-04");
        assert_eq!(
            Value::Date(DateValue {
                year: Some(2019),
                month: Some(7),
                day: None
            })
            .to_string(),
            "2019-07"
        );
        assert_eq!(
            Value::Date(DateValue {
                year: None,
                month: Some(7),
                day: Some(4)
            })
            .to_string(),
            "XXXX-07-04"
        );
        let t = ClockTime {
            hour: 18,
            minute: 5,
            second: None,
        };
        assert_eq!(Value::DateTime(d, t).to_string(), "2019-07-04T18:05");
        assert_eq!(Value::Time(t).to_string(), "18:05");
        assert_eq!(Value::Weekday(5).to_string(), "XXXX-WXX-5");
        assert_eq!(
            Value::Week {
                year: 2019,
                week: 27
            }
            .to_string(),
            "2019-W27"
        );
        let dur = |f: fn(&mut IsoDuration)| {
            let mut d = IsoDuration::default();
            f(&mut d);
            d.to_string()
        };
        assert_eq!(dur(|d| d.days = 4), "P4D");
        assert_eq!(dur(|d| d.hours = 24), "PT24H");
        assert_eq!(
            dur(|d| {
                d.minutes = 1;
                d.seconds = 48
            }),
            "PT1M48S"
        );
        assert_eq!(dur(|d| d.months = 3), "P3M");
        assert_eq!(dur(|d| d.weeks = 2), "P2W");
        assert_eq!(
            dur(|d| {
                d.seconds = 9;
                d.millis = 580
            }),
            "PT9.58S"
        );
        assert_eq!(dur(|d| d.millis = 100), "PT0.1S");
        let q = Qualifiers::LOWER | Qualifiers::EARLY_MORNING;
        assert_eq!(q.to_string(), "lower+early_morning");
        assert_eq!(Qualifiers::NONE.to_string(), "none");
    }
}
