//! The frame lexicon (`dictionaries/frames.toml`): read once at start-up, validated,
//! compiled, then shared read-only by every worker thread.
//!
//! The format is documented in `dictionaries/README.md`. Every problem is reported with
//! the file, the line and the entry (`frames.toml:57: frame two_factor_auth, cues[2].match
//! "(2段階": unclosed "(" at character 1`), never as a bare parse error.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::fold::Folded;
use super::pattern::{self, ANYWHERE, Pattern, Prefilter};
use crate::error::{Error, Result};

/// File name of the lexicon inside the dictionaries folder.
pub const FRAMES_FILE: &str = "frames.toml";

/// Patterns matched together; a reference `@name` in the lexicon expands to a `[words]` set.
#[derive(Debug, Clone, Default)]
pub struct WordSet {
    /// The patterns.
    pub patterns: Vec<Pattern>,
    /// Which patterns may match a text, in one pass.
    pre: Prefilter,
    /// Where the set's patterns are numbered within one of the lexicon's scans (see
    /// [`Lexicon::scan`]); `None` for a set outside a lexicon.
    scan: Option<(usize, Scan)>,
}

/// Which of the lexicon's two scans numbers a word set's patterns.
#[derive(Debug, Clone)]
enum Scan {
    /// The scan of every body sentence for cue patterns ([`Folded::starts`]).
    Cues,
    /// The lazy scan for context and stance words ([`Folded::context_starts`]).
    Context(Arc<Prefilter>),
}

impl WordSet {
    /// A set of compiled patterns.
    pub fn new(patterns: Vec<Pattern>) -> WordSet {
        // Sentences of a document are scanned once by the lexicon for all sets
        // (`Lexicon::scan`); a set's own prefilter only serves other texts (titles).
        let pre = Prefilter::quick(patterns.iter().map(|p| p.expr.as_str()));
        WordSet {
            patterns,
            pre,
            scan: None,
        }
    }

    /// Calls `g` with where this set's patterns may match the folded sentence `f`
    /// ((local pattern index, start byte) pairs, sorted): from the lexicon's scan of it
    /// when the lexicon scanned it (the context scan runs here the first time a context
    /// set asks), else from this set's own prefilter.
    fn with_starts<R>(
        &self,
        f: &Folded,
        g: impl FnOnce(&mut dyn Iterator<Item = (usize, u32)>) -> R,
    ) -> R {
        let all = match (&f.starts, &self.scan) {
            (Some(cues), Some((base, Scan::Cues))) => Some((cues, *base)),
            (Some(_), Some((base, Scan::Context(pre)))) => {
                Some((f.context_starts.get_or_init(|| pre.starts(&f.text)), *base))
            }
            _ => None,
        };
        match all {
            Some((all, base)) => {
                let (lo, hi) = (base as u32, (base + self.patterns.len()) as u32);
                let a = all.partition_point(|&(k, _)| k < lo);
                let b = all.partition_point(|&(k, _)| k < hi);
                g(&mut all[a..b].iter().map(|&(k, p)| ((k - lo) as usize, p)))
            }
            _ => {
                let own = self.pre.starts(&f.text);
                g(&mut own.iter().map(|&(k, p)| (k as usize, p)))
            }
        }
    }

    /// [`WordSet::is_match`] on a folded sentence (one scan shared by all sets).
    pub fn is_match_in(&self, f: &Folded) -> bool {
        self.with_starts(f, |starts| any_match(&self.patterns, &f.text, starts))
    }

    /// [`WordSet::find`] on a folded sentence (one scan shared by all sets).
    pub fn find_in(&self, f: &Folded) -> Option<Range<usize>> {
        self.with_starts(f, |starts| first_match(&self.patterns, &f.text, 0, starts))
    }

    /// [`WordSet::find_all`] on a folded sentence (one scan shared by all sets).
    pub fn find_all_in(&self, f: &Folded) -> Vec<Range<usize>> {
        self.with_starts(f, |starts| all_matches(&self.patterns, &f.text, starts))
    }

    /// The first match (leftmost; the longest among those starting there) in folded text.
    pub fn find(&self, folded: &str) -> Option<Range<usize>> {
        self.find_from(folded, 0)
    }

