//! The small pattern language of the frame lexicon, compiled to a [`regex::Regex`] over
//! folded text (see [`fold`](super::fold)).
//!
//! | syntax      | meaning                                                             |
//! |-------------|---------------------------------------------------------------------|
//! | `二段階認証` | literal text, folded like the sentence (so it also matches 2段階認証) |
//! | `(a\|b)`    | one of the alternatives; `\|` also works at the top level            |
//! | `(の)?`     | optional group                                                      |
//! | `…`, `...`  | a gap of up to 20 characters inside the sentence                     |
//! | `…{40}`     | a gap of up to 40 characters (at most 200)                           |
//! | `$`         | (last) the end of the sentence, ignoring closing punctuation          |
//! | `^`         | (first) the start of the sentence                                   |
//! | `\(`        | a literal special character                                         |
//!
//! Everything else is literal: there are no character classes or repetitions, so a
//! lexicon entry cannot be slow or surprising.

use std::fmt::Write as _;

use std::ops::Range;

use regex_automata::meta::Regex;

use super::fold::fold_str;

/// Default and maximum gap lengths, in characters.
pub const DEFAULT_GAP: usize = 20;
const MAX_GAP: usize = 200;

/// A compiled pattern and its source text. Matches are leftmost-first, like `regex`'s.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// As written in the lexicon.
    pub source: String,
    /// The regular expression it compiles to, over folded text.
    pub expr: String,
    re: Regex,
}

impl Pattern {
    /// `text` from byte `at` on; anchored: the match must start at `at`. `^` and `$`
    /// still mean the start and end of `text`.
    fn input<'t>(text: &'t str, at: usize, anchored: bool) -> regex_automata::Input<'t> {
        let anchored = if anchored {
            regex_automata::Anchored::Yes
        } else {
            regex_automata::Anchored::No
        };
        regex_automata::Input::new(text)
            .range(at..)
            .anchored(anchored)
    }

    /// The match starting exactly at byte `at` of `text` (the one [`Pattern::find_from`]
    /// would report if its match started there), scanning only as far as the match reaches.
    pub fn match_at(&self, text: &str, at: usize) -> Option<Range<usize>> {
        self.re
            .search(&Pattern::input(text, at, true))
            .map(|m| m.range())
    }

    /// Whether a match starts exactly at byte `at` of `text`.
    pub fn is_match_at(&self, text: &str, at: usize) -> bool {
        self.re.is_match(Pattern::input(text, at, true))
    }

    /// The leftmost match starting at byte `from` or later.
    pub fn find_from(&self, text: &str, from: usize) -> Option<Range<usize>> {
        self.re
            .search(&Pattern::input(text, from, false))
            .map(|m| m.range())
    }

    /// Every match, left to right, not overlapping.
    pub fn find_iter<'t>(&'t self, text: &'t str) -> impl Iterator<Item = Range<usize>> + 't {
        self.re.find_iter(text).map(|m| m.range())
    }

    /// Whether it matches anywhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.re.is_match(text)
    }
}

#[derive(Debug)]
enum Node {
    Lit(String),
    Gap(usize),
    Group(Vec<Vec<Node>>, bool),
    End,
    Start,
}

struct Parser {
    chars: Vec<char>,
    i: usize,
}

