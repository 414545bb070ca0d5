//! Incidents: which breach (7pay, ドコモ口座, ユニクロ/GU, ...) an article, a sentence or a
//! figure is about.
//!
//! `dictionaries/incidents.toml` ([`Incidents::load`]) lists the incidents users compare:
//! each with an id, a display name, the names outlets write for it (the company, the
//! service, the incident itself) and the time window in which it was news. A document's
//! incidents ([`Incidents::detect`] -> [`DocIncidents`]) are found by **mention share**: one
//! Aho-Corasick pass over the normalized text of the body sentences (boilerplate is left out:
//! a related-articles list naming another breach says nothing about this article) counts the
//! mentions of each incident; the incidents with enough mentions and share, ordered by share,
//! are the document's. [`DocIncidents::at`] tells the incident of a position: one mentioned
//! in its sentence, else the nearest mention before it (of any incident within the
//! paragraph, of the document's incidents beyond), else the document's main incident.
//!
//! Matching is on the normalized text (full-width letters already folded to ASCII) and
//! ignores ASCII case; an ASCII name must not touch ASCII letters or digits (`GU` is not in
//! `GUI`). The longest name wins where two overlap (`SBI証券` over `SBI`).

use std::ops::Range;
use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Deserialize;

use crate::calendar::Date;
use crate::error::{Error, Result};
use crate::segment::Sentence;

/// File name of the incident list inside the dictionaries folder.
pub const INCIDENTS_FILE: &str = "incidents.toml";

/// An incident's share of the document's incident mentions needed to list it among the
/// document's incidents (the main incident is always listed).
pub const MIN_SHARE: f64 = 0.2;

/// Mentions an incident needs in the body to be one of the document's incidents: a single
/// passing mention (「7payの事件以来」 in an article on another breach) does not make the
/// article one about it.
pub const MIN_MENTIONS: usize = 2;

/// One incident of `incidents.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// Identifier written to the tables (`7pay`, `docomo`): ASCII letters, digits and `_`.
    pub id: String,
    /// Display name (report headings).
    pub name: String,
    /// Display name in English (the report with `--lang en`), if given.
    pub name_en: Option<String>,
    /// Names and aliases matched in the text.
    pub names: Vec<String>,
    /// First day of the window in which it was news, if given.
    pub start: Option<Date>,
    /// Last day of that window, if given.
    pub end: Option<Date>,
}

impl Incident {
    /// The time window, when both ends are given.
    pub fn window(&self) -> Option<(Date, Date)> {
        Some((self.start?, self.end?))
    }
}

