//! Numerals: Arabic (`38,615,473`, `2.5`), kanji (`三千八百六十一`, sequential `二〇一九`),
//! positional and mixed forms (`3861万5473`, `1億2千万`, `4.9兆`), and the vague `数`
//! (`数百`, `数千万`, `十数`).
//!
//! [`parse`] reads the longest numeral at a byte position of the normalized text. It never
//! decides whether a kanji character is a numeral by itself: the caller passes a predicate
//! (backed by the tokenizer) so that 一部, 一方, 第三者, 十分 or 四谷 are not read as numbers.
//! Values are exact decimals ([`Decimal`]), so `4.9兆` is 4 900 000 000 000 without
//! floating-point noise.

use std::fmt;

/// An exact decimal number: `mant / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    mant: i128,
    scale: u32,
}

const MAX_SCALE: u32 = 12;

impl Decimal {
    /// An integer.
    pub const fn int(v: i128) -> Decimal {
        Decimal { mant: v, scale: 0 }
    }

    /// `mant / 10^scale` (`Decimal::new(15, 1)` is 1.5).
    pub fn new(mant: i128, scale: u32) -> Decimal {
        Decimal { mant, scale }.normalized()
    }

    /// The integer and fractional parts: 1.5 is (1, 0.5); `None` if the integer part does
    /// not fit an `i64`.
    pub fn split_fraction(self) -> Option<(i64, Decimal)> {
        let d = self.normalized();
        let p = 10i128.checked_pow(d.scale)?;
        let whole = i64::try_from(d.mant / p).ok()?;
        Some((
            whole,
            Decimal {
                mant: d.mant % p,
                scale: d.scale,
            }
            .normalized(),
        ))
    }

    fn normalized(mut self) -> Decimal {
        while self.scale > 0 && self.mant % 10 == 0 {
            self.mant /= 10;
            self.scale -= 1;
        }
        self
    }

    fn aligned(self, scale: u32) -> Option<i128> {
        self.mant
            .checked_mul(10i128.checked_pow(scale - self.scale)?)
    }

    /// `self + o`, or `None` on overflow.
    pub fn checked_add(self, o: Decimal) -> Option<Decimal> {
        let s = self.scale.max(o.scale);
        Some(
            Decimal {
                mant: self.aligned(s)?.checked_add(o.aligned(s)?)?,
                scale: s,
            }
            .normalized(),
        )
    }

    /// `self * 10^k`, or `None` on overflow.
    pub fn mul_pow10(self, k: u32) -> Option<Decimal> {
        if k >= self.scale {
            Some(Decimal {
                mant: self.mant.checked_mul(10i128.checked_pow(k - self.scale)?)?,
                scale: 0,
            })
        } else {
            Some(
                Decimal {
                    mant: self.mant,
                    scale: self.scale - k,
                }
                .normalized(),
            )
        }
    }

    /// `self * v`, or `None` on overflow.
    pub fn mul_int(self, v: i128) -> Option<Decimal> {
        Some(
            Decimal {
                mant: self.mant.checked_mul(v)?,
                scale: self.scale,
            }
            .normalized(),
        )
    }

    /// The integer value, if there is no fractional part and it fits an `i64`.
    pub fn to_i64(self) -> Option<i64> {
        let d = self.normalized();
        (d.scale == 0).then(|| i64::try_from(d.mant).ok()).flatten()
    }

    /// Whether the value has no fractional part.
    pub fn is_integer(self) -> bool {
        self.normalized().scale == 0
    }

    /// The value as a float (for comparisons; never for output).
    pub fn to_f64(self) -> f64 {
        self.mant as f64 / 10f64.powi(self.scale as i32)
    }

    /// Whether the value is zero.
    pub fn is_zero(self) -> bool {
        self.mant == 0
    }
}

impl std::ops::Neg for Decimal {
    type Output = Decimal;
    fn neg(self) -> Decimal {
        Decimal {
            mant: -self.mant,
            scale: self.scale,
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, o: &Decimal) -> Option<std::cmp::Ordering> {
        let s = self.scale.max(o.scale);
        Some(self.aligned(s)?.cmp(&o.aligned(s)?))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.normalized();
        if d.scale == 0 {
            return write!(f, "{}", d.mant);
        }
        let p = 10i128.pow(d.scale);
        let sign = if d.mant < 0 { "-" } else { "" };
        let a = d.mant.abs();
        write!(
            f,
            "{sign}{}.{:0width$}",
            a / p,
            a % p,
            width = d.scale as usize
        )
    }
}

/// A numeral found in the text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Numeral {
    /// First byte (normalized text).
    pub start: usize,
    /// Byte after the last.
    pub end: usize,
    /// The value; `None` for vague numerals (`数百`).
    pub value: Option<Decimal>,
    /// Contains 数 (「数日」, 「十数人」): the value is unknown and the surface hedges.
    pub vague: bool,
    /// Only ASCII digits, no separators (usable as a date or time field).
    pub plain: bool,
    /// Contains kanji numeral characters.
    pub kanji: bool,
    /// Contains 万, 億 or 兆.
    pub multiplier: bool,
    /// Number of characters.
    pub chars: usize,
}