impl Parser {
    fn alternatives(&mut self, depth: usize) -> Result<Vec<Vec<Node>>, String> {
        let mut alts = vec![self.sequence(depth)?];
        while self.peek() == Some('|') {
            self.i += 1;
            alts.push(self.sequence(depth)?);
        }
        if alts.iter().any(Vec::is_empty) {
            return Err("empty alternative (write an optional group `(x)?` instead)".into());
        }
        Ok(alts)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn sequence(&mut self, depth: usize) -> Result<Vec<Node>, String> {
        let mut seq: Vec<Node> = Vec::new();
        let mut lit = String::new();
        let flush = |lit: &mut String, seq: &mut Vec<Node>| {
            if !lit.is_empty() {
                seq.push(Node::Lit(std::mem::take(lit)));
            }
        };
        while let Some(c) = self.peek() {
            match c {
                '|' => break,
                ')' => {
                    if depth == 0 {
                        return Err(format!("unmatched `)` at character {}", self.i + 1));
                    }
                    break;
                }
                '(' => {
                    flush(&mut lit, &mut seq);
                    let open = self.i;
                    self.i += 1;
                    let alts = self.alternatives(depth + 1)?;
                    if self.peek() != Some(')') {
                        return Err(format!("unclosed `(` at character {}", open + 1));
                    }
                    self.i += 1;
                    let optional = self.peek() == Some('?');
                    if optional {
                        self.i += 1;
                    }
                    seq.push(Node::Group(alts, optional));
                }
                '?' => {
                    return Err(format!(
                        "`?` at character {} must follow a group: write `(x)?`",
                        self.i + 1
                    ));
                }
                '…' | '.' => {
                    if c == '.' && !self.src_has(self.i, "...") {
                        lit.push(c);
                        self.i += 1;
                        continue;
                    }
                    flush(&mut lit, &mut seq);
                    self.i += if c == '.' { 3 } else { 1 };
                    let mut n = DEFAULT_GAP;
                    if self.peek() == Some('{') {
                        let start = self.i + 1;
                        let end = (start..self.chars.len())
                            .find(|&j| self.chars[j] == '}')
                            .ok_or("unclosed `{` after a gap")?;
                        let num: String = self.chars[start..end].iter().collect();
                        n = num
                            .parse()
                            .map_err(|_| format!("gap length `{num}` is not a number"))?;
                        if n == 0 || n > MAX_GAP {
                            return Err(format!("gap length {n} must be 1..={MAX_GAP}"));
                        }
                        self.i = end + 1;
                    }
                    seq.push(Node::Gap(n));
                }
                '$' => {
                    flush(&mut lit, &mut seq);
                    self.i += 1;
                    if depth != 0 || self.i != self.chars.len() {
                        return Err("`$` (end of sentence) must come last".into());
                    }
                    seq.push(Node::End);
                }
                '^' => {
                    flush(&mut lit, &mut seq);
                    if depth != 0 || self.i != 0 {
                        return Err("`^` (start of sentence) must come first".into());
                    }
                    self.i += 1;
                    seq.push(Node::Start);
                }
                '\\' => {
                    self.i += 1;
                    let Some(n) = self.peek() else {
                        return Err("`\\` at the end escapes nothing".into());
                    };
                    lit.push(n);
                    self.i += 1;
                }
                _ => {
                    lit.push(c);
                    self.i += 1;
                }
            }
        }
        flush(&mut lit, &mut seq);
        Ok(seq)
    }

    fn src_has(&self, at: usize, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(k, c)| self.chars.get(at + k) == Some(&c))
    }
}

fn emit(alts: &[Vec<Node>], out: &mut String) {
    for (k, seq) in alts.iter().enumerate() {
        if k > 0 {
            out.push('|');
        }
        for n in seq {
            match n {
                Node::Lit(s) => out.push_str(&regex::escape(&fold_str(s))),
                Node::Gap(n) => {
                    let _ = write!(out, ".{{0,{n}}}?");
                }
                Node::Group(a, opt) => {
                    out.push_str("(?:");
                    emit(a, out);
                    out.push(')');
                    if *opt {
                        out.push('?');
                    }
                }
                Node::End => out.push_str("[。.!?」)…]*$"),
                Node::Start => out.push('^'),
            }
        }
    }
}

fn starts_or_ends_with_gap(alts: &[Vec<Node>]) -> bool {
    alts.iter().any(|seq| {
        matches!(
            seq.iter().find(|n| !matches!(n, Node::Start)),
            Some(Node::Gap(_))
        ) || matches!(seq.last(), Some(Node::Gap(_)))
            || (matches!(seq.last(), Some(Node::End))
                && matches!(seq.iter().rev().nth(1), Some(Node::Gap(_))))
    })
}

fn has_text(alts: &[Vec<Node>]) -> bool {
    alts.iter().all(|seq| {
        seq.iter().any(|n| match n {
            Node::Lit(s) => !fold_str(s).is_empty(),
            Node::Group(a, false) => has_text(a),
            _ => false,
        })
    })
}

/// Compiles one pattern; the error says what is wrong (the caller adds where).
pub fn compile(src: &str) -> Result<Pattern, String> {
    if src.trim().is_empty() {
        return Err("empty pattern".into());
    }
    let mut p = Parser {
        chars: src.chars().collect(),
        i: 0,
    };
    let alts = p.alternatives(0)?;
    if p.i != p.chars.len() {
        return Err(format!("unmatched `)` at character {}", p.i + 1));
    }
    if starts_or_ends_with_gap(&alts) {
        return Err("a gap `…` must stand between two pieces of text".into());
    }
    if !has_text(&alts) {
        return Err("pattern has no text once folded (only spaces or ・?)".into());
    }
    let mut re = String::from("(?s)");
    emit(&alts, &mut re);
    let compiled = Regex::builder()
        .configure(
            regex_automata::meta::Config::new()
                .nfa_size_limit(Some(1 << 22))
                .hybrid_cache_capacity(1 << 24),
        )
        .build(&re)
        .map_err(|e| format!("cannot compile: {e}"))?;
    Ok(Pattern {
        source: src.to_string(),
        expr: re,
        re: compiled,
    })
}

