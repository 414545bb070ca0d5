//! Dates, times and relative dates: recognizers on a sentence [`Ctx`], producing
//! unresolved [`TExpr`]s that [`resolve`](super::resolve) completes with the document's
//! reference date.
//!
//! Forms read: `2019年7月4日`, `7月4日`, `4日` (bare day), `7/4`, `2019/07/04`,
//! `2019-08-03`, `2019.07.09`, eras (`令和元年10月1日`), `7月上旬/中旬/下旬/末`, `2019年度`,
//! `2019年2月期`; clock times `18時5分`, `17:00`, `午後5時`, merged into one datetime when
//! they follow a date (`4日18時5分`, `2019/07/04 17:12`); parts of day glued to a date
//! (`3日早朝`); relative words (`本日`, `同日`, `昨年末`, `今月4日`, `来年10月`) and weekdays.
//!
//! A bare `N日` is a date unless the context makes it a length or a rate: `1日に2400万人`
//! (per day), `開始から4日で` (four days), `3日続伸`, `4日間`.

use std::ops::Range;

use super::numerals::Numeral;
use super::scan::{Ctx, Raw, Step};
use super::types::{ClockTime, DateValue, IsoDuration, Kind, Qualifiers, Value};
use crate::tokenize::Pos;

/// Which part of a month (上旬, 中旬, 下旬, 末).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MonthPart {
    Early,
    Mid,
    Late,
    End,
}

/// A date as written; missing fields are filled in by resolution.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct DateExpr {
    /// A written year (including eras and two-digit years).
    pub year: Option<i32>,
    pub month: Option<u32>,
    pub day: Option<u32>,
    pub part: Option<MonthPart>,
    /// 2019年末: the last day of the year.
    pub year_end: bool,
    pub time: Option<ClockTime>,
    /// A bare 中旬 after `7月上旬から`: the month comes from the previous date.
    pub month_from_context: bool,
    /// The high end of a range written once: `2020~2021年`, `7~9月期`, `4、5日`.
    pub upper_year: Option<i32>,
    pub upper_month: Option<u32>,
    pub upper_day: Option<u32>,
}

/// What a relative date counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Anchor {
    /// The publication date (本日, 昨年, 4年前).
    #[default]
    Publication,
    /// The event just mentioned (同日, 翌日, 3日後).
    Event,
    /// A date earlier in the same sentence, else the publication date (前日).
    SentenceOrPublication,
}

/// The unit of a relative offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum RelUnit {
    #[default]
    Day,
    Week,
    Month,
    Year,
    FiscalYear,
    /// A quarter of the calendar year (今四半期, 前四半期): its three months.
    Quarter,
    /// Hours and minutes: not resolved to a date.
    Hour,
}

/// A date relative to an anchor.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RelExpr {
    pub anchor: Anchor,
    pub unit: RelUnit,
    pub offset: i64,
    /// 数日後: the offset is unknown.
    pub vague: bool,
    /// Keep the anchor's day when moving by months (約1ヶ月後 of 5月30日 = 6月30日).
    pub keep_day: bool,
    /// Days added after the months (1年2カ月と3日後: rare, but written).
    pub extra_days: i64,
    pub month: Option<u32>,
    pub day: Option<u32>,
    pub part: Option<MonthPart>,
    pub year_end: bool,
    pub time: Option<ClockTime>,
    /// The event named before 「の」 (「フォーラムの約1ヶ月後」).
    pub hint: Option<Range<usize>>,
}

/// A temporal expression to resolve.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TExpr {
    Abs(DateExpr),
    Rel(RelExpr),
}

/// Parts of day glued to a date: (word, qualifier, hour shift for a following clock time).
const PARTS_OF_DAY: &[(&str, Qualifiers, Shift)] = &[
    ("早朝", Qualifiers::EARLY_MORNING, Shift::Am),
    ("未明", Qualifiers::EARLY_MORNING, Shift::Am),
    ("朝方", Qualifiers::MORNING, Shift::Am),
    ("午前", Qualifiers::MORNING, Shift::Am),
    ("朝", Qualifiers::MORNING, Shift::Am),
    ("昼過ぎ", Qualifiers::AFTERNOON, Shift::Pm),
    ("午後", Qualifiers::AFTERNOON, Shift::Pm),
    ("夕方", Qualifiers::EVENING, Shift::Pm),
    ("夕刻", Qualifiers::EVENING, Shift::Pm),
    ("夕", Qualifiers::EVENING, Shift::Pm),
    ("深夜", Qualifiers::NIGHT, Shift::Night),
    ("夜間", Qualifiers::NIGHT, Shift::Night),
    ("夜", Qualifiers::NIGHT, Shift::Pm),
    ("昼", Qualifiers::AFTERNOON, Shift::Pm),
    ("晩", Qualifiers::NIGHT, Shift::Pm),
];

/// How a part of day moves a following hour (午後5時 = 17:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shift {
    Am,
    Pm,
    Night,
}

/// A relative-date word.
struct RelWord {
    word: &'static str,
    anchor: Anchor,
    unit: RelUnit,
    offset: i64,
    part: Qualifiers,
}

const fn rw(word: &'static str, anchor: Anchor, unit: RelUnit, offset: i64) -> RelWord {
    RelWord {
        word,
        anchor,
        unit,
        offset,
        part: Qualifiers::NONE,
    }
}

const fn rwp(word: &'static str, offset: i64, part: Qualifiers) -> RelWord {
    RelWord {
        word,
        anchor: Anchor::Publication,
        unit: RelUnit::Day,
        offset,
        part,
    }
}

use Anchor::{Event as EV, Publication as PB};