/// The incident list, with one automaton over all names.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    /// Incidents in file order.
    pub incidents: Vec<Incident>,
    matcher: Option<AhoCorasick>,
    /// For each pattern of `matcher`: the incident and whether the name starts / ends with
    /// an ASCII letter or digit (then it must not touch another one).
    patterns: Vec<(usize, bool, bool)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    incident: Vec<RawIncident>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIncident {
    id: String,
    name: Option<String>,
    #[serde(default)]
    name_en: Option<String>,
    #[serde(default)]
    names: Vec<String>,
    start: Option<toml::Value>,
    end: Option<toml::Value>,
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// A date cell of incidents.toml: a TOML date (`2019-07-01`) or a string (`"2019-07-01"`).
fn toml_date(v: &toml::Value) -> Option<Date> {
    match v {
        toml::Value::String(s) => Date::parse_loose(s),
        toml::Value::Datetime(dt) if dt.time.is_none() => {
            let d = dt.date?;
            Date::new(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        }
        _ => None,
    }
}

impl Incidents {
    /// Loads `incidents.toml` from the dictionaries folder. A missing or malformed file is
    /// an error naming it (and the entry at fault): dates and incident columns depend on it.
    pub fn load(dictionaries: &Path) -> Result<Incidents> {
        let path = dictionaries.join(INCIDENTS_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::Config(format!(
                "{}: cannot read the incident list: {e} (every dictionaries folder needs \
                 {INCIDENTS_FILE}; copy the one shipped with shiten, see dictionaries/README.md)",
                path.display()
            ))
        })?;
        Incidents::parse(&text, &path.display().to_string())
    }

    /// Parses the TOML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Incidents> {
        let raw: RawFile =
            toml::from_str(text).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
        let mut out = Incidents::default();
        let mut names: Vec<(String, usize)> = Vec::new();
        for (i, r) in raw.incident.into_iter().enumerate() {
            let at = format!("{origin}: [[incident]] number {} (id = {:?})", i + 1, r.id);
            let id = r.id.trim().to_string();
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Error::Config(format!(
                    "{at}: id must be non-empty ASCII letters, digits and _"
                )));
            }
            if out.incidents.iter().any(|x| x.id == id) {
                return Err(Error::Config(format!("{at}: id {id} is defined twice")));
            }
            let date = |v: &Option<toml::Value>, key: &str| -> Result<Option<Date>> {
                match v {
                    None => Ok(None),
                    Some(v) => toml_date(v).map(Some).ok_or_else(|| {
                        Error::Config(format!(
                            "{at}: {key} = {v} is not a date (write it as 2019-07-01)"
                        ))
                    }),
                }
            };
            let (start, end) = (date(&r.start, "start")?, date(&r.end, "end")?);
            if let (Some(s), Some(e)) = (start, end)
                && e < s
            {
                return Err(Error::Config(format!("{at}: end {e} is before start {s}")));
            }
            let mut own: Vec<String> = Vec::new();
            for n in &r.names {
                let n = n.trim();
                if n.is_empty() {
                    return Err(Error::Config(format!("{at}: names holds an empty name")));
                }
                if let Some((_, other)) = names.iter().find(|(x, _)| x.eq_ignore_ascii_case(n)) {
                    if *other != i {
                        return Err(Error::Config(format!(
                            "{at}: name {n:?} is also a name of incident {:?}; a name must \
                             say which incident it is",
                            out.incidents[*other].id
                        )));
                    }
                    continue;
                }
                names.push((n.to_string(), i));
                own.push(n.to_string());
            }
            if own.is_empty() {
                return Err(Error::Config(format!(
                    "{at}: names must list at least one name outlets write for it"
                )));
            }
            out.incidents.push(Incident {
                name: r
                    .name
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| id.clone()),
                name_en: r
                    .name_en
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
                id,
                names: own,
                start,
                end,
            });
        }
        if !names.is_empty() {
            let ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(true)
                .build(names.iter().map(|(n, _)| n.as_str()))
                .map_err(|e| Error::Config(format!("{origin}: names: {e}")))?;
            out.matcher = Some(ac);
            out.patterns = names
                .iter()
                .map(|(n, i)| {
                    (
                        *i,
                        n.chars().next().is_some_and(is_word),
                        n.chars().next_back().is_some_and(is_word),
                    )
                })
                .collect();
        }
        Ok(out)
    }

    /// The index of the incident with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.incidents.iter().position(|x| x.id == id)
    }

    /// The mentions of incidents in `text[range]`: (byte range in `text`, incident).
    pub fn find(&self, text: &str, range: Range<usize>) -> Vec<(Range<usize>, usize)> {
        let Some(ac) = &self.matcher else {
            return Vec::new();
        };
        let hay = &text[range.clone()];
        ac.find_iter(hay)
            .filter_map(|m| {
                let (inc, word_start, word_end) = self.patterns[m.pattern().as_usize()];
                let before = hay[..m.start()].chars().next_back();
                let after = hay[m.end()..].chars().next();
                if word_start && before.is_some_and(is_word)
                    || word_end && after.is_some_and(is_word)
                {
                    return None;
                }
                Some((range.start + m.start()..range.start + m.end(), inc))
            })
            .collect()
    }

    /// The incidents of one document: mentions in the body sentences of the normalized
    /// `text`, counted per incident.
    pub fn detect(&self, text: &str, sentences: &[Sentence]) -> DocIncidents {
        let mut doc = DocIncidents {
            sentence_starts: sentences.iter().map(|s| s.range.start).collect(),
            ..DocIncidents::default()
        };
        // Paragraph of each sentence: a new one after every line break.
        let mut para = 0u32;
        let mut prev_end = 0usize;
        for (si, s) in sentences.iter().enumerate() {
            if s.range.start >= prev_end && text[prev_end..s.range.start].contains('\n') {
                para += 1;
            }
            prev_end = prev_end.max(s.range.end);
            doc.sentence_paragraphs.push(para);
            if s.boilerplate {
                continue;
            }
            for (range, incident) in self.find(text, s.range.clone()) {
                // 「7pay(セブンペイ)」, 「PayPay(ペイペイ)」: a name glossed in brackets is one
                // mention.
                if let Some(last) = doc.mentions.last()
                    && last.incident == incident
                    && last.range.end <= range.start
                    && matches!(
                        text[last.range.end..range.start].trim(),
                        "(" | "（" | "「" | "『"
                    )
                {
                    continue;
                }
                doc.mentions.push(IncidentMention {
                    incident,
                    range,
                    sentence: si,
                });
            }
        }
        let total = doc.mentions.len();
        let mut counts: Vec<(usize, usize, usize)> = Vec::new(); // (incident, count, first)
        for (k, m) in doc.mentions.iter().enumerate() {
            match counts.iter_mut().find(|c| c.0 == m.incident) {
                Some(c) => c.1 += 1,
                None => counts.push((m.incident, 1, k)),
            }
        }
        // By share, then by first mention.
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
        for (rank, &(incident, n, _)) in counts.iter().enumerate() {
            let share = n as f64 / total as f64;
            if n >= MIN_MENTIONS && (rank == 0 || share >= MIN_SHARE) {
                doc.ranked.push(Share {
                    incident,
                    mentions: n,
                    share,
                });
            }
        }
        let mut last = None;
        doc.last_covering.push(None);
        for (j, m) in doc.mentions.iter().enumerate() {
            if doc.covers(m.incident) {
                last = Some(j as u32);
            }
            doc.last_covering.push(last);
        }
        doc
    }
}