/// A pattern with more prefixes than this gets them cut to [`SHORT_PREFIX_BYTES`].
const MANY_PREFIXES: usize = 64;
/// Bytes kept of each prefix of such a pattern (six characters of Japanese text).
const SHORT_PREFIX_BYTES: usize = 18;

/// In [`Prefilter::starts`]: the regex may start anywhere (search it unanchored).
pub const ANYWHERE: u32 = u32::MAX;

/// A first pass over a sentence that names the patterns which may match it, and where:
/// each pattern's possible beginnings (prefix literals, found by `regex-syntax`) go into
/// one Aho-Corasick automaton, so a sentence is scanned once whatever the number of
/// patterns, and every match of a pattern starts where one of its prefixes occurs. The
/// caller then runs each pattern anchored at those places only ([`Pattern::match_at`]).
/// A pattern without a finite set of non-empty prefixes (none in practice) may start
/// [`ANYWHERE`].
#[derive(Debug, Clone, Default)]
pub struct Prefilter {
    /// The prefixes, built into the automaton the first time a text is scanned (loading a
    /// lexicon to read its frame names, as a run with nothing new does, builds nothing).
    lits: Vec<Vec<u8>>,
    kind: Option<aho_corasick::AhoCorasickKind>,
    ac: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
    /// For each automaton pattern: the regex it belongs to.
    owner: Vec<usize>,
    /// Regexes that are candidates for every text.
    always: Vec<usize>,
    /// How many regexes.
    n: usize,
}