/// Relative-date words, longest first where one is a prefix of another.
const REL_WORDS: &[RelWord] = &[
    rw("一昨々年", PB, RelUnit::Year, -3),
    rw("一昨昨年", PB, RelUnit::Year, -3),
    rw("一昨々日", PB, RelUnit::Day, -3),
    rw("一昨昨日", PB, RelUnit::Day, -3),
    rw("明々後日", PB, RelUnit::Day, 3),
    rw("明明後日", PB, RelUnit::Day, 3),
    rw("再来年", PB, RelUnit::Year, 2),
    rw("再来月", PB, RelUnit::Month, 2),
    rw("再来週", PB, RelUnit::Week, 2),
    rw("先々月", PB, RelUnit::Month, -2),
    rw("先先月", PB, RelUnit::Month, -2),
    rw("先々週", PB, RelUnit::Week, -2),
    rw("先先週", PB, RelUnit::Week, -2),
    rw("一昨年", PB, RelUnit::Year, -2),
    rw("おととし", PB, RelUnit::Year, -2),
    rw("一昨日", PB, RelUnit::Day, -2),
    rw("おととい", PB, RelUnit::Day, -2),
    rw("明後日", PB, RelUnit::Day, 2),
    rw("あさって", PB, RelUnit::Day, 2),
    rw("今年度", PB, RelUnit::FiscalYear, 0),
    rw("本年度", PB, RelUnit::FiscalYear, 0),
    rw("昨年度", PB, RelUnit::FiscalYear, -1),
    rw("来年度", PB, RelUnit::FiscalYear, 1),
    rw("前年度", EV, RelUnit::FiscalYear, -1),
    rw("本日", PB, RelUnit::Day, 0),
    rw("今日", PB, RelUnit::Day, 0),
    rw("きょう", PB, RelUnit::Day, 0),
    rw("昨日", PB, RelUnit::Day, -1),
    rw("きのう", PB, RelUnit::Day, -1),
    rw("明日", PB, RelUnit::Day, 1),
    rw("あした", PB, RelUnit::Day, 1),
    rw("あす", PB, RelUnit::Day, 1),
    rwp("今朝", 0, Qualifiers::MORNING),
    rwp("今夜", 0, Qualifiers::NIGHT),
    rwp("今晩", 0, Qualifiers::NIGHT),
    rwp("昨夜", -1, Qualifiers::NIGHT),
    rwp("昨晩", -1, Qualifiers::NIGHT),
    rw("前日", Anchor::SentenceOrPublication, RelUnit::Day, -1),
    rw("翌々日", EV, RelUnit::Day, 2),
    RelWord {
        word: "翌朝",
        anchor: EV,
        unit: RelUnit::Day,
        offset: 1,
        part: Qualifiers::MORNING,
    },
    rw("翌日", EV, RelUnit::Day, 1),
    rw("同日", EV, RelUnit::Day, 0),
    rw("同じ日", EV, RelUnit::Day, 0),
    rw("当日", EV, RelUnit::Day, 0),
    rw("今月", PB, RelUnit::Month, 0),
    rw("先月", PB, RelUnit::Month, -1),
    rw("来月", PB, RelUnit::Month, 1),
    rw("同月", EV, RelUnit::Month, 0),
    rw("同じ月", EV, RelUnit::Month, 0),
    rw("当月", EV, RelUnit::Month, 0),
    rw("翌月", EV, RelUnit::Month, 1),
    rw("前月", EV, RelUnit::Month, -1),
    rw("今年", PB, RelUnit::Year, 0),
    rw("本年", PB, RelUnit::Year, 0),
    rw("昨年", PB, RelUnit::Year, -1),
    rw("去年", PB, RelUnit::Year, -1),
    rw("来年", PB, RelUnit::Year, 1),
    rw("同年", EV, RelUnit::Year, 0),
    rw("同じ年", EV, RelUnit::Year, 0),
    rw("当年", EV, RelUnit::Year, 0),
    rw("翌年", EV, RelUnit::Year, 1),
    rw("前年", EV, RelUnit::Year, -1),
    rw("今週", PB, RelUnit::Week, 0),
    rw("先週", PB, RelUnit::Week, -1),
    rw("来週", PB, RelUnit::Week, 1),
    rw("今四半期", PB, RelUnit::Quarter, 0),
    rw("今の四半期", PB, RelUnit::Quarter, 0),
    rw("本四半期", PB, RelUnit::Quarter, 0),
    rw("当四半期", PB, RelUnit::Quarter, 0),
    rw("現四半期", PB, RelUnit::Quarter, 0),
    rw("現行四半期", PB, RelUnit::Quarter, 0),
    rw("現在の四半期", PB, RelUnit::Quarter, 0),
    rw("先四半期", PB, RelUnit::Quarter, -1),
    rw("昨四半期", PB, RelUnit::Quarter, -1),
    rw("前四半期", EV, RelUnit::Quarter, -1),
    rw("前の四半期", EV, RelUnit::Quarter, -1),
    rw("来四半期", PB, RelUnit::Quarter, 1),
    rw("次四半期", EV, RelUnit::Quarter, 1),
    rw("翌四半期", EV, RelUnit::Quarter, 1),
    rw("先の年", PB, RelUnit::Year, -1),
    rw("先の月", PB, RelUnit::Month, -1),
    rw("先の週", PB, RelUnit::Week, -1),
    rw("先の四半期", PB, RelUnit::Quarter, -1),
    rw("現在の週", PB, RelUnit::Week, 0),
    rw("この週", EV, RelUnit::Week, 0),
    rw("前の年", EV, RelUnit::Year, -1),
    rw("前の月", EV, RelUnit::Month, -1),
    rw("前の週", EV, RelUnit::Week, -1),
    rw("次の年", EV, RelUnit::Year, 1),
    rw("次の月", EV, RelUnit::Month, 1),
    rw("次の週", EV, RelUnit::Week, 1),
    rw("同週", EV, RelUnit::Week, 0),
    rw("当週", EV, RelUnit::Week, 0),
    rw("翌週", EV, RelUnit::Week, 1),
    rw("前週", EV, RelUnit::Week, -1),
];

/// The indices of the [`REL_WORDS`] starting with `c`, in table order (longest first).
fn rel_words_from(c: char) -> &'static [usize] {
    static INDEX: std::sync::OnceLock<std::collections::HashMap<char, Vec<usize>>> =
        std::sync::OnceLock::new();
    INDEX
        .get_or_init(|| {
            let mut m: std::collections::HashMap<char, Vec<usize>> = Default::default();
            for (k, w) in REL_WORDS.iter().enumerate() {
                if let Some(c) = w.word.chars().next() {
                    m.entry(c).or_default().push(k);
                }
            }
            m
        })
        .get(&c)
        .map_or(&[], Vec::as_slice)
}

const ERAS: &[(&str, i32)] = &[
    ("令和", 2018),
    ("平成", 1988),
    ("昭和", 1925),
    ("大正", 1911),
    ("明治", 1867),
];

const WEEKDAYS: &str = "月火水木金土日";

fn last_day(year: i32, month: u32) -> u32 {
    crate::calendar::days_in_month(year, month)
}

/// Moves a clock hour into the part of day that governs it: 午後5時 = 17:00, 夜9時 =
/// 21:00, 深夜2時 = 02:00, and 夜12時 = 24:00 when `midnight` (a night word, not 午後).
pub(crate) fn shift_hour(t: &mut ClockTime, shift: Shift, midnight: bool) {
    match shift {
        Shift::Pm if t.hour < 12 => t.hour += 12,
        Shift::Pm | Shift::Night if t.hour == 12 && midnight => t.hour = 24,
        Shift::Night if (5..12).contains(&t.hour) => t.hour += 12,
        _ => {}
    }
}

/// The day a month part stands for: the first day of the part, or its last day when the
/// expression is an upper bound (「中旬にかけて」 = the 20th).
pub(crate) fn part_day(part: MonthPart, year: Option<i32>, month: u32, upper: bool) -> u32 {
    let end = last_day(year.unwrap_or(2001), month);
    match (part, upper) {
        (MonthPart::End, _) => end,
        (MonthPart::Early, false) => 1,
        (MonthPart::Early, true) => 10,
        (MonthPart::Mid, false) => 11,
        (MonthPart::Mid, true) => 20,
        (MonthPart::Late, false) => 21,
        (MonthPart::Late, true) => end,
    }
}