impl Numeral {
    /// The value as an integer, if it is one.
    pub fn int(&self) -> Option<i64> {
        self.value.and_then(Decimal::to_i64)
    }
}

/// Value of a kanji digit.
pub fn kanji_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn positional(c: char) -> Option<u32> {
    match c {
        '十' => Some(1),
        '百' => Some(2),
        '千' => Some(3),
        _ => None,
    }
}

fn multiplier(c: char) -> Option<u32> {
    match c {
        '万' => Some(4),
        '億' => Some(8),
        '兆' => Some(12),
        _ => None,
    }
}

/// Whether `c` can start a numeral (subject to the kanji predicate).
pub fn starts_numeral(c: char) -> bool {
    c.is_ascii_digit()
        || kanji_digit(c).is_some()
        || positional(c).is_some()
        || c == '数'
        || c == '何'
}

/// Whether `c` is a kanji character that can be part of a numeral.
pub fn is_kanji_numeral_char(c: char) -> bool {
    kanji_digit(c).is_some() || positional(c).is_some() || multiplier(c).is_some() || c == '数'
}

/// Reads the digits of an Arabic number at `at`: `38,615,473`, `2.5`, `1,650`.
/// Returns the value and the end byte. Commas must group exactly three digits.
fn arabic(text: &str, at: usize, limit: usize) -> Option<(Decimal, usize, bool)> {
    let b = text.as_bytes();
    let mut i = at;
    let mut mant: i128 = 0;
    let mut scale = 0u32;
    let mut plain = true;
    let mut lead = 0;
    while i < limit && b[i].is_ascii_digit() {
        mant = mant.checked_mul(10)?.checked_add(i128::from(b[i] - b'0'))?;
        i += 1;
        lead += 1;
    }
    if lead == 0 {
        return None;
    }
    // Thousands groups: ",ddd" not followed by another digit.
    if lead <= 3 {
        while i + 4 <= limit
            && b[i] == b','
            && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
            && !(i + 4 < limit && b[i + 4].is_ascii_digit())
        {
            for &d in &b[i + 1..i + 4] {
                mant = mant.checked_mul(10)?.checked_add(i128::from(d - b'0'))?;
            }
            i += 4;
            plain = false;
        }
    }
    // Decimal part.
    if i + 1 < limit && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        i += 1;
        while i < limit && b[i].is_ascii_digit() {
            if scale < MAX_SCALE {
                mant = mant.checked_mul(10)?.checked_add(i128::from(b[i] - b'0'))?;
                scale += 1;
            }
            i += 1;
        }
        plain = false;
    }
    Some((Decimal { mant, scale }.normalized(), i, plain))
}

