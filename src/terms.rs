//! Stage 6b: a document's tokens -> its content words ([`TermDocRow`]s), the input of the
//! `terms` and `cooccurrence` tables and of `shiten kwic`'s word matching.
//!
//! A content word is a token of the body (boilerplate sentences are left out) that is a
//! noun (一般, 固有名詞 of any kind, サ変接続, 形容動詞語幹), a verb or an adjective, or an
//! entry of our user dictionary (compounds such as リスト型攻撃 count as one word). Its
//! term is its dictionary form (基本形), so 攻撃され and 攻撃する are one word, 攻撃する's
//! 攻撃 (a サ変 noun) another. Left out: numerals (名詞,数), counters and other suffixes,
//! pronouns, 非自立 nouns, adverbial nouns (今回, 一部), symbols, words without a letter,
//! single kana (tokenizer debris), and the stop words of `dictionaries/stopwords.txt`
//! (light verbs such as する, いる, ある, なる).
//!
//! A word's incident is the incident of its sentence ([`DocIncidents::of_sentence`]: the
//! incident named in the sentence, else the nearest named before it, else the article's
//! main incident) when it is one of the article's incidents, else the article's main
//! incident (as for frame hits), so an article comparing two breaches splits its words
//! between them and `terms` lines up with `documents.incidents` and `source_frames`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::analyze::Prepared;
use crate::error::{Error, Result};
use crate::incident::{DocIncidents, Incidents};
use crate::output::rows::TermDocRow;
use crate::tokenize::{NounKind, Pos, Token};

/// Name of the stop word list inside the dictionaries folder (optional).
pub const STOPWORDS_FILE: &str = "stopwords.txt";

/// Words never counted: one dictionary form per line, `#` starts a comment.
#[derive(Debug, Clone, Default)]
pub struct Stopwords {
    words: HashSet<String>,
}

impl Stopwords {
    /// Reads `dictionaries/stopwords.txt`; none when the file does not exist.
    pub fn load(dictionaries: &Path) -> Result<Stopwords> {
        let path = dictionaries.join(STOPWORDS_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Stopwords::parse(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Stopwords::default()),
            Err(e) => Err(Error::dictionary_file(&path, "stop word list", &e)),
        }
    }

    /// The words of a stop word list's text (NFKC-folded like the text they are compared
    /// with).
    pub fn parse(text: &str) -> Stopwords {
        use unicode_normalization::UnicodeNormalization;
        let words = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|w| !w.is_empty())
            .map(|w| w.nfkc().collect())
            .collect();
        Stopwords { words }
    }

    /// Whether `term` is a stop word.
    pub fn contains(&self, term: &str) -> bool {
        self.words.contains(term)
    }
}

/// The `pos` label of a content word's part of speech, `None` for other tokens.
pub fn content_pos(pos: Pos, user: bool) -> Option<&'static str> {
    match pos {
        Pos::Noun(
            NounKind::General
            | NounKind::Proper
            | NounKind::Person
            | NounKind::Organization
            | NounKind::Place
            | NounKind::Verbal
            | NounKind::Adjectival,
        ) => Some("名詞"),
        // A user-dictionary compound is a word whatever its row says (but not a numeral).
        Pos::Noun(k) if user && k != NounKind::Number => Some("名詞"),
        Pos::Verb => Some("動詞"),
        Pos::Adjective => Some("形容詞"),
        _ => None,
    }
}

/// Whether `term` can be a word: it holds a letter that is not a digit, and it is not a
/// single kana.
pub fn is_word(term: &str) -> bool {
    let mut chars = term.chars();
    let (Some(first), rest) = (chars.next(), chars.next()) else {
        return false;
    };
    let kana = |c: char| ('\u{3041}'..='\u{30ff}').contains(&c);
    if rest.is_none() && kana(first) {
        return false;
    }
    // Kanji numerals are letters to Unicode (三 is Lo), numbers to a reader.
    let numeral = |c: char| c.is_numeric() || "〇一二三四五六七八九十百千万億兆".contains(c);
    if term.chars().all(numeral) {
        return false;
    }
    term.chars().any(|c| c.is_alphabetic() && !c.is_numeric())
}

