//! `dictionaries/measures.toml`: what a figure can measure and the cue words that say so.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// File name of the measure dictionary inside the dictionaries folder.
pub const MEASURES_FILE: &str = "measures.toml";

/// Where the subject of a fact (whose victims, whose users) comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectMode {
    /// The product (else organisation) the document is mostly about: figures of the
    /// incident itself (victims, damage).
    Document,
    /// The product or organisation named nearest the figure in its sentence (7iD's members
    /// vs 7pay's registrations), else the document's.
    Sentence,
}

/// One measure.
#[derive(Debug, Clone)]
pub struct Measure {
    /// Name written to `facts.measure`.
    pub name: String,
    /// Mention units it accepts (`JPY` for money; `person`, `account`, ... for counts).
    pub units: Vec<String>,
    /// Where the subject comes from.
    pub subject: SubjectMode,
    /// Whether the figures table compares its values across sources.
    pub compare: bool,
    /// Name for readers (the report), in Japanese; the report falls back to `name`.
    pub label: Option<String>,
    /// Name for readers in English (`--lang en`).
    pub label_en: Option<String>,
}

/// A cue word and the measures it may bind to, in file order.
#[derive(Debug, Clone)]
pub struct Cue {
    /// The word, matched on the normalized text.
    pub text: String,
    /// Indices into [`Measures::measures`].
    pub measures: Vec<usize>,
}

/// The parsed measure dictionary.
#[derive(Debug, Clone, Default)]
pub struct Measures {
    /// Measures in file order.
    pub measures: Vec<Measure>,
    /// Distinct cues, longest first.
    pub cues: Vec<Cue>,
    /// Nouns that name a quantity without saying of what (人数, 金額).
    pub generic_heads: Vec<String>,
    /// Words marking a figure given before the article (当初の).
    pub earlier: Vec<String>,
    /// Words making a sentence hypothetical (仮に).
    pub hypothetical: Vec<String>,
    /// Words saying a figure's sentence is about more than the incident: a nation, an
    /// industry, a year's total, a statistic, other companies (全国の…年間, 業界全体, 統計,
    /// 他社). One is enough.
    pub broader: Vec<String>,
    /// Words that say so only with another of them or of `broader` (全国, 国内, 全体: 「被害は
    /// 全国で約900人」 is still the incident's).
    pub broader_weak: Vec<String>,
    /// All cues in one automaton (overlapping matches), built by [`Measures::parse`].
    cue_finder: Option<aho_corasick::AhoCorasick>,
}