/// Reads the longest numeral starting at byte `at` of `text`, not reading past `limit`.
///
/// `kanji_ok(pos)` tells whether the kanji character at `pos` is a numeral there (the
/// tokenizer's judgement); it is asked only for the first kanji character of a run, since
/// a character following a numeral (万 after 150, 十 after 三) is a numeral anyway.
pub fn parse(
    text: &str,
    at: usize,
    limit: usize,
    kanji_ok: &dyn Fn(usize) -> bool,
) -> Option<Numeral> {
    let mut total = Decimal::int(0); // completed 万/億/兆 groups
    let mut section = Decimal::int(0); // 十/百/千 parts of the current group
    let mut cur: Option<Decimal> = None; // digits not yet given a place
    let mut cur_kanji_seq = false; // cur was built from kanji digits
    let mut last_pos = u32::MAX; // last 十/百/千 exponent in this group
    let mut last_mult = u32::MAX; // last 万/億/兆 exponent
    let mut any = false;
    let mut vague = false;
    let mut plain = true;
    let mut kanji = false;
    let mut mult = false;
    let mut i = at;
    while i < limit {
        let Some(c) = text[i..limit].chars().next() else {
            break;
        };
        let len = c.len_utf8();
        if c.is_ascii_digit() {
            if cur.is_some() {
                break;
            }
            let (v, end, p) = arabic(text, i, limit)?;
            plain &= p;
            cur = Some(v);
            cur_kanji_seq = false;
            any = true;
            i = end;
            continue;
        }
        if !any && !kanji_ok(i) {
            break;
        }
        if let Some(d) = kanji_digit(c) {
            match cur {
                Some(v) if cur_kanji_seq => {
                    cur = Some(v.mul_int(10)?.checked_add(Decimal::int(d.into()))?)
                }
                Some(_) => break,
                None => {
                    cur = Some(Decimal::int(d.into()));
                    cur_kanji_seq = true;
                }
            }
        } else if let Some(e) = positional(c) {
            if e >= last_pos {
                break;
            }
            let n = cur.take().unwrap_or(Decimal::int(1));
            section = section.checked_add(n.mul_pow10(e)?)?;
            last_pos = e;
            cur_kanji_seq = false;
        } else if let Some(e) = multiplier(c) {
            if !any || e >= last_mult {
                break;
            }
            let group = section.checked_add(cur.take().unwrap_or(Decimal::int(0)))?;
            if group.is_zero() && !vague {
                break;
            }
            total = total.checked_add(group.mul_pow10(e)?)?;
            section = Decimal::int(0);
            last_pos = u32::MAX;
            last_mult = e;
            mult = true;
            cur_kanji_seq = false;
        } else if c == '数'
            || (c == '何'
                && text[i + len..limit]
                    .chars()
                    .next()
                    .is_some_and(|n| positional(n).is_some() || multiplier(n).is_some()))
        {
            // 数日, 数百, 十数人; 何千人, 何百万円 (but not 何人, a question).
            if cur.is_some() {
                break;
            }
            vague = true;
            cur = Some(Decimal::int(1));
            cur_kanji_seq = false;
        } else {
            break;
        }
        kanji = true;
        plain = false;
        any = true;
        i += len;
    }
    if !any || i == at {
        return None;
    }
    let value = total
        .checked_add(section)?
        .checked_add(cur.unwrap_or(Decimal::int(0)))?;
    Some(Numeral {
        start: at,
        end: i,
        value: (!vague).then_some(value),
        vague,
        plain: plain && !kanji,
        kanji,
        multiplier: mult,
        chars: text[at..i].chars().count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(s: &str) -> Option<(String, usize)> {
        let n = parse(s, 0, s.len(), &|_| true)?;
        Some((n.value.map_or("?".to_string(), |v| v.to_string()), n.end))
    }

    #[test]
    fn arabic_kanji_positional_and_mixed() {
        for (input, want, consumed) in [
            ("38,615,473円", "38615473", "38,615,473"),
            ("3860万円", "38600000", "3860万"),
            ("三千八百六十万円", "38600000", "三千八百六十万"),
            ("三千八百六十一万円", "38610000", "三千八百六十一万"),
            ("3240万688円", "32400688", "3240万688"),
            ("5500万", "55000000", "5500万"),
            ("68.5億円", "6850000000", "68.5億"),
            ("1億2千万", "120000000", "1億2千万"),
            ("一億二千万", "120000000", "一億二千万"),
            ("4万8000円", "48000", "4万8000"),
            ("2.5万円", "25000", "2.5万"),
            ("4.9兆円", "4900000000000", "4.9兆"),
            ("二〇一九年", "2019", "二〇一九"),
            ("一〇%", "10", "一〇"),
            ("〇", "0", "〇"),
            ("零", "0", "零"),
            ("八百八人", "808", "八百八"),
            ("千六百五十万人", "16500000", "千六百五十万"),
            ("二千十九", "2019", "二千十九"),
            ("十一日", "11", "十一"),
            ("1,650万人", "16500000", "1,650万"),
            ("1.5倍", "1.5", "1.5"),
            ("808", "808", "808"),
            ("2,3回", "2", "2"),
            ("1,2345", "1", "1"),
            ("46万1091件", "461091", "46万1091"),
        ] {
            let got = val(input).unwrap_or_else(|| panic!("{input}: no numeral"));
            assert_eq!(got.0, want, "{input}");
            assert_eq!(&input[..got.1], consumed, "{input}");
        }
    }

    #[test]
    fn vague_and_rejected() {
        let n = parse("数百件", 0, 9, &|_| true).unwrap();
        assert!(n.vague && n.value.is_none());
        assert_eq!(n.end, "数百".len());
        let n = parse("十数人", 0, 9, &|_| true).unwrap();
        assert!(n.vague);
        assert_eq!(n.end, "十数".len());
        let n = parse("数千万円", 0, 12, &|_| true).unwrap();
        assert!(n.vague && n.multiplier);
        let n = parse("何千人", 0, 9, &|_| true).unwrap();
        assert!(n.vague && n.end == "何千".len());
        assert!(parse("何人", 0, 6, &|_| true).is_none());
        // The predicate vetoes lexical kanji (一部).
        assert!(parse("一部", 0, 6, &|_| false).is_none());
        assert!(parse("万円", 0, 6, &|_| true).is_none());
        assert!(parse("円", 0, 3, &|_| true).is_none());
        // Overflow is refused, not wrapped.
        let big = "9".repeat(60);
        assert!(parse(&big, 0, big.len(), &|_| true).is_none());
    }

    #[test]
    fn decimal_display() {
        assert_eq!(Decimal::int(5).to_string(), "5");
        let d = parse("1.50", 0, 4, &|_| true).unwrap().value.unwrap();
        assert_eq!(d.to_string(), "1.5");
        assert!(!d.is_integer());
        assert_eq!(d.mul_pow10(1).unwrap().to_i64(), Some(15));
    }
}