/// An incident's part in a document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    /// Index into [`Incidents::incidents`].
    pub incident: usize,
    /// Mentions in the body.
    pub mentions: usize,
    /// Its mentions over all incident mentions of the body.
    pub share: f64,
}

/// One mention of an incident's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentMention {
    /// Index into [`Incidents::incidents`].
    pub incident: usize,
    /// Normalized byte range.
    pub range: Range<usize>,
    /// Sentence index.
    pub sentence: usize,
}

/// The incidents of one document (see [`Incidents::detect`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocIncidents {
    /// The document's incidents, by share (largest first); empty when it names none often
    /// enough.
    pub ranked: Vec<Share>,
    /// Every mention of every incident in the body, in text order.
    pub mentions: Vec<IncidentMention>,
    sentence_starts: Vec<usize>,
    sentence_paragraphs: Vec<u32>,
    /// For each k (0..=mentions.len()), the last mention before the k-th whose incident
    /// is one of the document's.
    last_covering: Vec<Option<u32>>,
}

impl DocIncidents {
    /// The main incident (largest share).
    pub fn main(&self) -> Option<usize> {
        self.ranked.first().map(|s| s.incident)
    }

    /// Whether `incident` is one of the document's.
    pub fn covers(&self, incident: usize) -> bool {
        self.ranked.iter().any(|s| s.incident == incident)
    }