impl Measures {
    /// Every occurrence of every cue in `text`: (byte range in `text`, index into
    /// [`Measures::cues`]), ordered by cue index, then position (as scanning the cues one by
    /// one would give them), in one pass over the text.
    pub fn cue_occurrences(&self, text: &str) -> Vec<(std::ops::Range<usize>, usize)> {
        let Some(ac) = &self.cue_finder else {
            return Vec::new();
        };
        let mut out: Vec<(std::ops::Range<usize>, usize)> = ac
            .find_overlapping_iter(text)
            .map(|m| (m.range(), m.pattern().as_usize()))
            .collect();
        out.sort_by_key(|(r, ci)| (*ci, r.start));
        // Like `match_indices`: occurrences of one cue do not overlap each other.
        let mut last: Option<(usize, usize)> = None;
        out.retain(|(r, ci)| {
            let keep = last.is_none_or(|(c, end)| c != *ci || r.start >= end);
            if keep {
                last = Some((*ci, r.end));
            }
            keep
        });
        out
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    generic_heads: Vec<String>,
    #[serde(default)]
    earlier: Vec<String>,
    #[serde(default)]
    hypothetical: Vec<String>,
    #[serde(default)]
    broader: Vec<String>,
    #[serde(default)]
    broader_weak: Vec<String>,
    #[serde(default)]
    measure: Vec<RawMeasure>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasure {
    name: String,
    units: Vec<String>,
    cues: Vec<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    compare: Option<bool>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    label_en: Option<String>,
}

impl Measures {
    /// Loads `measures.toml` from the dictionaries folder; a missing or malformed file is
    /// an error naming the file (and the entry). An empty one lists no measure (and so no
    /// facts).
    pub fn load(dictionaries: &Path) -> Result<Measures> {
        let path = dictionaries.join(MEASURES_FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::dictionary_file(&path, "measure lexicon", &e))?;
        Measures::parse(&text, &path.display().to_string())
    }

    /// Parses the TOML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Measures> {
        let raw: RawFile =
            toml::from_str(text).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
        let mut m = Measures {
            generic_heads: clean(raw.generic_heads),
            earlier: clean(raw.earlier),
            hypothetical: clean(raw.hypothetical),
            broader: clean(raw.broader),
            broader_weak: clean(raw.broader_weak),
            ..Measures::default()
        };
        for (i, r) in raw.measure.into_iter().enumerate() {
            let at = format!(
                "{origin}: [[measure]] number {} (name = {:?})",
                i + 1,
                r.name
            );
            let name = r.name.trim().to_string();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Error::Config(format!(
                    "{at}: name must be non-empty ASCII letters, digits and _"
                )));
            }
            if m.measures.iter().any(|x| x.name == name) {
                return Err(Error::Config(format!(
                    "{at}: measure {name} is defined twice"
                )));
            }
            if r.units.is_empty() || r.units.iter().any(|u| u.trim().is_empty()) {
                return Err(Error::Config(format!(
                    "{at}: units must list at least one unit (JPY, person, account, ...)"
                )));
            }
            if r.cues.is_empty() || r.cues.iter().any(|c| c.trim().is_empty()) {
                return Err(Error::Config(format!(
                    "{at}: cues must list at least one non-empty word"
                )));
            }
            let subject = match r.subject.as_deref() {
                None | Some("document") => SubjectMode::Document,
                Some("sentence") => SubjectMode::Sentence,
                Some(other) => {
                    return Err(Error::Config(format!(
                        "{at}: subject {other:?} is not \"document\" or \"sentence\""
                    )));
                }
            };
            let idx = m.measures.len();
            m.measures.push(Measure {
                name,
                units: r.units.iter().map(|u| u.trim().to_string()).collect(),
                subject,
                compare: r.compare.unwrap_or(true),
                label: r.label.clone(),
                label_en: r.label_en.clone(),
            });
            for c in r.cues {
                let c = c.trim().to_string();
                match m.cues.iter_mut().find(|x| x.text == c) {
                    Some(x) => {
                        if !x.measures.contains(&idx) {
                            x.measures.push(idx);
                        }
                    }
                    None => m.cues.push(Cue {
                        text: c,
                        measures: vec![idx],
                    }),
                }
            }
        }
        m.cues
            .sort_by(|a, b| b.text.len().cmp(&a.text.len()).then(a.text.cmp(&b.text)));
        if !m.cues.is_empty() {
            let ac = aho_corasick::AhoCorasick::new(m.cues.iter().map(|c| c.text.as_str()))
                .map_err(|e| Error::Config(format!("{origin}: cues: {e}")))?;
            m.cue_finder = Some(ac);
        }
        Ok(m)
    }

    /// Whether measure `i` accepts a mention of unit `unit`.
    pub fn fits(&self, i: usize, unit: Option<&str>) -> bool {
        unit.is_some_and(|u| self.measures[i].units.iter().any(|x| x == u))
    }

    /// The first measure of cue `ci` that a figure in `unit` fits, if any.
    pub fn fitting(&self, ci: usize, unit: Option<&str>) -> Option<usize> {
        self.cues[ci]
            .measures
            .iter()
            .copied()
            .find(|&mi| self.fits(mi, unit))
    }
}

fn clean(v: Vec<String>) -> Vec<String> {
    let mut v: Vec<String> = v
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    // Longest first, so that 当初の is tried before 当初.
    v.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_cues_and_errors() {
        let m = Measures::parse(
            r#"
            [[measure]]
            name = "victims"
            units = ["person"]
            cues = ["被害", "被害者"]
            [[measure]]
            name = "damage_amount"
            units = ["JPY"]
            cues = ["被害", "被害額"]
            "#,
            "m.toml",
        )
        .unwrap();
        assert_eq!(m.cues[0].text.chars().count(), 3);
        let hi = m.cues.iter().find(|c| c.text == "被害").unwrap();
        assert_eq!(hi.measures, vec![0, 1]);
        assert!(m.fits(1, Some("JPY")) && !m.fits(1, Some("person")));

        let e = Measures::parse(
            "[[measure]]\nname = \"victims\"\nunits = []\ncues = [\"被害\"]\n",
            "dictionaries/measures.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("dictionaries/measures.toml")
                && e.contains("number 1")
                && e.contains("units"),
            "{e}"
        );
        let e = Measures::parse(
            "[[measure]]\nname = \"v\"\nunits = [\"person\"]\ncues = [\"被害\"]\nsubject = \"doc\"\n",
            "m.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("\"doc\""), "{e}");
        let e = Measures::parse("[[measure]]\nname = \"v\"\nunit = [\"person\"]\n", "m.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("m.toml:"), "{e}");
    }
}