/// A word's part of speech label, count and sentences in one document.
type Counted = (&'static str, i64, Vec<u32>);

/// One document's content words, one row per (incident, term), sorted by incident then
/// term. `base` gives a token's dictionary form (the worker that made the tokens).
pub fn term_rows<'w>(
    p: &Prepared<'_>,
    base: impl Fn(&Token) -> Option<&'w str>,
    stop: &Stopwords,
    incidents: &Incidents,
    found: &DocIncidents,
) -> Vec<TermDocRow> {
    let text = p.norm.text.as_str();
    // (incident, term) -> (pos, count, sentences); terms borrowed from the text or the
    // worker's dictionary forms, copied once per row.
    let mut acc: HashMap<(Option<usize>, &str), Counted> = HashMap::new();
    for (si, s) in p.sentences.iter().enumerate() {
        if s.boilerplate {
            continue;
        }
        // As frame hits: one of the article's incidents (an incident named in passing in
        // an article about another is not where its words count), else its main one.
        let incident = found
            .of_sentence(si)
            .filter(|&i| found.covers(i))
            .or_else(|| found.main());
        for t in p.tokens_in(&s.range) {
            let Some(pos) = content_pos(t.pos, t.user) else {
                continue;
            };
            let term: &str = match base(t) {
                Some(b) => b,
                None => t.surface(text),
            };
            if !is_word(term) || stop.contains(term) {
                continue;
            }
            let e = acc.entry((incident, term)).or_insert((pos, 0, Vec::new()));
            e.1 += 1;
            if e.2.last() != Some(&(si as u32)) {
                e.2.push(si as u32);
            }
        }
    }
    let id = |i: Option<usize>| {
        i.and_then(|i| incidents.incidents.get(i))
            .map(|x| x.id.clone())
    };
    let mut acc: Vec<_> = acc
        .into_iter()
        .map(|((i, term), v)| ((id(i), term), v))
        .collect();
    acc.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let doc = p.doc;
    acc.into_iter()
        .map(|((incident, term), (pos, count, sentences))| TermDocRow {
            doc: doc.doc.clone(),
            source: doc.meta.source.clone(),
            incident,
            term: term.to_string(),
            pos: pos.to_string(),
            count,
            sentence_ids: sentences
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_stop_words() {
        assert!(is_word("縦割り"));
        assert!(is_word("ガバナンス"));
        assert!(is_word("7pay"));
        assert!(!is_word("2019"));
        assert!(!is_word("三"), "a kanji numeral is numeric");
        assert!(!is_word("い"));
        assert!(!is_word("・・"));
        assert!(!is_word(""));
        let s = Stopwords::parse("# light verbs\nする\n ある # exists\n\nＡＢＣ\n");
        assert!(s.contains("する") && s.contains("ある") && s.contains("ABC"));
        assert!(!s.contains("# light verbs") && !s.contains(""));
    }

    #[test]
    fn content_parts_of_speech() {
        assert_eq!(
            content_pos(Pos::Noun(NounKind::Verbal), false),
            Some("名詞")
        );
        assert_eq!(content_pos(Pos::Verb, false), Some("動詞"));
        assert_eq!(content_pos(Pos::Adjective, false), Some("形容詞"));
        for p in [
            Pos::Noun(NounKind::Number),
            Pos::Noun(NounKind::Suffix),
            Pos::Noun(NounKind::Pronoun),
            Pos::Noun(NounKind::Dependent),
            Pos::Noun(NounKind::Adverbial),
            Pos::Symbol,
            Pos::Particle,
            Pos::AuxVerb,
            Pos::Adverb,
        ] {
            assert_eq!(content_pos(p, false), None, "{p:?}");
        }
        assert_eq!(content_pos(Pos::Noun(NounKind::Suffix), true), Some("名詞"));
    }
}