    /// The document's incident ids in order, `; `-joined (empty when none).
    pub fn ids(&self, incidents: &Incidents) -> String {
        self.ranked
            .iter()
            .map(|s| incidents.incidents[s.incident].id.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn sentence_of(&self, pos: usize) -> usize {
        self.sentence_starts
            .partition_point(|&s| s <= pos)
            .saturating_sub(1)
    }

    /// The incident of sentence `si`: see [`DocIncidents::at`] (as if at its start, but any
    /// mention inside it counts, the first one winning).
    pub fn of_sentence(&self, si: usize) -> Option<usize> {
        let own = self.in_sentence(si).first();
        match own {
            Some(m) => Some(m.incident),
            None => self.before(si, self.sentence_starts.get(si).copied().unwrap_or(0)),
        }
    }

    /// The incident of the normalized byte position `pos`: the incident named in its
    /// sentence (the nearest mention before `pos`, else the first of the document's
    /// incidents after it: 「…3000円残ってるので、PayPayに乗り換えようかな」 is no PayPay
    /// figure); else the nearest mention before the sentence (any incident within the
    /// paragraph, one of the document's incidents beyond it); else the main incident.
    pub fn at(&self, pos: usize) -> Option<usize> {
        let si = self.sentence_of(pos);
        let own = self.in_sentence(si);
        let before = own.iter().rfind(|m| m.range.start <= pos);
        let after = || {
            own.iter()
                .find(|m| m.range.start > pos && self.covers(m.incident))
        };
        match before.or_else(after) {
            Some(m) => Some(m.incident),
            None => self.before(si, pos),
        }
    }

    /// The mentions of sentence `si`, by binary search (mentions are in text order):
    /// [`DocIncidents::at`] is asked once per figure and frame hit, and a scan of every
    /// mention each time made long documents quadratic.
    pub fn in_sentence(&self, si: usize) -> &[IncidentMention] {
        let a = self.mentions.partition_point(|m| m.sentence < si);
        let b = self.mentions.partition_point(|m| m.sentence <= si);
        &self.mentions[a..b.max(a)]
    }

    /// The nearest mention before sentence `si` (see [`DocIncidents::at`]), else the main.
    fn before(&self, si: usize, pos: usize) -> Option<usize> {
        let para = self.sentence_paragraphs.get(si).copied();
        // Mentions of earlier sentences; paragraphs never decrease along the text, so a
        // mention in `si`'s paragraph can only be the last of them, and beyond it the
        // nearest mention of one of the document's incidents is looked up.
        let k = self
            .mentions
            .partition_point(|m| m.sentence < si && m.range.end <= pos);
        let last = k.checked_sub(1).map(|j| &self.mentions[j]);
        let same_para = last.filter(|m| {
            para.is_some() && self.sentence_paragraphs.get(m.sentence).copied() == para
        });
        same_para
            .map(|m| m.incident)
            .or_else(|| {
                self.last_covering
                    .get(k)
                    .copied()
                    .flatten()
                    .map(|j| self.mentions[j as usize].incident)
            })
            .or_else(|| self.main())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"
        [[incident]]
        id = "7pay"
        name = "7pay 不正利用"
        names = ["7pay", "セブンペイ", "7iD"]
        start = 2019-07-01
        end = "2020-03-31"

        [[incident]]
        id = "docomo"
        names = ["ドコモ口座", "NTTドコモ"]

        [[incident]]
        id = "uniqlo"
        names = ["ユニクロ", "GU", "ジーユー"]
    "#;

    fn sentences(text: &str) -> Vec<Sentence> {
        // One sentence per 。 (enough for these tests), none boilerplate but those with ■.
        // Trimmed like segment::split's.
        let mut out = Vec::new();
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if c == '。' || c == '\n' {
                let end = if c == '\n' { i } else { i + c.len_utf8() };
                let s = &text[start..end];
                let lead = s.len() - s.trim_start().len();
                if !s.trim().is_empty() {
                    let r = start + lead..start + s.trim_end().len();
                    out.push(Sentence {
                        boilerplate: text[r.clone()].contains('■'),
                        range: r,
                    });
                }
                start = i + c.len_utf8();
            }
        }
        out
    }

    #[test]
    fn loads_and_checks_the_list() {
        let inc = Incidents::parse(LIST, "incidents.toml").unwrap();
        assert_eq!(inc.incidents.len(), 3);
        assert_eq!(
            inc.incidents[0].window(),
            Some((
                Date::new(2019, 7, 1).unwrap(),
                Date::new(2020, 3, 31).unwrap()
            ))
        );
        assert_eq!(inc.incidents[1].name, "docomo");
        assert_eq!(inc.incidents[1].window(), None);
        for (bad, want) in [
            (
                "[[incident]]\nid = \"a b\"\nnames = [\"x\"]\n",
                "id must be",
            ),
            (
                "[[incident]]\nid = \"a\"\nnames = []\n",
                "at least one name",
            ),
            (
                "[[incident]]\nid = \"a\"\nnames = [\"x\"]\nstart = \"July\"\n",
                "not a date",
            ),
            (
                "[[incident]]\nid = \"a\"\nnames = [\"x\"]\nstart = 2020-01-02\nend = 2020-01-01\n",
                "before start",
            ),
            (
                "[[incident]]\nid = \"a\"\nnames = [\"x\"]\n[[incident]]\nid = \"b\"\nnames = [\"X\"]\n",
                "also a name of incident \"a\"",
            ),
            (
                "[[incident]]\nid = \"a\"\nnames = [\"x\"]\nwindow = 3\n",
                "unknown field",
            ),
        ] {
            let e = Incidents::parse(bad, "dictionaries/incidents.toml")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("dictionaries/incidents.toml") && e.contains(want),
                "{bad}: {e}"
            );
        }
        let e = Incidents::load(Path::new("/nonexistent-folder"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent-folder/incidents.toml"), "{e}");
    }

    #[test]
    fn shipped_list_loads_with_the_realdev_ids() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("dictionaries");
        let inc = Incidents::load(&dir).unwrap();
        for id in [
            "7pay",
            "docomo",
            "uniqlo",
            "nintendo",
            "paypay",
            "sbi",
            "yucho_kyash",
        ] {
            let i = inc.index_of(id).unwrap_or_else(|| panic!("{id} missing"));
            assert!(inc.incidents[i].window().is_some(), "{id} has no window");
        }
    }

    #[test]
    fn documents_get_incidents_by_mention_share() {
        let inc = Incidents::parse(LIST, "t").unwrap();
        let text = "セブンペイ(7pay)で不正利用。7PAYの運営会社は7iDを止めた。\
                    ドコモ口座でも被害が出た。\n■関連記事 ユニクロ ユニクロ ユニクロ GU\n\
                    GUIの設計も問われた。7payは終了した。";
        let d = inc.detect(text, &sentences(text));
        // 7pay: 4 mentions (case ignored; a bracketed gloss is the same mention), docomo 1
        // (too few), uniqlo only in boilerplate, and GU inside GUI is no mention.
        assert_eq!(d.ids(&inc), "7pay");
        assert_eq!(d.ranked[0].mentions, 4);
        assert!((d.ranked[0].share - 4.0 / 5.0).abs() < 1e-9);
        assert_eq!(d.mentions.len(), 5);

        let text = "ドコモ口座で不正出金。NTTドコモは謝罪した。ドコモ口座の被害は拡大。\
                    7payの時と同じだ。セブンペイも同じ手口だった。";
        let d = inc.detect(text, &sentences(text));
        assert_eq!(d.ids(&inc), "docomo; 7pay");
        assert_eq!(d.main(), Some(1));
        let none = inc.detect(
            "決済サービスで不正利用。",
            &sentences("決済サービスで不正利用。"),
        );
        assert_eq!((none.ids(&inc), none.main()), (String::new(), None));
    }

    #[test]
    fn positions_take_their_own_then_the_preceding_incident() {
        let inc = Incidents::parse(LIST, "t").unwrap();
        let text = "7payの被害は拡大した。7payは停止。被害額は5500万円。\n\
                    ドコモ口座でも被害。被害額は1800万円。\n\
                    全国の被害は68億円。7iDとユニクロの会員。";
        let d = inc.detect(text, &sentences(text));
        let at = |s: &str| {
            d.at(text.find(s).unwrap())
                .map(|i| inc.incidents[i].id.as_str())
        };
        assert_eq!(at("5500万円"), Some("7pay"));
        // Same paragraph: the passing mention of docomo governs the next sentence.
        assert_eq!(at("1800万円"), Some("docomo"));
        // A new paragraph without a mention: the document's incident before it.
        assert_eq!(at("68億円"), Some("7pay"));
        // Two in one sentence: the nearest before the position, else the first of the
        // document's after it.
        assert_eq!(at("の会員"), Some("uniqlo"));
        assert_eq!(at("7iDと"), Some("7pay"));
        let si = sentences(text)
            .iter()
            .position(|s| text[s.range.clone()].contains("1800"))
            .unwrap();
        assert_eq!(d.of_sentence(si), Some(1));
        assert_eq!(d.of_sentence(0), Some(0));
        let text = "7payは停止。7payの件。\n残高は3000円で、ユニクロに行こう。\n被害額は1800万円、7payの発表。";
        let d = inc.detect(text, &sentences(text));
        let at = |s: &str| {
            d.at(text.find(s).unwrap())
                .map(|i| inc.incidents[i].id.as_str())
        };
        assert_eq!(at("3000円"), Some("7pay"));
        assert_eq!(at("1800万円"), Some("7pay"));
    }
}
