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

    /// Parses the date forms found in metadata: `2019-07-04`, `2019/7/4`, `2019.7.4`,
    /// `2019年7月4日`, optionally followed by a time (`2019-07-04T17:40:00+09:00`,
    /// `2019/07/04 17:40`), which is ignored.
    pub fn parse_loose(s: &str) -> Option<Date> {
        let s = s.trim();
        let mut nums = [0i64; 3];
        let mut n = 0;
        let mut cur: Option<i64> = None;
        let mut seps = 0;
        for c in s.chars() {
            let c = match c {
                '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            };
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
                '日' | 'T' | ' ' | '　' if n == 3 => break,
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
        Date::new(
            i32::try_from(nums[0]).ok()?,
            u32::try_from(nums[1]).ok()?,
            u32::try_from(nums[2]).ok()?,
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
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
        ] {
            assert_eq!(Date::parse_loose(s), None, "{s}");
        }
    }
}