impl Ctx<'_> {
    // ------------------------------------------------------------ fields

    /// `N月` (1..=12) at `p`: the month and the end.
    fn month_at(&self, p: usize) -> Option<(u32, usize)> {
        let n = self.numeral(p)?;
        let v = n.int()?;
        if !(1..=12).contains(&v) {
            return None;
        }
        if self.starts(n.end, "がつ") {
            // 6がつ: the month's name in hiragana.
            return Some((v as u32, n.end + "がつ".len()));
        }
        (self.starts(n.end, "月") && !self.starts(n.end + 3, "間"))
            .then(|| (v as u32, n.end + "月".len()))
    }

    /// `N<unit>` or a range with the unit written once (`7~9月`, `3、4日`): low, high, end.
    fn span_at(&self, p: usize, unit: &str, max: i64) -> Option<(u32, Option<u32>, usize)> {
        let n = self.numeral(p)?;
        let v = n.int().filter(|v| (1..=max).contains(v))?;
        if self.starts(n.end, unit) {
            return None;
        }
        // 7~9月 and 7から9月 (a span), 7、8月 and 7・8月 (two neighbours).
        let (c, len) = match self.char_at(n.end)? {
            c @ ('~' | '、' | '・' | ',') => (c, c.len_utf8()),
            'か' if self.starts(n.end, "から") => ('~', "から".len()),
            _ => return None,
        };
        let m = self.numeral(n.end + len)?;
        let w = m.int().filter(|w| (1..=max).contains(w))?;
        let ok = if c == '~' { w > v } else { w == v + 1 };
        let end = m.end + unit.len();
        (ok && self.starts(m.end, unit) && !self.starts(end, "間")).then_some((
            v as u32,
            Some(w as u32),
            end,
        ))
    }

    /// A month or a month range at `p`.
    fn month_span_at(&self, p: usize) -> Option<(u32, Option<u32>, usize)> {
        self.month_at(p)
            .map(|(m, e)| (m, None, e))
            .or_else(|| self.span_at(p, "月", 12))
    }

    /// A day or a day range at `p`.
    fn day_span_at(&self, p: usize) -> Option<(u32, Option<u32>, usize)> {
        self.day_at(p)
            .map(|(d, e)| (d, None, e))
            .or_else(|| self.span_at(p, "日", 31))
    }

    /// `第N四半期` (N 1..=4) at `p`, after `度` for a fiscal year: N and the end.
    fn quarter_after_year_at(&self, mut p: usize) -> Option<(u32, usize)> {
        if self.starts(p, "度") {
            p += "度".len();
        }
        if !self.starts(p, "第") {
            return None;
        }
        let n = self.numeral(p + "第".len())?;
        let q = n.int().filter(|q| (1..=4).contains(q))?;
        self.starts(n.end, "四半期")
            .then_some((q as u32, n.end + "四半期".len()))
    }

    /// A quarter without a year: `第2四半期` (`n` after 第) or `Q2` (`n` after Q), the
    /// months of that quarter in the year nearest the reference.
    pub fn quarter_at(&self, start: usize, n: &Numeral, end: usize) -> Option<Raw> {
        let q = n.int().filter(|q| (1..=4).contains(q))? as u32;
        let mut r = Raw::new(start..end, self.sentence, Kind::Date);
        r.quals = Qualifiers::RANGE;
        r.temporal = Some(TExpr::Abs(DateExpr {
            month: Some(3 * q - 2),
            upper_month: Some(3 * q),
            ..DateExpr::default()
        }));
        Some(r)
    }

    /// `N日` (1..=31) at `p`, not `N日間`.
    fn day_at(&self, p: usize) -> Option<(u32, usize)> {
        let n = self.numeral(p)?;
        let v = n.int()?;
        (self.starts(n.end, "日") && (1..=31).contains(&v) && !self.starts(n.end + 3, "間"))
            .then(|| (v as u32, n.end + "日".len()))
    }

    fn month_part_at(&self, p: usize) -> Option<(MonthPart, usize)> {
        for (w, part) in [
            ("上旬", MonthPart::Early),
            ("初旬", MonthPart::Early),
            ("中旬", MonthPart::Mid),
            ("下旬", MonthPart::Late),
            ("末", MonthPart::End),
            // 9月いっぱい: through the end of September.
            ("いっぱい", MonthPart::End),
            ("初め", MonthPart::Early),
            ("はじめ", MonthPart::Early),
            ("頭", MonthPart::Early),
        ] {
            if self.starts(p, w) {
                return Some((part, p + w.len()));
            }
        }
        None
    }

    /// A part of day word at `p` that is a word of its own (not 朝日, 夕刊).
    fn part_of_day_at(&self, p: usize) -> Option<(Qualifiers, Shift, usize)> {
        PARTS_OF_DAY.iter().find_map(|&(w, q, s)| {
            (self.starts(p, w) && self.boundary(p) && self.boundary(p + w.len()))
                .then(|| (q, s, p + w.len()))
        })
    }

    // ------------------------------------------------------------ clock times

    /// `17:40` (or `17:40:05`) at `p`.
    pub fn colon_time(&self, p: usize) -> Option<(ClockTime, usize)> {
        // Not the tail of a longer figure (12:34:56, 1.5:00); 受付時間:8:00 is fine.
        let b = self.before(p).as_bytes();
        let glued = |c: Option<&u8>| c.is_some_and(u8::is_ascii_digit);
        if glued(b.last()) || (b.last() == Some(&b':') && glued(b.iter().rev().nth(1))) {
            return None;
        }
        let b = self.rest(p).as_bytes();
        let hl = b.iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=2).contains(&hl) || b.get(hl) != Some(&b':') {
            return None;
        }
        let m = b.get(hl + 1..hl + 3)?;
        if !m.iter().all(u8::is_ascii_digit) || b.get(hl + 3).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let hour: u32 = std::str::from_utf8(&b[..hl]).ok()?.parse().ok()?;
        let minute = u32::from(m[0] - b'0') * 10 + u32::from(m[1] - b'0');
        if hour > 24 || minute > 59 {
            return None;
        }
        let mut end = hl + 3;
        let mut second = None;
        if b.get(end) == Some(&b':')
            && let Some(s) = b.get(end + 1..end + 3)
            && s.iter().all(u8::is_ascii_digit)
            && !b.get(end + 3).is_some_and(u8::is_ascii_digit)
        {
            second = Some(u32::from(s[0] - b'0') * 10 + u32::from(s[1] - b'0'));
            end += 3;
        }
        Some((
            ClockTime {
                hour,
                minute,
                second,
            },
            p + end,
        ))
    }

    /// `N時`, `N時M分`, `N時M分S秒`, `N時半`, or `H:MM[:SS]`, optionally after
    /// 午前/午後/朝/夜 or AM/PM, or followed by AM/PM (`1:10PM`): a clock time.
    ///
    /// Hours run to 29 in the 時 notation (深夜25時 is 1 a.m. the next day, as broadcast
    /// and shop hours write it); [`crate::extract`] folds them into the next day.
    pub fn clock_at(&self, p: usize) -> Option<(ClockTime, usize)> {
        if self.starts(p, "正午") {
            return Some((
                ClockTime {
                    hour: 12,
                    minute: 0,
                    second: None,
                },
                p + "正午".len(),
            ));
        }
        let mut q = p;
        let mut shift = None;
        // 夜12時, 深夜12時: midnight, not noon.
        let mut night_word = false;
        if let Some((_, s, end)) = self.part_of_day_at(p) {
            shift = Some(s);
            night_word = matches!(&self.text[p..end], "夜" | "深夜" | "夜間" | "晩");
            q = end;
        } else if let Some((s, end)) = self.am_pm_at(p) {
            shift = Some(s);
            q = self.skip_spaces(end);
            if q - end > 1 {
                return None;
            }
        }
        let (mut t, mut end) = if let Some(x) = self.colon_time(q) {
            x
        } else {
            let n = self.numeral(q)?;
            let hour = u32::try_from(n.int()?).ok()?;
            if hour > 29 || !self.starts(n.end, "時") {
                return None;
            }
            let mut end = n.end + "時".len();
            if let Some(c) = self.char_at(end)
                && "間代期台給".contains(c)
            {
                return None;
            }
            let mut minute = 0;
            let mut second = None;
            if self.starts(end, "半") {
                minute = 30;
                end += "半".len();
            } else if let Some(m) = self.numeral(end)
                && self.starts(m.end, "分")
                && !self.starts(m.end + 3, "間")
                && let Some(v) = m.int().filter(|v| (0..60).contains(v))
            {
                minute = v as u32;
                end = m.end + "分".len();
                if let Some(sn) = self.numeral(end)
                    && self.starts(sn.end, "秒")
                    && !self.starts(sn.end + 3, "間")
                    && let Some(v) = sn.int().filter(|v| (0..60).contains(v))
                {
                    second = Some(v as u32);
                    end = sn.end + "秒".len();
                }
            }
            (
                ClockTime {
                    hour,
                    minute,
                    second,
                },
                end,
            )
        };
        if shift.is_none() {
            let a = self.skip_spaces(end);
            if a - end <= 1
                && let Some((s, e)) = self.am_pm_at(a)
            {
                shift = Some(s);
                end = e;
            }
        }
        if let Some(s) = shift {
            shift_hour(&mut t, s, night_word || s == Shift::Night);
            if s == Shift::Am && t.hour == 12 {
                // 午前12時, 12:10AM: the first hour of the day.
                t.hour = 0;
            }
        }
        Some((t, end))
    }

    /// `AM`, `PM`, `a.m.`, `p.m.` (any case) at `p`, not part of a longer word.
    pub fn am_pm_at(&self, p: usize) -> Option<(Shift, usize)> {
        let r = self.rest(p).as_bytes();
        let (shift, len) = match r {
            [a, b'.', b'm' | b'M', b'.', ..] => (*a, 4),
            [a, b'm' | b'M', ..] => (*a, 2),
            _ => return None,
        };
        let s = match shift {
            b'a' | b'A' => Shift::Am,
            b'p' | b'P' => Shift::Pm,
            _ => return None,
        };
        let glued = |c: Option<&u8>| c.is_some_and(u8::is_ascii_alphabetic);
        if glued(r.get(len)) || glued(self.before(p).as_bytes().last()) {
            return None;
        }
        Some((s, p + len))
    }

    /// A clock time right after a date (no space, or one space before it).
    fn clock_after(&self, p: usize) -> Option<(ClockTime, usize)> {
        self.clock_at(p).or_else(|| {
            let q = self.skip_spaces(p);
            (q > p && q - p <= 2).then(|| self.clock_at(q)).flatten()
        })
    }

    // ------------------------------------------------------------ numeric dates

    /// `2019/07/04`, `7/4`, `2019-08-03`, `2019.07.09`, optionally followed by a time
    /// (`2019/07/04 17:12`, `2019/08/01-18:26`).
    pub fn slash_or_iso(&self, n: &Numeral) -> Option<Step> {
        let sep = self.char_at(n.end)?;
        if !matches!(sep, '/' | '-' | '.' | '・' | ',') {
            return None;
        }
        // 2021,7,18: commas only between the three fields of a full date.
        if sep == ',' && n.chars != 4 {
            return None;
        }
        if self
            .char_before(n.start)
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '/' | '-' | '.'))
        {
            return None;
        }
        let m = self.digits_at(n.end + sep.len_utf8())?;
        let a = n.int()?;
        let b = m.int()?;
        let (mut e, mut end) = (DateExpr::default(), m.end);
        let mut quals = Qualifiers::NONE;
        if n.chars == 4 {
            let third = (self.char_at(m.end) == Some(sep))
                .then(|| {
                    self.digits_at(m.end + sep.len_utf8())
                        .filter(|x| x.chars <= 2)
                })
                .flatten();
            e.year = Some(a as i32);
            match third {
                Some(d) if m.chars <= 2 => {
                    e.month = Some(b as u32);
                    e.day = Some(d.int()? as u32);
                    end = d.end;
                }
                // 2019/7, and 2011.3 or 2019-07 when nothing makes them a decimal or a
                // code (2011.3万円, 2011.3%).
                None if m.chars <= 2
                    && sep != ','
                    && (sep == '/'
                        || (matches!(sep, '.' | '-')
                            && (1900..=2100).contains(&a)
                            && self.counter_at(&m).is_none()
                            && !self.char_at(m.end).is_some_and(|c| "万億兆".contains(c)))) =>
                {
                    e.month = Some(b as u32)
                }
                _ => return None,
            }
            if self
                .char_at(end)
                .is_some_and(|c| c.is_ascii_digit() || c == sep)
            {
                return None;
            }
            // 2012/4/3~6: the days of one month, the month and year written once.
            if let Some(d) = e.day
                && self.starts(end, "~")
                && let Some(u) = self.digits_at(end + 1).filter(|u| u.chars <= 2)
                && u.int().is_some_and(|u| u > i64::from(d) && u <= 31)
                && !self
                    .char_at(u.end)
                    .is_some_and(|c| c.is_ascii_digit() || matches!(c, '/' | '.' | '-' | ':'))
                && !self.starts(u.end, "月")
                && !self.starts(u.end, "日")
                && !self.starts(u.end, "時")
            {
                e.upper_day = u.int().map(|u| u as u32);
                quals = Qualifiers::RANGE;
                end = u.end;
            }
        } else if sep == '/' && n.chars <= 2 && m.chars <= 2 {
            if self
                .char_at(end)
                .is_some_and(|c| c.is_ascii_digit() || c == '/')
            {
                return None;
            }
            // Page labels (1/3ページ) and fractions used as amounts are not dates.
            let after = self.rest(end);
            if [
                "ページ",
                "頁",
                "程度",
                "以上",
                "以下",
                "未満",
                "の確率",
                "の割合",
            ]
            .iter()
            .any(|w| after.starts_with(w))
            {
                return Some(Step::Skip(end));
            }
            e.month = Some(a as u32);
            e.day = Some(b as u32);
        } else {
            return None;
        }
        let month_ok = e.month.is_some_and(|m| (1..=12).contains(&m));
        let day_ok = e.day.is_none_or(|d| (1..=31).contains(&d));
        if !month_ok || !day_ok {
            return Some(Step::Skip(end));
        }
        let mut kind = Kind::Date;
        if e.day.is_some()
            && e.upper_day.is_none()
            && let Some(c) = self.char_at(end)
            && matches!(c, ' ' | 'T' | '-')
            && let Some((t, tend)) = self
                .colon_time(end + 1)
                .and_then(|_| self.clock_at(end + 1))
                .or_else(|| (c == ' ').then(|| self.clock_at(end + 1)).flatten())
        {
            e.time = Some(t);
            end = tend;
            kind = Kind::DateTime;
        }
        let mut r = Raw::new(n.start..end, self.sentence, kind);
        r.quals = quals;
        r.temporal = Some(TExpr::Abs(e));
        Some(Step::Emit(r))
    }

    // ------------------------------------------------------------ kanji dates

    /// A date starting with numeral `n`: `2019年7月4日`, `7月4日`, `9月末`, `2019年度`,
    /// `4日` (bare day, or a length / rate by context).
    pub fn date_at(&self, n: &Numeral, prev: Option<&Raw>) -> Step {
        if n.vague {
            return Step::Nothing;
        }
        let Some(v) = n.int() else {
            return Step::Nothing;
        };
        let p = n.end;
        if matches!(self.char_at(p), Some('~' | '、' | '・' | ',')) || self.starts(p, "から") {
            // 2020~2021年, 2020、2021年: years with 年 written once.
            if v >= 1000
                && let Some((y, Some(yu), end)) = self.span_at(n.start, "年", 9999)
                && yu >= 1000
            {
                let mut r = Raw::new(n.start..end, self.sentence, Kind::Date);
                r.quals = Qualifiers::RANGE;
                r.temporal = Some(TExpr::Abs(DateExpr {
                    year: Some(y as i32),
                    upper_year: Some(yu as i32),
                    ..DateExpr::default()
                }));
                return Step::Emit(r);
            }
            if self.span_at(n.start, "月", 12).is_some() {
                return Step::Emit(self.date_rest(n.start, DateExpr::default(), n.start));
            }
            if let Some((d, Some(du), end)) = self.span_at(n.start, "日", 31) {
                let mut r = Raw::new(n.start..end, self.sentence, Kind::Date);
                r.quals = Qualifiers::RANGE;
                r.temporal = Some(TExpr::Abs(DateExpr {
                    day: Some(d),
                    upper_day: Some(du),
                    ..DateExpr::default()
                }));
                return Step::Emit(r);
            }
        }
        if self.starts(p, "年") {
            let after = p + "年".len();
            // 1000年前, 二千年後: a length of time back or ahead, not the year 1000.
            if self.ago_or_later_at(after) {
                return Step::Nothing;
            }
            // 西暦99年: the year as written, not 1999.
            let ad = self.before(n.start).ends_with("西暦");
            let year = if (1000..=9999).contains(&v) || (ad && (1..=9999).contains(&v)) {
                v as i32
            } else if (0..100).contains(&v) && self.month_at(after).is_some() {
                if v <= 50 {
                    2000 + v as i32
                } else {
                    1900 + v as i32
                }
            } else {
                return Step::Nothing;
            };
            if self.starts(after, "代") {
                // Decades (1990年代) are left out: no agreed value form.
                return Step::Skip(after + "代".len());
            }
            let e = DateExpr {
                year: Some(year),
                ..DateExpr::default()
            };
            return Step::Emit(self.date_rest(n.start, e, after));
        }
        if self.starts(p, "月") || self.starts(p, "がつ") {
            if self.month_at(n.start).is_none() {
                return Step::Nothing;
            }
            let e = DateExpr::default();
            return Step::Emit(self.date_rest(n.start, e, n.start));
        }
        if self.starts(p, "日") {
            return self.bare_day(n, v, prev);
        }
        Step::Nothing
    }

    /// Month, day, tails and time after a year (or from `p` when the month comes first).
    pub fn date_rest(&self, start: usize, mut e: DateExpr, mut p: usize) -> Raw {
        let mut quals = Qualifiers::NONE;
        let mut approx = false;
        // 2021年/7月/18日: a slash between the fields, as forms print them.
        let slash = |p: usize, next: &dyn Fn(usize) -> bool| {
            if self.starts(p, "/") && next(p + 1) {
                p + 1
            } else {
                p
            }
        };
        if e.year.is_some() {
            p = slash(p, &|q| self.month_at(q).is_some());
            // 2021年/7: the month's number alone after the slash.
            if self.starts(p, "/")
                && let Some(m) = self.digits_at(p + 1).filter(|m| m.chars <= 2)
                && m.int().is_some_and(|m| (1..=12).contains(&m))
                && !self
                    .char_at(m.end)
                    .is_some_and(|c| c.is_ascii_digit() || "/.月日".contains(c))
            {
                e.month = m.int().map(|m| m as u32);
                let mut r = Raw::new(start..m.end, self.sentence, Kind::Date);
                r.temporal = Some(TExpr::Abs(e));
                return r;
            }
        }
        if e.year.is_some()
            && let Some((q, end)) = self.quarter_after_year_at(p)
        {
            // 2019年第1四半期 (January to March), 2019年度第1四半期 (April to June).
            let fiscal = self.starts(p, "度");
            let first = if fiscal { 3 * q + 1 } else { 3 * q - 2 };
            let (y, m) = if first > 12 {
                (e.year.map(|y| y + 1), first - 12)
            } else {
                (e.year, first)
            };
            e.year = y;
            e.month = Some(m);
            e.upper_month = Some(m + 2);
            quals.insert(Qualifiers::RANGE);
            if fiscal {
                quals.insert(Qualifiers::FISCAL_YEAR);
            }
            p = end;
        } else if e.year.is_some() && self.starts(p, "度") {
            p += "度".len();
            quals.insert(Qualifiers::FISCAL_YEAR);
        } else if let Some((m, mu, end)) = self.month_span_at(p) {
            e.month = Some(m);
            e.upper_month = mu;
            p = slash(end, &|q| self.day_at(q).is_some());
            if self.starts(p, "期") {
                p += "期".len();
                quals.insert(Qualifiers::FISCAL_YEAR);
            } else if let Some((d, du, end)) = self.day_span_at(p).filter(|_| mu.is_none()) {
                e.day = Some(d);
                e.upper_day = du;
                p = end;
            } else if let Some((part, end)) = self.month_part_at(p).filter(|_| mu.is_none()) {
                e.part = Some(part);
                approx = true;
                p = end;
            }
        } else if e.year.is_some() && self.starts(p, "末") {
            e.year_end = true;
            approx = true;
            p += "末".len();
        }
        if e.upper_month.is_some() || e.upper_day.is_some() {
            quals.insert(Qualifiers::RANGE);
        }
        let mut kind = Kind::Date;
        if e.day.is_some() && e.upper_day.is_none() {
            let (k, end) = self.day_tail(&mut e, &mut quals, p);
            kind = k;
            p = end;
        }
        let mut r = Raw::new(start..p, self.sentence, kind);
        r.quals = quals;
        r.approx = approx;
        r.temporal = Some(TExpr::Abs(e));
        r
    }

    /// A clock time or a part of day after a day: `4日18時5分`, `7月4日午前6時`,
    /// `3日早朝`. A bracketed weekday between them makes two mentions (`7月4日(木) 18時`:
    /// a date and a time; realdev convention 7).
    fn day_tail(&self, e: &mut DateExpr, quals: &mut Qualifiers, p: usize) -> (Kind, usize) {
        if let Some((t, end)) = self.clock_after(p) {
            e.time = Some(t);
            return (Kind::DateTime, end);
        }
        if let Some((pq, _, end)) = self.part_of_day_at(p) {
            quals.insert(pq);
            return (Kind::Date, end);
        }
        (Kind::Date, p)
    }

    /// `N日` without a month: the 4th, or a length (開始から4日で), or a rate (1日に…).
    fn bare_day(&self, n: &Numeral, v: i64, prev: Option<&Raw>) -> Step {
        let p = n.end + "日".len();
        let r = self.rest(p);
        if !(1..=31).contains(&v) || r.starts_with('間') {
            return Step::Nothing;
        }
        // 3日前, 2日後, 3日ほど前, 4日目: relative; 1日半, 3日続伸: lengths (the counter
        // path).
        for w in [
            "前",
            "後",
            "半",
            "ばかり",
            "経過",
            "経っ",
            "過ぎたら",
            "過ぎてから",
            "ほど",
            "余り",
            "近く",
            "くらい",
            "ぐらい",
            "目",
            "連続",
            "続伸",
            "続落",
            "連騰",
            "ぶり",
            "足らず",
            "以上",
            "以内",
            "未満",
        ] {
            if r.starts_with(w) && !r.starts_with("前後") {
                return Step::Nothing;
            }
        }
        let duration = |quals: Qualifiers| {
            let mut raw = Raw::new(n.start..p, self.sentence, Kind::Duration);
            let d = IsoDuration {
                days: v as u32,
                ..IsoDuration::default()
            };
            raw.value = Some(Value::Duration(d));
            raw.quals = quals;
            Step::Emit(raw)
        };
        if v == 1 && self.per_day_follows_across_wrap(p) {
            return duration(Qualifiers::PER);
        }
        // この1日, ここ3日: a period reaching up to now.
        if ["この", "ここ"]
            .iter()
            .any(|w| self.before(n.start).ends_with(w))
        {
            return duration(Qualifiers::NONE);
        }
        // 開始4日で, 発売3日で: the days since an event named by a verbal noun, within
        // which something happened.
        if r.starts_with('で')
            && n.start > self.s0
            && self.token_at(n.start - 1).is_some_and(|t| {
                t.end as usize == n.start && t.pos == Pos::Noun(crate::tokenize::NounKind::Verbal)
            })
        {
            return duration(Qualifiers::NONE);
        }
        if self.after_kara_made(n.start, prev)
            && !["まで", "に", "から", "~", "にかけ", "の"]
                .iter()
                .any(|w| r.starts_with(w))
        {
            return duration(Qualifiers::NONE);
        }
        let mut e = DateExpr {
            day: Some(v as u32),
            ..DateExpr::default()
        };
        let mut quals = Qualifiers::NONE;
        let (kind, end) = self.day_tail(&mut e, &mut quals, p);
        let mut raw = Raw::new(n.start..end, self.sentence, kind);
        raw.quals = quals;
        raw.temporal = Some(TExpr::Abs(e));
        Step::Emit(raw)
    }

    /// [`Self::per_day_follows`], reading on into the next line when the sentence ends in a
    /// hard wrap without punctuation (print layouts: 「店舗に一日に\n二千万人以上が」).
    fn per_day_follows_across_wrap(&self, p: usize) -> bool {
        if self.per_day_follows(p) {
            return true;
        }
        let tail = self.rest(p);
        if tail.chars().count() > 4 || !self.text[self.s1..].starts_with('\n') {
            return false;
        }
        let next = self.s1 + 1;
        let end = self.text[next..]
            .find('\n')
            .map_or(self.text.len(), |k| next + k);
        Ctx::new(self.text, self.tokens, self.s0..end, self.sentence).per_day_follows(p)
    }

    /// 「1日」 followed by a quantity: a rate (1日に2400万人, 1日の来店客数は平均…, 1日1回).
    fn per_day_follows(&self, p: usize) -> bool {
        if ["あたり", "当たり", "平均", "につき"]
            .iter()
            .any(|w| self.starts(p, w))
        {
            return true;
        }
        let mut q = p;
        for w in ["に", "の", "で"] {
            if self.starts(q, w) {
                q += w.len();
                break;
            }
        }
        let mut seen = 0;
        while seen < 20 {
            let Some(c) = self.char_at(q) else {
                return false;
            };
            if "。、,.!?「」『』()[]【】".contains(c) {
                return false;
            }
            if let Some(n) = self.numeral(q) {
                if let Some((unit, _)) = self.counter_at(&n) {
                    return matches!(
                        unit,
                        super::scan::Unit::Money(_)
                            | super::scan::Unit::Count(_)
                            | super::scan::Unit::Counter
                            | super::scan::Unit::Percent
                            | super::scan::Unit::Times
                            | super::scan::Unit::Wari
                    );
                }
                seen += n.chars;
                q = n.end;
                continue;
            }
            q += c.len_utf8();
            seen += 1;
        }
        false
    }

    /// Whether the number at `start` follows から/まで that do not close a date
    /// (「開始から4日で」, 「廃止発表まで 31日」, but not 「1日から3日まで」).
    fn after_kara_made(&self, start: usize, prev: Option<&Raw>) -> bool {
        let mut b = self.before(start).trim_end_matches([' ', '\t']);
        for w in ["わずか", "たった", "約", "ほぼ", "およそ"] {
            if let Some(x) = b.strip_suffix(w) {
                b = x.trim_end_matches([' ', '\t']);
                break;
            }
        }
        let Some(x) = b.strip_suffix("から").or_else(|| b.strip_suffix("まで")) else {
            return false;
        };
        let particle_at = self.s0 + x.len();
        let closes_date = prev.is_some_and(|r| {
            matches!(
                r.kind,
                Kind::Date | Kind::DateTime | Kind::RelativeDate | Kind::Time
            ) && self.text[r.range.end..particle_at].trim().is_empty()
        });
        !closes_date
    }

    // ------------------------------------------------------------ words

    /// 令和元年10月1日, 平成31年.
    pub fn era_at(&self, i: usize) -> Option<Raw> {
        let &(era, base) = ERAS.iter().find(|(w, _)| self.starts(i, w))?;
        let p = i + era.len();
        let (n, end) = if self.starts(p, "元") {
            (1, p + "元".len())
        } else if let Some(d) = self
            .digits_at(p)
            .filter(|d| matches!(self.char_at(d.end), Some('/' | '.' | '-' | '・' | ',')))
        {
            // 令和3.7.18: read the digits alone, not as the decimal 3.7.
            (d.int()?, d.end)
        } else {
            let n = self.numeral(p)?;
            (n.int()?, n.end)
        };
        if !(1..=99).contains(&n) {
            return None;
        }
        let mut e = DateExpr {
            year: Some(base + n as i32),
            ..DateExpr::default()
        };
        if self.starts(end, "年") {
            return Some(self.date_rest(i, e, end + "年".len()));
        }
        // 令和3/7/18, 令和3.7.18, 令和3・7, 平成31-4-30: the era year in numbers.
        let sep = self
            .char_at(end)
            .filter(|c| matches!(c, '/' | '.' | '-' | '・' | ','))?;
        let m = self
            .digits_at(end + sep.len_utf8())
            .filter(|m| m.chars <= 2)?;
        e.month = Some(m.int().filter(|m| (1..=12).contains(m))? as u32);
        let mut stop = m.end;
        if self.char_at(m.end) == Some(sep)
            && let Some(d) = self
                .digits_at(m.end + sep.len_utf8())
                .filter(|d| d.chars <= 2)
        {
            e.day = Some(d.int()? as u32);
            stop = d.end;
        }
        if self
            .char_at(stop)
            .is_some_and(|c| c.is_ascii_digit() || c == sep)
        {
            return None;
        }
        date_value(e.year, e.month, e.day)?;
        let mut r = Raw::new(i..stop, self.sentence, Kind::Date);
        r.temporal = Some(TExpr::Abs(e));
        Some(r)
    }

    /// Abbreviated era dates: `H31.4.30`, `R1.5.1`, `S64/1/7`.
    pub fn era_abbrev_at(&self, i: usize) -> Option<Raw> {
        let base = match self.char_at(i)? {
            'M' => 1867,
            'T' => 1911,
            'S' => 1925,
            'H' => 1988,
            'R' => 2018,
            _ => return None,
        };
        let end = i
            + 1
            + self
                .rest(i + 1)
                .bytes()
                .take_while(|b| is_era_tail(*b))
                .count();
        // R3年7月18日: the era's letter before a year in kanji notation.
        if let Some(y) = self.text[i + 1..end]
            .parse::<i32>()
            .ok()
            .filter(|y| (1..=99).contains(y))
            && self.starts(end, "年")
            && !self
                .char_before(i)
                .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            let e = DateExpr {
                year: Some(base + y),
                ..DateExpr::default()
            };
            return Some(self.date_rest(i, e, end + "年".len()));
        }
        if !is_era_abbrev(&self.text[i..end])
            || self
                .char_before(i)
                .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            return None;
        }
        let mut nums = self.text[i + 1..end]
            .split(['.', '/'])
            .map(|x| x.parse::<u32>().ok());
        let (y, m, d) = (nums.next()??, nums.next()??, nums.next()??);
        let e = DateExpr {
            year: Some(base + y as i32),
            month: Some(m),
            day: Some(d),
            ..DateExpr::default()
        };
        date_value(e.year, e.month, e.day)?;
        let mut r = Raw::new(i..end, self.sentence, Kind::Date);
        r.temporal = Some(TExpr::Abs(e));
        Some(r)
    }

    /// 金曜, 金曜日: a weekday without a date. A bracketed weekday after a date is left out.
    pub fn weekday_at(&self, i: usize) -> Step {
        let Some(c) = self.char_at(i) else {
            return Step::Nothing;
        };
        let Some(k) = WEEKDAYS.chars().position(|w| w == c) else {
            return Step::Nothing;
        };
        let p = i + c.len_utf8();
        if !self.starts(p, "曜") || !self.boundary(i) {
            return Step::Nothing;
        }
        let mut end = p + "曜".len();
        if self.starts(end, "日") {
            end += "日".len();
        }
        if self.char_before(i) == Some('(') && self.starts(end, ")") {
            return Step::Skip(end);
        }
        let mut r = Raw::new(i..end, self.sentence, Kind::Date);
        r.value = Some(Value::Weekday(if k == 6 { 7 } else { k as u32 + 1 }));
        r.quals = Qualifiers::WEEKDAY;
        Step::Emit(r)
    }

    /// Clock times led by a part of day (午後5時, 正午) and bare parts of day
    /// (午後, 朝ごろ: a time without a value).
    pub fn time_word_at(&self, i: usize, prev: Option<&Raw>) -> Option<Raw> {
        let c = self.char_at(i)?;
        if !"午朝夜夕深早未正昼晩".contains(c) || !self.boundary(i) {
            return None;
        }
        if let Some((t, end)) = self.clock_at(i)
            && end > i
        {
            let mut r = Raw::new(i..end, self.sentence, Kind::Time);
            r.value = Some(Value::Time(t));
            return Some(r);
        }
        let (q, _, end) = self.part_of_day_at(i).or_else(|| {
            (self.starts(i, "昼") && self.boundary(i + 3)).then_some((
                Qualifiers::AFTERNOON,
                Shift::Pm,
                i + 3,
            ))
        })?;
        let word = &self.text[i..end];
        let hedge = ["ごろ", "頃"].into_iter().find(|w| self.starts(end, w));
        // 朝, 夜, 夕, 昼 are too common alone; they count with ごろ, or as the part of a
        // day just named (「9月3日の朝」, 「今月2日の夜から」).
        let standalone = matches!(word, "午前" | "午後" | "早朝" | "深夜" | "未明" | "夕方");
        let of_a_day = prev.is_some_and(|p| {
            matches!(p.kind, Kind::Date | Kind::RelativeDate)
                && self.text.get(p.range.end..i) == Some("の")
                && match &p.temporal {
                    Some(TExpr::Abs(e)) => e.day.is_some(),
                    Some(TExpr::Rel(r)) => r.unit == RelUnit::Day || r.day.is_some(),
                    None => false,
                }
        });
        if !standalone && hedge.is_none() && !of_a_day {
            return None;
        }
        let mut r = Raw::new(i..end, self.sentence, Kind::Time);
        r.approx = true;
        r.quals = q;
        Some(r)
    }

    /// A bare 中旬 or 下旬 closing a span (「7月上旬から中旬にかけて」): the month comes
    /// from the date before it.
    pub fn bare_month_part_at(&self, i: usize, prev: Option<&Raw>) -> Option<Raw> {
        let c = self.char_at(i)?;
        if !"上初中下".contains(c) || !self.starts(i + 3, "旬") {
            return None;
        }
        let b = self.before(i).trim_end();
        if !(b.ends_with("から") || b.ends_with('~')) {
            return None;
        }
        let prev = prev?;
        let month_named = matches!(&prev.temporal, Some(TExpr::Abs(e)) if e.month.is_some())
            || matches!(&prev.temporal, Some(TExpr::Rel(r)) if r.unit == RelUnit::Month);
        if !month_named {
            return None;
        }
        let (part, end) = self.month_part_at(i)?;
        let mut r = Raw::new(i..end, self.sentence, Kind::Date);
        r.approx = true;
        r.temporal = Some(TExpr::Abs(DateExpr {
            part: Some(part),
            month_from_context: true,
            ..DateExpr::default()
        }));
        Some(r)
    }

    /// 本日, 同日夕, 本日午前6時, 今月4日, 先月, 昨年末, 来年10月, 今年度.
    pub fn relative_word_at(&self, i: usize) -> Option<Raw> {
        let c = self.char_at(i)?;
        if !"一お明あ今本昨き前翌同当先来去再現次こ".contains(c) || !self.boundary(i)
        {
            return None;
        }
        let w = rel_words_from(c)
            .iter()
            .map(|&k| &REL_WORDS[k])
            .find(|w| self.starts(i, w.word) && self.boundary(i + w.word.len()))?;
        let mut p = i + w.word.len();
        // 前年比, 前日比, 前年同期, 前年同月比: comparisons, not dates.
        if matches!(w.anchor, Anchor::Event | Anchor::SentenceOrPublication)
            && (self.starts(p, "比") || self.starts(p, "同"))
        {
            return None;
        }
        // Hiragana words must stand alone (きょうだい is not きょう).
        if w.word
            .chars()
            .all(|c| ('\u{3041}'..='\u{309F}').contains(&c))
            && let Some(t) = self.token_at(p)
            && !matches!(t.pos, Pos::Particle | Pos::Symbol | Pos::AuxVerb)
            && self
                .char_at(p)
                .is_some_and(|c| ('\u{3041}'..='\u{309F}').contains(&c))
        {
            return None;
        }
        let mut rel = RelExpr {
            anchor: w.anchor,
            unit: w.unit,
            offset: w.offset,
            ..RelExpr::default()
        };
        let mut quals = w.part;
        let mut approx = false;
        let mut kind = Kind::RelativeDate;
        // 来年の4月, 来月の10日: the genitive joins the part to its year or month.
        let q = p + "の".len();
        if self.starts(p, "の")
            && match w.unit {
                RelUnit::Year => self.month_at(q).is_some(),
                RelUnit::Month => self.day_at(q).is_some(),
                _ => false,
            }
        {
            p = q;
        }
        match w.unit {
            RelUnit::Year => {
                if let Some((m, end)) = self.month_at(p) {
                    rel.month = Some(m);
                    p = end;
                    if let Some((d, end)) = self.day_at(p) {
                        rel.day = Some(d);
                        p = end;
                    } else if let Some((part, end)) = self.month_part_at(p) {
                        rel.part = Some(part);
                        approx = true;
                        p = end;
                    }
                } else if self.starts(p, "末") {
                    rel.year_end = true;
                    approx = true;
                    p += "末".len();
                }
            }
            RelUnit::Month => {
                if let Some((d, end)) = self.day_at(p) {
                    rel.day = Some(d);
                    p = end;
                } else if let Some((part, end)) = self.month_part_at(p) {
                    rel.part = Some(part);
                    approx = true;
                    p = end;
                }
            }
            RelUnit::FiscalYear => quals.insert(Qualifiers::FISCAL_YEAR),
            _ => {}
        }
        let day_level = w.unit == RelUnit::Day || rel.day.is_some();
        if day_level && w.part.is_empty() {
            if let Some((t, end)) = self.clock_after(p) {
                rel.time = Some(t);
                kind = Kind::DateTime;
                p = end;
            } else if let Some((pq, _, end)) = self.part_of_day_at(p) {
                quals.insert(pq);
                p = end;
            }
        } else if day_level && let Some((mut t, end)) = self.clock_after(p) {
            // 今夜9時, 今朝7時: the word's part of day places the hour (21:00, 07:00).
            let shift = if w.part.contains(Qualifiers::MORNING) {
                Shift::Am
            } else {
                Shift::Night
            };
            shift_hour(&mut t, shift, true);
            rel.time = Some(t);
            quals = Qualifiers::NONE;
            kind = Kind::DateTime;
            p = end;
        }
        if rel.anchor == Anchor::Event {
            rel.hint = self.event_hint(i);
        }
        let mut r = Raw::new(i..p, self.sentence, kind);
        r.quals = quals;
        r.approx = approx;
        r.temporal = Some(TExpr::Rel(rel));
        Some(r)
    }

    /// Dates spelled in hiragana, as in texts for children and learners: months
    /// (ろくがつ), weekdays (かようび) and relative words (ほんじつ, らいしゅう).
    pub fn kana_word_at(&self, i: usize) -> Option<Raw> {
        const MONTHS: [&str; 12] = [
            "いち",
            "に",
            "さん",
            "し",
            "ご",
            "ろく",
            "しち",
            "はち",
            "く",
            "じゅう",
            "じゅういち",
            "じゅうに",
        ];
        const DAYS: [&str; 7] = ["げつ", "か", "すい", "もく", "きん", "ど", "にち"];
        const WORDS: &[(&str, RelUnit, i64)] = &[
            ("ほんじつ", RelUnit::Day, 0),
            ("さくじつ", RelUnit::Day, -1),
            ("みょうにち", RelUnit::Day, 1),
            ("こんしゅう", RelUnit::Week, 0),
            ("せんしゅう", RelUnit::Week, -1),
            ("らいしゅう", RelUnit::Week, 1),
            ("さらいしゅう", RelUnit::Week, 2),
            ("こんげつ", RelUnit::Month, 0),
            ("せんげつ", RelUnit::Month, -1),
            ("らいげつ", RelUnit::Month, 1),
            ("さらいげつ", RelUnit::Month, 2),
        ];
        // Kana words are cut badly by the tokenizer: after a particle is a start too.
        if !self.boundary(i)
            && !self
                .char_before(i)
                .is_some_and(|c| "のとにはがをもでやへ".contains(c))
        {
            return None;
        }
        let rest = self.rest(i);
        // The longest month name that fits (じゅういち before じゅう).
        if let Some((k, w)) = MONTHS
            .iter()
            .enumerate()
            .filter(|(_, w)| {
                rest.strip_prefix(**w)
                    .is_some_and(|r| r.starts_with("がつ"))
            })
            .max_by_key(|(_, w)| w.len())
        {
            let mut r = Raw::new(i..i + w.len() + "がつ".len(), self.sentence, Kind::Date);
            r.temporal = Some(TExpr::Abs(DateExpr {
                month: Some(k as u32 + 1),
                ..DateExpr::default()
            }));
            return Some(r);
        }
        if let Some(k) = DAYS.iter().position(|w| {
            rest.strip_prefix(*w)
                .is_some_and(|r| r.starts_with("ようび"))
        }) {
            let end = i + DAYS[k].len() + "ようび".len();
            let mut r = Raw::new(i..end, self.sentence, Kind::Date);
            r.value = Some(Value::Weekday(k as u32 + 1));
            r.quals = Qualifiers::WEEKDAY;
            return Some(r);
        }
        let &(w, unit, offset) = WORDS.iter().find(|(w, ..)| rest.starts_with(w))?;
        let mut r = Raw::new(i..i + w.len(), self.sentence, Kind::RelativeDate);
        r.temporal = Some(TExpr::Rel(RelExpr {
            unit,
            offset,
            ..RelExpr::default()
        }));
        Some(r)
    }

    /// An English date: `July 3, 2019`, `Jul. 3, 2019`, `Sep 30`, `March 2020`.
    pub fn english_date_at(&self, i: usize) -> Option<Raw> {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let rest = self.rest(i);
        let (month, len) = MONTHS.iter().enumerate().find_map(|(k, m)| {
            if rest.starts_with(m) {
                return Some((k as u32 + 1, m.len()));
            }
            // Three-letter abbreviations (Sept. too), with or without the full stop.
            let abbr = if k == 8 && rest.starts_with("Sept") {
                "Sept"
            } else {
                &m[..3]
            };
            (m.len() > 3 && rest.starts_with(abbr)).then(|| {
                let dot = usize::from(rest[abbr.len()..].starts_with('.'));
                (k as u32 + 1, abbr.len() + dot)
            })
        })?;
        let mut p = i + len;
        if self.char_at(p).is_some_and(|c| c.is_ascii_alphabetic()) || !self.starts(p, " ") {
            return None;
        }
        p += 1;
        let n = self.digits_at(p)?;
        let mut e = DateExpr {
            month: Some(month),
            ..DateExpr::default()
        };
        let mut end = n.end;
        if n.chars == 4 {
            // March 2020.
            e.year = Some(n.int()? as i32);
        } else if n.chars <= 2 {
            e.day = Some(n.int().filter(|d| (1..=31).contains(d))? as u32);
            for suffix in ["st", "nd", "rd", "th"] {
                if self.starts(end, suffix) {
                    end += suffix.len();
                    break;
                }
            }
            if self.char_at(end).is_some_and(|c| c.is_ascii_alphanumeric()) {
                return None;
            }
            let q = if self.starts(end, ", ") {
                end + 2
            } else if self.starts(end, " ") {
                end + 1
            } else {
                end
            };
            if let Some(y) = self.digits_at(q).filter(|y| y.chars == 4) {
                e.year = Some(y.int()? as i32);
                end = y.end;
            }
        } else {
            return None;
        }
        if self.char_at(end).is_some_and(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        date_value(e.year, e.month, e.day)?;
        let mut r = Raw::new(i..end, self.sentence, Kind::Date);
        r.temporal = Some(TExpr::Abs(e));
        Some(r)
    }

    /// A year after ©, (C) or Copyright: a date.
    pub fn copyright_at(&self, n: &Numeral) -> Option<Raw> {
        let v = n.int()?;
        if !n.plain || n.chars != 4 || !(1900..=2100).contains(&v) {
            return None;
        }
        let b = self.before(n.start).trim_end();
        let marked = ["©", "(C)", "(c)", "Copyright", "copyright", "COPYRIGHT"]
            .iter()
            .any(|w| b.ends_with(w));
        if !marked {
            return None;
        }
        let mut r = Raw::new(n.start..n.end, self.sentence, Kind::Date);
        r.temporal = Some(TExpr::Abs(DateExpr {
            year: Some(v as i32),
            ..DateExpr::default()
        }));
        Some(r)
    }
}