impl Prefilter {
    /// A prefilter for these regexes (indices follow the slice), as a full DFA: the
    /// fastest scan, slower to build (for sets that scan every sentence).
    pub fn new<'r>(res: impl IntoIterator<Item = &'r str>) -> Prefilter {
        Prefilter::with_kind(res, aho_corasick::AhoCorasickKind::DFA)
    }

    /// A prefilter that is cheap to build and slower to scan (for sets rarely scanned on
    /// their own).
    pub fn quick<'r>(res: impl IntoIterator<Item = &'r str>) -> Prefilter {
        Prefilter::with_kind(res, aho_corasick::AhoCorasickKind::ContiguousNFA)
    }

    fn with_kind<'r>(
        res: impl IntoIterator<Item = &'r str>,
        kind: aho_corasick::AhoCorasickKind,
    ) -> Prefilter {
        use regex_syntax::hir::literal::{ExtractKind, Extractor};
        let mut lits: Vec<Vec<u8>> = Vec::new();
        let mut owner = Vec::new();
        let mut always = Vec::new();
        let mut n = 0;
        for (k, re) in res.into_iter().enumerate() {
            n = k + 1;
            let prefixes = regex_syntax::parse(re).ok().and_then(|hir| {
                let mut seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
                // A pattern that opens with alternatives and optional groups expands to
                // hundreds of prefixes (「(他|ほか|別|複数)の(ネット)?(サービス|サイト)(と|で)…」:
                // 192); their first few characters find the same places with a far
                // smaller automaton, and the anchored match checks the rest.
                if seq.len().is_some_and(|n| n > MANY_PREFIXES) {
                    seq.keep_first_bytes(SHORT_PREFIX_BYTES);
                    seq.dedup();
                }
                let l = seq.literals()?;
                (!l.is_empty() && l.iter().all(|x| !x.as_bytes().is_empty()))
                    .then(|| l.iter().map(|x| x.as_bytes().to_vec()).collect::<Vec<_>>())
            });
            match prefixes {
                Some(ps) => {
                    for p in ps {
                        lits.push(p);
                        owner.push(k);
                    }
                }
                None => always.push(k),
            }
        }
        Prefilter {
            lits,
            kind: Some(kind),
            ac: std::sync::OnceLock::new(),
            owner,
            always,
            n,
        }
    }

    /// The automaton over the prefixes (built once, on first use); `None` when there are
    /// none, or when it cannot be built (never for such small sets: every regex is then a
    /// candidate everywhere, which stays correct).
    fn automaton(&self) -> Option<&aho_corasick::AhoCorasick> {
        self.ac
            .get_or_init(|| {
                if self.lits.is_empty() {
                    return None;
                }
                // No start-byte prefilter: Japanese text defeats it (most characters share
                // their first byte), so every byte walks the automaton anyway.
                aho_corasick::AhoCorasick::builder()
                    .kind(self.kind)
                    .prefilter(false)
                    .build(&self.lits)
                    .ok()
            })
            .as_ref()
    }

    /// Where the regexes may match in `text`: (regex index, byte where a match may
    /// start) pairs, sorted, each once; [`ANYWHERE`] for a regex without prefixes.
    pub fn starts(&self, text: &str) -> Vec<(u32, u32)> {
        let ac = self.automaton();
        if ac.is_none() && !self.lits.is_empty() {
            return (0..self.n as u32).map(|k| (k, ANYWHERE)).collect();
        }
        let mut out: Vec<(u32, u32)> = self.always.iter().map(|&k| (k as u32, ANYWHERE)).collect();
        if let Some(ac) = ac {
            for m in ac.find_overlapping_iter(text) {
                out.push((self.owner[m.pattern().as_usize()] as u32, m.start() as u32));
            }
            out.sort_unstable();
            out.dedup();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::fold::fold_str;

    fn m(p: &str, text: &str) -> Option<String> {
        let p = compile(p).unwrap();
        let t = fold_str(text);
        p.find_from(&t, 0).map(|r| t[r].to_string())
    }

    #[test]
    fn literals_fold_like_text() {
        assert!(m("二段階認証", "２段階認証がなかった").is_some());
        assert!(m("ID・パスワード", "ＩＤとパスワード").is_none());
        assert!(m("ID(と|・)?パスワード", "ＩＤとパスワード").is_some());
        assert!(m("セキュリティー体制", "セキュリティ体制の不備").is_some());
    }

    #[test]
    fn gaps_groups_and_end() {
        assert!(
            m(
                "パスワード…別のメールアドレス",
                "パスワードの再設定URLを別のメールアドレスに"
            )
            .is_some()
        );
        assert!(
            m(
                "パスワード…{3}別のメールアドレス",
                "パスワードの再設定URLを別のメールアドレスに"
            )
            .is_none()
        );
        assert!(
            m(
                "リスト型(の)?(アカウント)?(ハッキング|攻撃)",
                "リスト型の攻撃"
            )
            .is_some()
        );
        assert!(m("という$", "可能性があるという。").is_some());
        assert!(m("という$", "という言葉").is_none());
        assert!(m("a...b", "a123b").is_some());
        assert!(m("1.5", "1.5倍").is_some());
        assert!(m("^それだけ(では)?ない$", "それだけではない。").is_some());
        assert!(m("^それだけ(では)?ない$", "でも、それだけではない。").is_none());
    }

    #[test]
    fn rejects_malformed_patterns() {
        for bad in [
            "",
            "(2段階",
            "2段階)",
            "a?",
            "(a||b)",
            "…認証",
            "認証…",
            "a$b",
            "a…{0}b",
            "a…{x}b",
            "a\\",
            "a^b",
        ] {
            assert!(compile(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn prefilter_names_every_pattern_that_matches() {
        let srcs = [
            "二段階認証",
            "^そもそも",
            "(開発|システム)(を|は)?…{15}(外部|委託)",
            "焦(り|って)",
            "(の)?ID(を|の)?(統合|共通化)",
            "準備不足$",
            // Hundreds of prefixes (4 × 2 × 2 × 2 × 2 × 3 × 3), cut to their first characters.
            "(他|ほか|別|複数)の(ネット)?(サービス|サイト)(と|で)(の)?(使い回|使いまわ|流用)(し|され|する)",
        ];
        let ps: Vec<Pattern> = srcs.iter().map(|s| compile(s).unwrap()).collect();
        let pre = Prefilter::new(ps.iter().map(|p| p.expr.as_str()));
        let texts = [
            "2段階認証を導入していなかった",
            "そもそも準備不足だった。",
            "システムの開発は外部に委託していた",
            "開発を急ぎ、外部の業者に任せた",
            "経営陣は焦っていた",
            "IDの統合を急いだ",
            "別のサイトで流用されたものではなく、複数のサービスで使い回されていた",
            "別のサービスで流用され、ほかのサイトで使い回する",
            "関係のない文",
            "",
        ];
        for t in texts {
            let t = fold_str(t);
            let starts = pre.starts(&t);
            assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
            for (k, p) in ps.iter().enumerate() {
                for m in p.find_iter(&t) {
                    let at = (k as u32, m.start as u32);
                    assert!(
                        starts.contains(&at),
                        "{} must start at {at:?} in {t}",
                        srcs[k]
                    );
                    assert_eq!(p.match_at(&t, m.start), Some(m));
                }
                // An anchored search finds nothing where the regex has no match start.
                for at in (0..=t.len()).filter(|&i| t.is_char_boundary(i)) {
                    if p.find_from(&t, at).is_none_or(|m| m.start != at) {
                        assert_eq!(p.match_at(&t, at), None, "{} at {at} in {t}", srcs[k]);
                    }
                }
            }
        }
        assert!(pre.starts(&fold_str("関係のない文")).is_empty());
        // The cut prefixes still find where the long pattern starts, and only there.
        let t = fold_str("別のサイトで流用されたものではなく、複数のサービスで使い回されていた");
        let at: Vec<u32> = pre
            .starts(&t)
            .iter()
            .filter(|s| s.0 == 6)
            .map(|s| s.1)
            .collect();
        assert_eq!(at, [0, t.find("複数").unwrap() as u32]);
    }
}