    /// The first match starting at or after byte `from`.
    pub fn find_from(&self, folded: &str, from: usize) -> Option<Range<usize>> {
        let rest = folded.get(from..).unwrap_or(folded);
        let from = folded.len() - rest.len();
        let starts = self.pre.starts(rest);
        let mut shifted = starts.iter().map(|&(k, p)| {
            let p = if p == ANYWHERE { p } else { p + from as u32 };
            (k as usize, p)
        });
        first_match(&self.patterns, folded, from, &mut shifted)
    }

    /// Every match of every pattern, sorted.
    pub fn find_all(&self, folded: &str) -> Vec<Range<usize>> {
        let starts = self.pre.starts(folded);
        all_matches(
            &self.patterns,
            folded,
            &mut starts.iter().map(|&(k, p)| (k as usize, p)),
        )
    }

    /// Whether any pattern matches.
    pub fn is_match(&self, folded: &str) -> bool {
        let starts = self.pre.starts(folded);
        any_match(
            &self.patterns,
            folded,
            &mut starts.iter().map(|&(k, p)| (k as usize, p)),
        )
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

/// Whether any of `patterns` matches `text`, trying each only at its possible `starts`.
fn any_match(
    patterns: &[Pattern],
    text: &str,
    starts: &mut dyn Iterator<Item = (usize, u32)>,
) -> bool {
    for (k, at) in starts {
        let hit = match at {
            ANYWHERE => patterns[k].is_match(text),
            at => patterns[k].is_match_at(text, at as usize),
        };
        if hit {
            return true;
        }
    }
    false
}

/// The leftmost match at or after `from` (the longest among those starting there) of
/// `patterns` in `text`, trying each pattern only at its possible `starts` (sorted by
/// pattern, then byte).
fn first_match(
    patterns: &[Pattern],
    text: &str,
    from: usize,
    starts: &mut dyn Iterator<Item = (usize, u32)>,
) -> Option<Range<usize>> {
    let mut best: Option<Range<usize>> = None;
    let mut done = usize::MAX;
    for (k, at) in starts {
        if k == done {
            continue;
        }
        let found = match at {
            ANYWHERE => patterns[k].find_from(text, from),
            at if best.as_ref().is_some_and(|b| at as usize > b.start) => {
                // Later starts of this pattern cannot beat the best match.
                done = k;
                continue;
            }
            at => patterns[k].match_at(text, at as usize),
        };
        if let Some(m) = found {
            // The first match of a pattern is its leftmost: skip its later starts.
            done = k;
            if best.as_ref().is_none_or(|b| {
                (m.start, std::cmp::Reverse(m.end)) < (b.start, std::cmp::Reverse(b.end))
            }) {
                best = Some(m);
            }
        }
    }
    best
}

/// Every match of `patterns` in `text` (each pattern's matches as `find_iter` gives them),
/// sorted by start, longest first; each pattern is tried only at its possible `starts`.
fn all_matches(
    patterns: &[Pattern],
    text: &str,
    starts: &mut dyn Iterator<Item = (usize, u32)>,
) -> Vec<Range<usize>> {
    let mut v: Vec<Range<usize>> = Vec::new();
    // (pattern, end of its last match): a pattern's next match starts at or after it.
    let mut last: (usize, usize) = (usize::MAX, 0);
    for (k, at) in starts {
        if at == ANYWHERE {
            v.extend(patterns[k].find_iter(text));
            continue;
        }
        let at = at as usize;
        if last.0 == k && at < last.1 {
            continue;
        }
        if let Some(m) = patterns[k].match_at(text, at) {
            last = (k, m.end);
            v.push(m);
        }
    }
    v.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    v
}

/// One group of cues of a frame, with the context it needs.
#[derive(Debug, Clone)]
pub struct CueSet {
    /// The cue patterns.
    pub cues: WordSet,
    /// Context words required in the sentence or nearby (empty: none required).
    pub near: WordSet,
    /// How many body sentences either side (same paragraph) may hold a `near` word.
    pub window: usize,
    /// Whether a `near` word in the section heading satisfies the requirement.
    pub heading: bool,
    /// Words that veto the cue in its sentence, unless a `near` word is in that sentence.
    pub unless: WordSet,
}

/// A frame: an explanation of the incident's cause.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Identifier used in the tables (`two_factor_auth`).
    pub id: String,
    /// Short label for people (the report).
    pub label: String,
    /// What the frame claims.
    pub description: String,
    /// Label in English (the report with `--lang en`), if given.
    pub label_en: Option<String>,
    /// What the frame claims, in English, if given.
    pub description_en: Option<String>,
    /// Cue groups.
    pub cue_sets: Vec<CueSet>,
}

/// Stance markers (see `dictionaries/README.md` for how they are combined).
#[derive(Debug, Clone)]
pub struct StanceRules {
    /// Denials after the cue in the same quote or outside quotes.
    pub negated: WordSet,
    /// Denials right after the cue (「…ではない」).
    pub negated_adjacent: WordSet,
    /// How close (characters after the cue) an adjacent denial must start.
    pub adjacent_chars: usize,
    /// The outlet's doubts.
    pub doubted: WordSet,
    /// The outlet's doubts right after the cue (「…だけではない」).
    pub doubted_adjacent: WordSet,
    /// Attribution verbs and phrases that follow what they attribute (と説明した).
    pub reported: WordSet,
    /// Attribution sources that precede what they attribute (によると).
    pub reported_source: WordSet,
    /// Hearsay endings (という。, とされる): reported, but they do not take a doubt away
    /// from the outlet.
    pub hearsay: WordSet,
    /// A list whose lead-in sentence holds one of these (or any attribution) is reported.
    pub list_lead: WordSet,
    /// What may follow a closing quote to make it attributed speech (と, って, との).
    pub quote_attribution: WordSet,
    /// What looks like attribution after a quote but is not (という, として).
    pub quote_not_attribution: WordSet,
    /// Spans that are never markers (ではないか, 否定できない).
    pub exceptions: WordSet,
    /// Words referring back to the previous sentence (そこ, それ): a denial with one of
    /// them applies to the previous sentence's frames.
    pub anaphora: WordSet,
    /// How many sentences back a doubt without its own cue reaches (same paragraph).
    pub doubt_reach: usize,
}

/// The compiled lexicon.
#[derive(Debug, Clone)]
pub struct Lexicon {
    /// Where it was read from.
    pub path: PathBuf,
    /// BLAKE3 of the file, hex: part of the configuration fingerprint.
    pub fingerprint: String,
    /// Frames, in file order.
    pub frames: Vec<Frame>,
    /// Stance rules.
    pub stance: StanceRules,
    /// Spans that never count as context words (「不正アクセス問題」 names the incident).
    pub context_ignore: WordSet,
    /// Every cue pattern of every frame, by global id (each cue set's base + index): one
    /// scan of a sentence tells every cue set which of its patterns may match.
    pub(crate) cue_words: Prefilter,
    /// For each global cue id: the (frame, cue set) it belongs to.
    pub(crate) cue_owner: Vec<(usize, usize)>,
}

// ------------------------------------------------------------------ raw TOML

type Strs = Vec<Spanned<String>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexicon {
    /// The old topic gate: an error that says what to do (frames apply to every incident).
    #[serde(default)]
    topic: Option<Spanned<toml::Value>>,
    #[serde(default)]
    words: BTreeMap<String, Strs>,
    stance: RawStance,
    #[serde(default)]
    context: RawContext,
    #[serde(default)]
    frame: Vec<RawFrame>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawContext {
    #[serde(default)]
    ignore: Strs,
}

fn default_adjacent() -> usize {
    8
}
fn default_reach() -> usize {
    3
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStance {
    #[serde(default)]
    negated: Strs,
    #[serde(default)]
    negated_adjacent: Strs,
    #[serde(default = "default_adjacent")]
    adjacent_chars: usize,
    #[serde(default)]
    doubted: Strs,
    #[serde(default)]
    doubted_adjacent: Strs,
    #[serde(default)]
    reported: Strs,
    #[serde(default)]
    reported_source: Strs,
    #[serde(default)]
    hearsay: Strs,
    #[serde(default)]
    list_lead: Strs,
    #[serde(default)]
    quote_attribution: Strs,
    #[serde(default)]
    quote_not_attribution: Strs,
    #[serde(default)]
    exceptions: Strs,
    #[serde(default)]
    anaphora: Strs,
    #[serde(default = "default_reach")]
    doubt_reach: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrame {
    id: Spanned<String>,
    label: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    label_en: Option<String>,
    #[serde(default)]
    description_en: Option<String>,
    #[serde(default)]
    cues: Vec<RawCueSet>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCueSet {
    #[serde(rename = "match")]
    patterns: Strs,
    #[serde(default)]
    near: Strs,
    #[serde(default)]
    window: usize,
    #[serde(default)]
    heading: bool,
    #[serde(default)]
    unless: Strs,
}

// ------------------------------------------------------------------ compiling

struct Ctx<'a> {
    path: &'a Path,
    src: &'a str,
    words: BTreeMap<String, (usize, Vec<Pattern>)>,
}

impl Ctx<'_> {
    fn line(&self, byte: usize) -> usize {
        self.src[..byte.min(self.src.len())]
            .bytes()
            .filter(|&b| b == b'\n')
            .count()
            + 1
    }

    fn err(&self, at: usize, what: &str, msg: &str) -> Error {
        Error::Config(format!(
            "{}:{}: {what}: {msg}",
            self.path.display(),
            self.line(at)
        ))
    }

    /// Compiles a list whose entries are patterns or `@set` references.
    fn set(&self, entries: &Strs, what: &str, refs: bool) -> Result<WordSet> {
        let mut patterns = Vec::new();
        for e in entries {
            let s = e.get_ref();
            let at = e.span().start;
            if let Some(name) = s.strip_prefix('@') {
                if !refs {
                    return Err(self.err(at, what, &format!("`{s}`: no @references here")));
                }
                let Some((_, pats)) = self.words.get(name) else {
                    let known: Vec<_> = self.words.keys().map(|k| format!("@{k}")).collect();
                    return Err(self.err(
                        at,
                        what,
                        &format!(
                            "`{s}` names no [words] set (known: {})",
                            if known.is_empty() {
                                "none".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    ));
                };
                patterns.extend(pats.iter().cloned());
            } else {
                let p =
                    pattern::compile(s).map_err(|m| self.err(at, what, &format!("{s:?}: {m}")))?;
                patterns.push(p);
            }
        }
        Ok(WordSet::new(patterns))
    }
}

fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Lexicon {
    /// Reads and compiles `dictionaries/frames.toml`.
    pub fn load(dictionaries: &Path) -> Result<Lexicon> {
        let path = dictionaries.join(FRAMES_FILE);
        let src = std::fs::read_to_string(&path)
            .map_err(|e| Error::dictionary_file(&path, "frame lexicon", &e))?;
        Lexicon::parse(&src, &path)
    }

    /// Compiles lexicon text; `path` is used in messages.
    pub fn parse(src: &str, path: &Path) -> Result<Lexicon> {
        let raw: RawLexicon = toml::from_str(src).map_err(|e| {
            let (line, col) = e.span().map_or((0, 0), |s| {
                let before = &src[..s.start.min(src.len())];
                let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
                let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                (line, col)
            });
            Error::Config(format!(
                "{}:{line}:{col}: {}",
                path.display(),
                e.message().trim()
            ))
        })?;
        let mut ctx = Ctx {
            path,
            src,
            words: BTreeMap::new(),
        };
        for (name, entries) in &raw.words {
            let at = entries.first().map_or(0, |e| e.span().start);
            if !is_valid_id(name) {
                return Err(ctx.err(
                    at,
                    &format!("[words] {name}"),
                    "set names use a-z, 0-9 and _",
                ));
            }
            let set = ctx.set(entries, &format!("[words] {name}"), false)?;
            ctx.words.insert(name.clone(), (at, set.patterns));
        }
        if let Some(t) = &raw.topic {
            return Err(ctx.err(
                t.span().start,
                "[topic]",
                "frames apply to every incident now: delete the [topic] section (incidents \
                 are listed in dictionaries/incidents.toml)",
            ));
        }
        let s = &raw.stance;
        let st = |v: &Strs, name: &str| ctx.set(v, &format!("[stance] {name}"), true);
        let stance = StanceRules {
            negated: st(&s.negated, "negated")?,
            negated_adjacent: st(&s.negated_adjacent, "negated_adjacent")?,
            adjacent_chars: s.adjacent_chars,
            doubted: st(&s.doubted, "doubted")?,
            doubted_adjacent: st(&s.doubted_adjacent, "doubted_adjacent")?,
            reported: st(&s.reported, "reported")?,
            reported_source: st(&s.reported_source, "reported_source")?,
            hearsay: st(&s.hearsay, "hearsay")?,
            list_lead: st(&s.list_lead, "list_lead")?,
            quote_attribution: st(&s.quote_attribution, "quote_attribution")?,
            quote_not_attribution: st(&s.quote_not_attribution, "quote_not_attribution")?,
            exceptions: st(&s.exceptions, "exceptions")?,
            anaphora: st(&s.anaphora, "anaphora")?,
            doubt_reach: s.doubt_reach,
        };
        let context_ignore = ctx.set(&raw.context.ignore, "[context] ignore", true)?;
        let mut frames = Vec::new();
        let mut seen = HashSet::new();
        for f in &raw.frame {
            let id = f.id.get_ref().clone();
            let at = f.id.span().start;
            let what = format!("frame {id}");
            if !is_valid_id(&id) {
                return Err(ctx.err(at, &what, "ids use a-z, 0-9 and _ and start with a letter"));
            }
            if !seen.insert(id.clone()) {
                return Err(ctx.err(at, &what, "defined twice"));
            }
            if f.cues.is_empty() {
                return Err(ctx.err(at, &what, "has no [[frame.cues]]"));
            }
            let mut cue_sets = Vec::new();
            for (k, c) in f.cues.iter().enumerate() {
                let w = format!("{what}, cues[{k}]");
                if c.patterns.is_empty() {
                    return Err(ctx.err(at, &w, "`match` is empty"));
                }
                let near = ctx.set(&c.near, &format!("{w}.near"), true)?;
                if near.is_empty() && (c.window > 0 || c.heading) {
                    return Err(ctx.err(
                        at,
                        &w,
                        "`window`/`heading` only make sense with `near` words",
                    ));
                }
                cue_sets.push(CueSet {
                    cues: ctx.set(&c.patterns, &format!("{w}.match"), false)?,
                    near,
                    window: c.window,
                    heading: c.heading,
                    unless: ctx.set(&c.unless, &format!("{w}.unless"), true)?,
                });
            }
            frames.push(Frame {
                label: f.label.clone().unwrap_or_else(|| id.clone()),
                id,
                description: f.description.clone(),
                label_en: f.label_en.clone(),
                description_en: f.description_en.clone(),
                cue_sets,
            });
        }
        ctx.words.clear();
        let mut lx = Lexicon {
            path: path.to_path_buf(),
            fingerprint: blake3::hash(src.as_bytes()).to_hex().to_string(),
            frames,
            stance,
            context_ignore,
            cue_words: Prefilter::default(),
            cue_owner: Vec::new(),
        };
        lx.number_word_sets();
        Ok(lx)
    }

    /// Gives every word set its ids in one of the two scans and builds their prefilters:
    /// cue patterns are scanned in every body sentence, context and stance words (frequent
    /// words such as 問題, ない, と) only in the few sentences that need them.
    fn number_word_sets(&mut self) {
        let mut owner: Vec<(usize, usize)> = Vec::new();
        let mut cue_res: Vec<String> = Vec::new();
        for (fi, f) in self.frames.iter_mut().enumerate() {
            for (si, c) in f.cue_sets.iter_mut().enumerate() {
                c.cues.scan = Some((cue_res.len(), Scan::Cues));
                owner.extend(std::iter::repeat_n((fi, si), c.cues.patterns.len()));
                cue_res.extend(c.cues.patterns.iter().map(|p| p.expr.clone()));
            }
        }
        let mut context: Vec<&mut WordSet> = vec![&mut self.context_ignore];
        let st = &mut self.stance;
        context.extend([
            &mut st.negated,
            &mut st.negated_adjacent,
            &mut st.doubted,
            &mut st.doubted_adjacent,
            &mut st.reported,
            &mut st.reported_source,
            &mut st.hearsay,
            &mut st.list_lead,
            &mut st.quote_attribution,
            &mut st.quote_not_attribution,
            &mut st.exceptions,
            &mut st.anaphora,
        ]);
        for f in &mut self.frames {
            for c in &mut f.cue_sets {
                context.push(&mut c.near);
                context.push(&mut c.unless);
            }
        }
        let mut bases = Vec::with_capacity(context.len());
        let mut ctx_res: Vec<String> = Vec::new();
        for set in &context {
            bases.push(ctx_res.len());
            ctx_res.extend(set.patterns.iter().map(|p| p.expr.clone()));
        }
        let pre = Arc::new(Prefilter::new(ctx_res.iter().map(String::as_str)));
        for (set, base) in context.into_iter().zip(bases) {
            set.scan = Some((base, Scan::Context(Arc::clone(&pre))));
        }
        self.cue_words = Prefilter::new(cue_res.iter().map(String::as_str));
        self.cue_owner = owner;
    }

    /// Scans a folded sentence once for every cue set of the lexicon; the `_in` methods of
    /// [`WordSet`] then only run the patterns that may match (context and stance sets scan
    /// the sentence the first time one of them is asked).
    pub fn scan(&self, f: &mut Folded) {
        f.starts = Some(self.cue_words.starts(&f.text));
        f.context_starts = std::cell::OnceCell::new();
    }

    /// The frame ids, in lexicon order.
    pub fn frame_ids(&self) -> Vec<&str> {
        self.frames.iter().map(|f| f.id.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"
[words]
cause = ["原因", "問題"]

[stance]
reported = ["と説明"]

[[frame]]
id = "two_factor_auth"
label = "二段階認証"
[[frame.cues]]
match = ["2段階認証"]
[[frame.cues]]
match = ["SMS"]
near = ["@cause"]
window = 1
"#;

    fn err_of(src: &str) -> String {
        Lexicon::parse(src, Path::new("frames.toml"))
            .map(|_| ())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn compiles_a_small_lexicon() {
        let lx = Lexicon::parse(MINI, Path::new("frames.toml")).unwrap();
        assert_eq!(lx.frame_ids(), ["two_factor_auth"]);
        assert_eq!(lx.frames[0].cue_sets[1].near.patterns.len(), 2);
        assert_eq!(lx.cue_owner, [(0, 0), (0, 1)]);
        // Every set belongs to a scan.
        for c in &lx.frames[0].cue_sets {
            assert!(matches!(c.cues.scan, Some((_, Scan::Cues))));
            assert!(matches!(c.near.scan, Some((_, Scan::Context(_)))));
        }
        assert!(matches!(
            lx.stance.reported.scan,
            Some((_, Scan::Context(_)))
        ));
    }

    #[test]
    fn errors_name_file_line_and_entry() {
        let bad = MINI.replace(r#"match = ["SMS"]"#, r#"match = ["(SMS"]"#);
        let e = err_of(&bad);
        assert!(
            e.starts_with("frames.toml:14: frame two_factor_auth, cues[1].match"),
            "{e}"
        );
        assert!(e.contains("unclosed `(`"), "{e}");

        let e = err_of(&MINI.replace("@cause", "@causes"));
        assert!(
            e.contains("frames.toml:15:") && e.contains("`@causes` names no [words] set"),
            "{e}"
        );

        let e = err_of(&MINI.replace("window = 1", "windw = 1"));
        assert!(e.starts_with("frames.toml:16:"), "{e}");
        assert!(e.contains("windw"), "{e}");

        let e = err_of(&format!(
            "{MINI}\n[[frame]]\nid = \"two_factor_auth\"\n[[frame.cues]]\nmatch=[\"x\"]\n"
        ));
        assert!(e.contains("defined twice"), "{e}");

        let e = err_of(&MINI.replace("id = \"two_factor_auth\"", "id = \"Two-Factor\""));
        assert!(e.contains("frames.toml:9: frame Two-Factor"), "{e}");

        // The old topic gate says what to do instead of passing silently.
        let e = err_of(&format!("[topic]\nwords = [\"7pay\"]\n{MINI}"));
        assert!(e.starts_with("frames.toml:1: [topic]"), "{e}");
        assert!(e.contains("frames apply to every incident"), "{e}");
    }

    #[test]
    fn the_shipped_lexicon_compiles() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("dictionaries");
        let lx = Lexicon::load(&dir).unwrap();
        for id in [
            "two_factor_auth",
            "list_based_attack",
            "rushed_launch",
            "omni7_integration",
            "password_reset_flaw",
            "external_id_login",
            "governance_management",
        ] {
            assert!(lx.frame_ids().contains(&id), "{id} missing");
        }
    }
}