fn is_era_tail(b: u8) -> bool {
    b.is_ascii_digit() || b == b'.' || b == b'/'
}

/// Whether `t` is an abbreviated era date: a letter M/T/S/H/R, then year, month and day
/// of one or two digits separated by the same `.` or `/`.
pub(crate) fn is_era_abbrev(t: &str) -> bool {
    let b = t.as_bytes();
    if b.len() < 6 || !matches!(b[0], b'M' | b'T' | b'S' | b'H' | b'R') {
        return false;
    }
    let rest = &t[1..];
    let sep = if rest.contains('.') { '.' } else { '/' };
    let parts: Vec<&str> = rest.split(sep).collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
        && (1..=12).contains(&parts[1].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&parts[2].parse::<u32>().unwrap_or(0))
}

/// A date value from its fields, checking the day against the month.
pub(crate) fn date_value(
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
) -> Option<DateValue> {
    if let (Some(y), Some(m), Some(d)) = (year, month, day)
        && d > last_day(y, m)
    {
        return None;
    }
    Some(DateValue { year, month, day })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{P, check};

    #[test]
    fn numeric_and_era_dates() {
        check(&[
            (
                P,
                "発売日は2021・3・15です。",
                &["2021・3・15 date 2021-03-15"],
            ),
            (
                P,
                "申込書に2021年/3月/15日と書く。",
                &["2021年/3月/15日 date 2021-03-15"],
            ),
            (P, "期限は2021,3,15だ。", &["2021,3,15 date 2021-03-15"]),
            (P, "令和2/4/1に施行", &["令和2/4/1 date 2020-04-01"]),
            (
                P,
                "令和2.4.1と平成31-4-30",
                &["令和2.4.1 date 2020-04-01", "平成31-4-30 date 2019-04-30"],
            ),
            (P, "R2年4月1日に施行", &["R2年4月1日 date 2020-04-01"]),
            (P, "西暦50年", &["50年 date 0050"]),
            (P, "統計は2011.3時点", &["2011.3 date 2011-03 as_of"]),
            // A decimal stays a number.
            (P, "売上は2011.3万円", &["2011.3万円 money 20113000 JPY"]),
            (
                P,
                "会期は2012/5/3~6です。",
                &["2012/5/3~6 date 2012-05-03..2012-05-06 range"],
            ),
            (P, "— 記者 July 3, 2019", &["July 3, 2019 date 2019-07-03"]),
            (
                P,
                "May I help? Sept 30 and March 2020",
                &["Sept 30 date 2019-09-30", "March 2020 date 2020-03"],
            ),
        ]);
    }

    #[test]
    fn year_spans_and_month_parts() {
        check(&[
            (
                P,
                "2018~2020年の調査",
                &["2018~2020年 date 2018..2020 range"],
            ),
            (
                P,
                "2018、2019年に続けて",
                &["2018、2019年 date 2018..2019 range"],
            ),
            (
                P,
                "6月下旬に来日した。",
                &["6月下旬 date 2019-06-21..2019-06-30 ~ range"],
            ),
            (
                P,
                "8月中旬以降は減った。",
                &["8月中旬以降 date 2019-08-11 ~ lower"],
            ),
            (P, "11月初旬までに", &["11月初旬 date 2019-11-10 ~ upper"]),
            (
                P,
                "9月いっぱいで終える。",
                &["9月いっぱい date 2019-09-30 ~"],
            ),
            (
                P,
                "2019年第3四半期の決算",
                &["2019年第3四半期 date 2019-07..2019-09 range"],
            ),
            (
                P,
                "2019年度第4四半期",
                &["2019年度第4四半期 date 2020-01..2020-03 range+fiscal_year"],
            ),
            (
                P,
                "Q2の売上と第1四半期",
                &[
                    "Q2 date 2019-04..2019-06 range",
                    "第1四半期 date 2019-01..2019-03 range",
                ],
            ),
        ]);
    }

    #[test]
    fn clock_times() {
        check(&[
            (
                P,
                "発表は12時34分56秒だった。",
                &["12時34分56秒 time 12:34:56"],
            ),
            (P, "開演は7:30PMです。", &["7:30PM time 19:30"]),
            (P, "AM10時に開く。", &["AM10時 time 10:00"]),
            (
                P,
                "PM12時10分と午前12時",
                &["PM12時10分 time 12:10", "午前12時 time 00:00"],
            ),
            (P, "夜12時に閉まる。", &["夜12時 time 24:00"]),
            (P, "深夜26時まで営業", &["深夜26時 time 02:00 upper"]),
            (
                P,
                "今夜8時から放送",
                &["今夜8時 datetime 2019-07-04T20:00 lower"],
            ),
            (P, "今朝7時に", &["今朝7時 datetime 2019-07-04T07:00"]),
            // A bracketed weekday separates a date from its time (realdev convention 7).
            (
                P,
                "5月6日(月)18:00に締め切る。",
                &["5月6日 date 2019-05-06", "18:00 time 18:00"],
            ),
            (
                P,
                "受付は9月3日の朝から",
                &["9月3日 date 2019-09-03", "朝 time null ~ lower+morning"],
            ),
        ]);
    }

    #[test]
    fn relative_words() {
        check(&[
            (
                P,
                "再来週と先々週",
                &[
                    "再来週 relative_date 2019-W29",
                    "先々週 relative_date 2019-W25",
                ],
            ),
            (
                P,
                "再来月と先々月と再来年",
                &[
                    "再来月 relative_date 2019-09",
                    "先々月 relative_date 2019-05",
                    "再来年 relative_date 2021",
                ],
            ),
            (
                P,
                "一昨々日と明々後日",
                &[
                    "一昨々日 relative_date 2019-07-01",
                    "明々後日 relative_date 2019-07-07",
                ],
            ),
            (
                P,
                "来年の4月に始める。",
                &["来年の4月 relative_date 2020-04"],
            ),
            (
                P,
                "前四半期より増えた。",
                &["前四半期 relative_date 2019-04..2019-06 range"],
            ),
            (
                P,
                "ろくがつにかようびがある",
                &["ろくがつ date 2019-06", "かようび date XXXX-WXX-2 weekday"],
            ),
            (
                P,
                "らいしゅうのほんじつ",
                &[
                    "らいしゅう relative_date 2019-W28",
                    "ほんじつ relative_date 2019-07-04",
                ],
            ),
            (P, "はなしがつきない", &[]),
        ]);
    }
}
