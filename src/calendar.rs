//! Civil dates without time zones: what publication dates and extracted dates need.
//!
//! Proleptic Gregorian calendar, years 1..=9999. Day arithmetic goes through a day number
//! (days since 1970-01-01, Howard Hinnant's algorithm), so month and year boundaries need
//! no special cases.

use std::fmt;

/// A calendar date.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Date {
    /// Year, 1..=9999.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of month, 1..=31 (valid for the month).
    pub day: u32,
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` of `year` (0 for an invalid month).
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A valid date, or `None`.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        ((1..=9999).contains(&year) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date { year, month, day })
    }

    /// Days since 1970-01-01.
    pub fn day_number(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date of a day number, if its year is in range.
    pub fn from_day_number(z: i64) -> Option<Date> {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i64::from(m <= 2);
        Date::new(i32::try_from(y).ok()?, m, d)
    }

    /// This date moved by `days` (negative: earlier).
    pub fn add_days(self, days: i64) -> Option<Date> {
        Date::from_day_number(self.day_number().checked_add(days)?)
    }

    /// This date moved by whole months, clamping the day to the target month's length
    /// (1月31日 + 1 month = 2月28日).
    pub fn add_months(self, months: i64) -> Option<Date> {
        let total = i64::from(self.year) * 12 + i64::from(self.month) - 1 + months;
        let year = i32::try_from(total.div_euclid(12)).ok()?;
        let month = (total.rem_euclid(12) + 1) as u32;
        let day = self.day.min(days_in_month(year, month));
        Date::new(year, month, day)
    }

    /// ISO weekday, 1 = Monday .. 7 = Sunday.
    pub fn iso_weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (4).
        ((self.day_number() + 3).rem_euclid(7) + 1) as u32
    }

    /// Parses the date forms people type in metadata: `2019-07-04`, `2019/7/4`,
    /// `2019.7.4`, `2019年7月4日`, `20190704`, Japanese eras (`令和元年7月4日`, `平成31年4月30日`,
    /// `R1.7.4`, `H31/4/30`), full-width digits, optionally followed by a time
    /// (`2019-07-04T17:40:00+09:00`, `2019/07/04 17:40`, `20190704 1740`), which is ignored.
    pub fn parse_loose(s: &str) -> Option<Date> {
        let folded: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '．' | '／' | '－' => {
                    char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
                }
                '　' => ' ',
                c => c,
            })
            .collect();
        let s = folded.as_str();
        // A date written in one run of 8 digits (and a time after a space or T).
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 8 && s[8..].chars().next().is_none_or(|c| c == ' ' || c == 'T') {
            let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
            return Date::new(i32::try_from(n(0..4)?).ok()?, n(4..6)?, n(6..8)?);
        }
        let (offset, rest) = match era(s) {
            Some((base, len)) => (Some(base), &s[len..]),
            None => (None, s),
        };
        let mut nums = [0i64; 3];
        let mut n = 0;
        let mut cur: Option<i64> = None;
        let mut seps = 0;
        let mut chars = rest.chars();
        // 元年: the first year of an era.
        if offset.is_some() && rest.starts_with('元') {
            cur = Some(1);
            chars.next();
        }
        for c in chars {
            if let Some(v) = c.to_digit(10) {
                cur = Some(
                    cur.unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(i64::from(v)),
                );
                continue;
            }
            if let Some(v) = cur.take() {
                if n == 3 {
                    break;
                }
                nums[n] = v;
                n += 1;
            }
            match c {
                '-' | '/' | '.' | '年' | '月' => seps += 1,
                '日' | 'T' | ' ' | '(' | '（' if n == 3 => break,
                _ => return None,
            }
        }
        if let Some(v) = cur
            && n < 3
        {
            nums[n] = v;
            n += 1;
        }
        if n != 3 || seps < 2 {
            return None;
        }
        let year = match offset {
            // An era year: 1 (元年) .. 99.
            Some(base) if (1..100).contains(&nums[0]) => base + nums[0] - 1,
            Some(_) => return None,
            None => nums[0],
        };
        Date::new(
            i32::try_from(year).ok()?,
            u32::try_from(nums[1]).ok()?,
            u32::try_from(nums[2]).ok()?,
        )
    }
}

/// The Japanese era a date starts with (`令和`, `平成`, `昭和`, `大正`, or its initial `R`,
/// `H`, `S`, `T` before a digit): the Gregorian year of its first year, and the bytes of
/// the era name.
fn era(s: &str) -> Option<(i64, usize)> {
    const ERAS: [(&str, char, i64); 4] = [
        ("令和", 'R', 2019),
        ("平成", 'H', 1989),
        ("昭和", 'S', 1926),
        ("大正", 'T', 1912),
    ];
    for (name, initial, base) in ERAS {
        if s.starts_with(name) {
            return Some((base, name.len()));
        }
        let mut cs = s.chars();
        if cs.next().is_some_and(|c| c.to_ascii_uppercase() == initial)
            && cs.next().is_some_and(|c| c.is_ascii_digit())
        {
            return Some((base, 1));
        }
    }
    None
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// How much of a written ISO date or date-time was given: what a typed timestamp column
/// cannot say by itself (`2019-07` is read as 2019-07-01 00:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// `2019`.
    Year,
    /// `2019-07`.
    Month,
    /// `2019-07-04`.
    Day,
    /// `2019-07-04T06:00`.
    Minute,
    /// `2019-07-04T06:00:30`.
    Second,
    /// `XXXX-07-04`: month and day without a year (no reference date was available).
    UnknownYear,
    /// Text that is none of the above.
    Unknown,
}

impl Precision {
    /// The name written in `*_precision` columns.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Year => "year",
            Precision::Month => "month",
            Precision::Day => "day",
            Precision::Minute => "minute",
            Precision::Second => "second",
            Precision::UnknownYear => "unknown_year",
            Precision::Unknown => "unknown",
        }
    }
}

/// Reads the ISO forms shiten writes (`2019`, `2019-07`, `2019-07-04`,
/// `2019-07-04T06:00`, `2019-07-04T06:00:30`, `XXXX-07-04`) as milliseconds since
/// 1970-01-01T00:00 without a time zone (the time as written, Japan time), the missing
/// parts as their first value, and how much was written. `T24:00` is the next day's 00:00.
pub fn iso_timestamp(s: &str) -> (Option<i64>, Precision) {
    let num = |t: &str, n: usize| {
        (t.len() == n && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse::<u32>().ok())
            .flatten()
    };
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next(), parts.next(), parts.next());
    if parts.next().is_some() {
        return (None, Precision::Unknown);
    }
    if y == Some("XXXX") {
        let ok = m.and_then(|m| num(m, 2)).is_some() && d.is_none_or(|d| num(d, 2).is_some());
        let p = if ok {
            Precision::UnknownYear
        } else {
            Precision::Unknown
        };
        return (None, p);
    }
    let Some(year) = y.and_then(|y| num(y, 4)) else {
        return (None, Precision::Unknown);
    };
    let month = match m {
        Some(m) => match num(m, 2) {
            Some(m) => Some(m),
            None => return (None, Precision::Unknown),
        },
        None => None,
    };
    let day = match d {
        Some(d) => match num(d, 2) {
            Some(d) if month.is_some() => Some(d),
            _ => return (None, Precision::Unknown),
        },
        None => None,
    };
    let Some(date) = Date::new(year as i32, month.unwrap_or(1), day.unwrap_or(1)) else {
        return (None, Precision::Unknown);
    };
    let mut precision = match (month, day) {
        (None, _) => Precision::Year,
        (Some(_), None) => Precision::Month,
        (Some(_), Some(_)) => Precision::Day,
    };
    let mut secs = 0i64;
    if let Some(t) = time {
        let mut hms = t.split(':');
        let (h, mi, se) = (hms.next(), hms.next(), hms.next());
        let (Some(h), Some(mi)) = (h.and_then(|h| num(h, 2)), mi.and_then(|m| num(m, 2))) else {
            return (None, Precision::Unknown);
        };
        let se = match se {
            Some(x) => match num(x, 2) {
                Some(x) => Some(x),
                None => return (None, Precision::Unknown),
            },
            None => None,
        };
        let valid = day.is_some()
            && hms.next().is_none()
            && (h < 24 && mi < 60 && se.is_none_or(|x| x < 60)
                || h == 24 && mi == 0 && se.unwrap_or(0) == 0);
        if !valid {
            return (None, Precision::Unknown);
        }
        secs = i64::from(h * 3600 + mi * 60 + se.unwrap_or(0));
        precision = if se.is_some() {
            Precision::Second
        } else {
            Precision::Minute
        };
    }
    (Some((date.day_number() * 86_400 + secs) * 1000), precision)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_across_boundaries() {
        for (y, m, d) in [
            (1970, 1, 1),
            (2019, 12, 31),
            (2020, 2, 29),
            (2000, 3, 1),
            (1, 1, 1),
        ] {
            let date = Date::new(y, m, d).unwrap();
            assert_eq!(Date::from_day_number(date.day_number()), Some(date));
        }
        let eve = Date::new(2019, 12, 31).unwrap();
        assert_eq!(eve.add_days(1), Date::new(2020, 1, 1));
        assert_eq!(
            Date::new(2020, 3, 1).unwrap().add_days(-1),
            Date::new(2020, 2, 29)
        );
        assert_eq!(
            Date::new(2019, 1, 31).unwrap().add_months(1),
            Date::new(2019, 2, 28)
        );
        assert_eq!(
            Date::new(2019, 1, 15).unwrap().add_months(-1),
            Date::new(2018, 12, 15)
        );
    }

    #[test]
    fn weekdays() {
        // 2019-07-04 was a Thursday.
        assert_eq!(Date::new(2019, 7, 4).unwrap().iso_weekday(), 4);
        assert_eq!(Date::new(2019, 7, 7).unwrap().iso_weekday(), 7);
    }

    #[test]
    fn parses_metadata_dates() {
        let want = Date::new(2019, 7, 4);
        for s in [
            "2019-07-04",
            "2019/7/4",
            "2019.07.04",
            "2019年7月4日",
            "2019-07-04T17:40:00+09:00",
            "2019/07/04 17:40",
            " ２０１９-０７-０４ ",
            "20190704",
            "20190704 1740",
            "20190704T174000",
            "令和元年7月4日",
            "令和1年7月4日",
            "令和元年７月４日 17時40分",
            "R1.7.4",
            "r1/07/04",
            "Ｒ１．７．４",
            "2019/7/4(木)",
        ] {
            assert_eq!(Date::parse_loose(s), want, "{s}");
        }
        for s in [
            "",
            "2019-13-01",
            "2019-02-30",
            "July 4",
            "2019",
            "2019-07",
            "4/7",
            "201907",
            "2019070",
            "20191304",
            "令和100年1月1日",
            "令和0年1月1日",
            "X1.7.4",
        ] {
            assert_eq!(Date::parse_loose(s), None, "{s}");
        }
        for (s, y, m, d) in [
            ("平成31年4月30日", 2019, 4, 30),
            ("H31.4.30", 2019, 4, 30),
            ("昭和64年1月7日", 1989, 1, 7),
            ("令和2年9月16日", 2020, 9, 16),
        ] {
            assert_eq!(Date::parse_loose(s), Date::new(y, m, d), "{s}");
        }
    }

    #[test]
    fn iso_timestamps_with_their_precision() {
        use super::Precision::*;
        let day = |y, m, d| Date::new(y, m, d).map(|d| d.day_number() * 86_400_000);
        for (text, want, p) in [
            ("2019-07-04", day(2019, 7, 4), Day),
            (
                "2019-07-04T06:00",
                day(2019, 7, 4).map(|x| x + 6 * 3_600_000),
                Minute,
            ),
            (
                "2019-07-04T06:00:30",
                day(2019, 7, 4).map(|x| x + 21_630_000),
                Second,
            ),
            ("2019-07-04T24:00", day(2019, 7, 5), Minute),
            ("2019-07", day(2019, 7, 1), Month),
            ("2019", day(2019, 1, 1), Year),
            ("1969-12-31", Some(-86_400_000), Day),
            ("XXXX-05-10", None, UnknownYear),
            ("XXXX-05", None, UnknownYear),
            ("2019-02-30", None, Unknown),
            ("2019-07-04T25:00", None, Unknown),
            ("2019-07-04T06", None, Unknown),
            ("2019-7-4", None, Unknown),
            ("P4D", None, Unknown),
            ("", None, Unknown),
        ] {
            assert_eq!(iso_timestamp(text), (want, p), "{text}");
        }
    }
}
