//! Stage 5b: tokens + normalized text -> [`Entity`] mentions: organisations, people (with
//! their role), products and services, places.
//!
//! Two sources, in this order:
//!
//! 1. **The entity dictionary** (`dictionaries/entities.toml`, [`EntityDictionary`]): every
//!    spelling listed for an entity maps to its canonical name (セブン・ペイ = セブンペイ社 =
//!    7pay運営会社). Matching folds ASCII case and dash variants and lets spaces sit between
//!    characters (PDF text: 「井阪 隆一」); the longest spelling wins, and a match must start
//!    and end on token boundaries, so セブン never matches inside セブンペイ (the service) or
//!    セブン銀行.
//! 2. **Parts of speech** for what the dictionary does not list: runs of IPADIC 固有名詞
//!    tokens, 人名 (family + given name merged), 組織, and 地域 (with a following 都/県/市/区
//!    suffix merged). A single 人名 token (a family name alone) counts only when a role or
//!    honorific follows (「小林社長」, 「清水氏」), which keeps stray name-like words out.
//!
//! People get a **role** from the words right after the name (「小林強社長」,
//! 「清水健・執行役員」) or right before it (「執行役員の清水健」, 「代表取締役社長：井阪 隆一」),
//! from the `roles` list of the dictionary. A family name alone is **linked** to the full
//! name when the same article gives exactly one full name starting with it (「小林社長」 →
//! 小林強); otherwise it stays as written.
//!
//! Invariant: entity ranges are byte ranges of the normalized text on token boundaries,
//! sorted and non-overlapping.

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::segment::Sentence;
use crate::tokenize::{NounKind, Pos, Token};

/// File name of the entity dictionary inside the dictionaries folder.
pub const ENTITIES_FILE: &str = "entities.toml";

/// Kind of entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityType {
    /// Companies, agencies, groups.
    Organization,
    /// People.
    Person,
    /// Products and services (7pay, 7iD, PayPay).
    Product,
    /// Places.
    Place,
}

impl EntityType {
    /// The name used in the `entities` table and in `entities.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Organization => "organization",
            EntityType::Person => "person",
            EntityType::Product => "product",
            EntityType::Place => "place",
        }
    }

    fn parse(s: &str) -> Option<EntityType> {
        Some(match s {
            "organization" => EntityType::Organization,
            "person" => EntityType::Person,
            "product" => EntityType::Product,
            "place" => EntityType::Place,
            _ => return None,
        })
    }
}

/// One entity mention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Byte range of the normalized text.
    pub range: Range<usize>,
    /// Kind.
    pub entity_type: EntityType,
    /// Canonical name.
    pub canonical: String,
    /// Role of a person, as listed in the dictionary's `roles`.
    pub role: Option<String>,
    /// Index of the sentence.
    pub sentence: usize,
    /// Whether the sentence is boilerplate.
    pub boilerplate: bool,
    /// Whether the name came from the dictionary (else from parts of speech).
    pub listed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    entity: Vec<RawEntity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntity {
    #[serde(rename = "type")]
    entity_type: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
}

/// A character trie over folded spellings. It always has its root, so that an empty
/// dictionary matches nothing rather than indexing an empty node list.
#[derive(Debug)]
struct Trie {
    nodes: Vec<TrieNode>,
}

impl Default for Trie {
    fn default() -> Trie {
        Trie::new()
    }
}

#[derive(Debug, Default)]
struct TrieNode {
    /// Children, sorted by character (binary search: no hashing per character).
    next: Vec<(char, usize)>,
    value: Option<usize>,
}

impl TrieNode {
    fn child(&self, c: char) -> Option<usize> {
        self.next
            .binary_search_by_key(&c, |&(k, _)| k)
            .ok()
            .map(|i| self.next[i].1)
    }
}

impl Trie {
    fn new() -> Trie {
        Trie {
            nodes: vec![TrieNode::default()],
        }
    }

    /// Inserts `word` (already folded, no spaces); returns the value already there, if any.
    fn insert(&mut self, word: &str, value: usize) -> Option<usize> {
        let mut n = 0;
        for c in word.chars() {
            n = match self.nodes[n].next.binary_search_by_key(&c, |&(k, _)| k) {
                Ok(i) => self.nodes[n].next[i].1,
                Err(i) => {
                    self.nodes.push(TrieNode::default());
                    let m = self.nodes.len() - 1;
                    self.nodes[n].next.insert(i, (c, m));
                    m
                }
            };
        }
        let old = self.nodes[n].value;
        if old.is_none() {
            self.nodes[n].value = Some(value);
        }
        old
    }

    /// All matches starting at byte `start` of `text`, as (end byte, value), shortest first.
    /// Spaces inside a match are skipped.
    fn matches_at(&self, text: &str, start: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut n = 0;
        for (i, c) in text[start..].char_indices() {
            if c == ' ' {
                if i == 0 {
                    break;
                }
                continue;
            }
            match self.nodes[n].child(fold(c)) {
                Some(m) => n = m,
                None => break,
            }
            if let Some(v) = self.nodes[n].value {
                out.push((start + i + c.len_utf8(), v));
            }
        }
        out
    }
}

/// Folds a character for dictionary matching: ASCII case, dash variants.
fn fold(c: char) -> char {
    match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FF0D}' | '\u{FE63}' => '-',
        '＆' => '&',
        c => c.to_ascii_lowercase(),
    }
}

fn fold_word(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).map(fold).collect()
}

/// The entity dictionary: canonical names, their spellings, and person roles.
#[derive(Debug, Default)]
pub struct EntityDictionary {
    names: Vec<(EntityType, String)>,
    aliases: Trie,
    roles: Trie,
    role_words: Vec<String>,
}

/// Words after a family name that make it a person mention without being a role.
const HONORIFICS: &[&str] = &["氏", "さん", "様", "君", "くん", "ちゃん"];

/// Suffixes merged into a place name (東京 + 都, 千代田 + 区).
const PLACE_SUFFIXES: &[&str] = &[
    "都", "道", "府", "県", "市", "区", "町", "村", "郡", "州", "省",
];

impl EntityDictionary {
    /// Loads `entities.toml` from the dictionaries folder. A missing or malformed file is
    /// an error naming the file (and the entry); an empty one lists no entity (parts of
    /// speech still find entities).
    pub fn load(dictionaries: &Path) -> Result<EntityDictionary> {
        let path = dictionaries.join(ENTITIES_FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::dictionary_file(&path, "entity dictionary", &e))?;
        EntityDictionary::parse(&text, &path.display().to_string())
    }

    /// Parses the TOML text of an entity dictionary; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<EntityDictionary> {
        let raw: RawFile =
            toml::from_str(text).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
        let mut d = EntityDictionary {
            aliases: Trie::new(),
            roles: Trie::new(),
            ..EntityDictionary::default()
        };
        for (i, e) in raw.entity.iter().enumerate() {
            let at = || {
                format!(
                    "{origin}: [[entity]] number {} (name = {:?})",
                    i + 1,
                    e.name
                )
            };
            let ty = EntityType::parse(&e.entity_type).ok_or_else(|| {
                Error::Config(format!(
                    "{}: unknown type {:?}; expected organization, person, product or place",
                    at(),
                    e.entity_type
                ))
            })?;
            if e.name.trim().is_empty() {
                return Err(Error::Config(format!("{}: empty name", at())));
            }
            let id = d.names.len();
            d.names.push((ty, e.name.trim().to_string()));
            for a in std::iter::once(&e.name).chain(&e.aliases) {
                let w = fold_word(a);
                if w.is_empty() {
                    return Err(Error::Config(format!("{}: empty alias", at())));
                }
                if let Some(other) = d.aliases.insert(&w, id)
                    && other != id
                {
                    return Err(Error::Config(format!(
                        "{}: spelling {:?} is already an alias of {:?}",
                        at(),
                        a,
                        d.names[other].1
                    )));
                }
            }
        }
        for (i, r) in raw.roles.iter().enumerate() {
            let w = fold_word(r);
            if w.is_empty() {
                return Err(Error::Config(format!(
                    "{origin}: roles entry {} is empty",
                    i + 1
                )));
            }
            d.role_words.push(r.trim().to_string());
            d.roles.insert(&w, i);
        }
        Ok(d)
    }

    /// Number of entities listed.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no entity is listed.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The longest role word starting at `start` of `text`, with its end.
    fn role_at(&self, text: &str, start: usize) -> Option<(usize, &str)> {
        self.roles
            .matches_at(text, start)
            .last()
            .map(|&(end, i)| (end, self.role_words[i].as_str()))
    }
}

/// Finds the entities of one document.
pub fn extract(
    dict: &EntityDictionary,
    text: &str,
    sentences: &[Sentence],
    tokens: &[Token],
) -> Vec<Entity> {
    let mut out = Vec::new();
    let mut urls = UrlRuns::default();
    for (si, s) in sentences.iter().enumerate() {
        let a = tokens.partition_point(|t| (t.start as usize) < s.range.start);
        let b = tokens.partition_point(|t| (t.start as usize) < s.range.end);
        let toks = &tokens[a..b];
        sentence_entities(dict, text, si, s.boilerplate, toks, &mut urls, &mut out);
    }
    link_family_names(&mut out);
    out
}

fn sentence_entities(
    dict: &EntityDictionary,
    text: &str,
    si: usize,
    boilerplate: bool,
    toks: &[Token],
    urls: &mut UrlRuns,
    out: &mut Vec<Entity>,
) {
    // Tokens are in order and do not overlap: their ends ascend.
    let token_ending_at = |end: usize| toks.binary_search_by_key(&end, |t| t.end as usize).ok();
    let mut i = 0;
    while i < toks.len() {
        let start = toks[i].start as usize;
        // 1. The longest dictionary spelling that ends on a token boundary.
        let hit = dict
            .aliases
            .matches_at(text, start)
            .into_iter()
            .rev()
            .find_map(|(end, id)| token_ending_at(end).map(|j| (end, id, j)))
            .filter(|_| !urls.in_url(text, start));
        if let Some((end, id, j)) = hit {
            let (ty, name) = &dict.names[id];
            let role = (*ty == EntityType::Person)
                .then(|| person_role(dict, text, toks, i, j))
                .flatten();
            out.push(Entity {
                range: start..end,
                entity_type: *ty,
                canonical: name.clone(),
                role,
                sentence: si,
                boilerplate,
                listed: true,
            });
            i = j + 1;
            continue;
        }
        // 2. Runs of proper-noun tokens.
        let t = toks[i];
        let kind = match t.pos {
            Pos::Noun(k @ (NounKind::Person | NounKind::Organization | NounKind::Place)) => k,
            _ => {
                i += 1;
                continue;
            }
        };
        let mut j = i;
        while j + 1 < toks.len()
            && toks[j + 1].pos == t.pos
            && gap_is_space(text, toks[j].end as usize, toks[j + 1].start as usize)
        {
            j += 1;
        }
        // Family names IPADIC files as places or organisations (大橋, 千葉) followed by a
        // given name, and given names it files as places after a family name (井上　拓海).
        let short = |k: usize| toks[k].surface(text).chars().count() <= 3;
        let mut kind = kind;
        if kind != NounKind::Person
            && j == i
            && short(i)
            && toks
                .get(i + 1)
                .is_some_and(|n| n.pos == Pos::Noun(NounKind::Person))
            && gap_is_space(text, toks[i].end as usize, toks[i + 1].start as usize)
        {
            kind = NounKind::Person;
            j = i + 1;
        }
        if kind == NounKind::Person
            && j + 1 < toks.len()
            && matches!(
                toks[j + 1].pos,
                Pos::Noun(NounKind::Place | NounKind::Organization)
            )
            && short(j + 1)
            && toks[j].end < toks[j + 1].start
            && gap_is_space(text, toks[j].end as usize, toks[j + 1].start as usize)
        {
            j += 1;
        }
        let ty = match kind {
            NounKind::Person => EntityType::Person,
            NounKind::Organization => EntityType::Organization,
            _ => {
                // 東京 + 都, 千代田 + 区
                while j + 1 < toks.len()
                    && toks[j + 1].start == toks[j].end
                    && toks[j + 1].pos == Pos::Noun(NounKind::Suffix)
                    && PLACE_SUFFIXES.contains(&toks[j + 1].surface(text))
                {
                    j += 1;
                }
                EntityType::Place
            }
        };
        let range = start..toks[j].end as usize;
        let surface: String = text[range.clone()]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        // Single characters are too often parts of other words (井 + 阪); kana-only
        // "names" are misreadings (うやむや → う + むや); IPADIC files every unknown
        // alphabetic word (ID, QR, https) under 組織; role words are not names.
        let kana_only = surface
            .chars()
            .all(|c| matches!(c, '\u{3040}'..='\u{309F}' | 'ー'));
        let ascii_org = ty == EntityType::Organization && surface.is_ascii();
        // Katakana fragments of a word broken by a line wrap (シス|テム).
        let fragment = ty != EntityType::Person
            && (surface.starts_with('ー')
                || surface.chars().count() <= 2
                    && surface
                        .chars()
                        .all(|c| matches!(c, '\u{30A0}'..='\u{30FF}')));
        if surface.chars().count() < 2
            || kana_only
            || ascii_org
            || fragment
            || dict
                .role_at(&surface, 0)
                .is_some_and(|(e, _)| e == surface.len())
            || urls.in_url(text, range.start)
        {
            i = j + 1;
            continue;
        }
        let mut role = None;
        if ty == EntityType::Person {
            role = person_role(dict, text, toks, i, j);
            let honorific = toks
                .get(j + 1)
                .is_some_and(|n| HONORIFICS.contains(&n.surface(text)));
            if j == i && role.is_none() && !honorific {
                i = j + 1;
                continue;
            }
        }
        out.push(Entity {
            range,
            entity_type: ty,
            canonical: surface,
            role,
            sentence: si,
            boilerplate,
            listed: false,
        });
        i = j + 1;
    }
}

/// The run of URL characters last looked at, and whether it is an address: every name
/// inside one run (「7pay,7pay,…」) asks about the same run, which is read once.
#[derive(Default)]
struct UrlRuns {
    last: Option<(Range<usize>, bool)>,
}

impl UrlRuns {
    /// Whether byte `at` lies inside a URL or a mail or web address
    /// (「https://www.sej.co.jp」, 「7pay.example.jp」).
    fn in_url(&mut self, text: &str, at: usize) -> bool {
        if let Some((r, url)) = &self.last
            && r.start <= at
            && at < r.end
        {
            return *url;
        }
        let is_url_char =
            |c: char| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c);
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_url_char(c))
            .last()
            .map_or(at, |(i, _)| i);
        let end = at
            + text[at..]
                .char_indices()
                .find(|&(_, c)| !is_url_char(c))
                .map_or(text.len() - at, |(i, _)| i);
        let url = is_address(&text[start..end]);
        self.last = Some((start..end, url));
        url
    }
}

/// Whether a run of URL characters is a URL or a mail or web address.
fn is_address(word: &str) -> bool {
    word.contains("://")
        || word.starts_with("www.")
        || word.contains('@')
        || [".jp", ".com", ".net", ".org", ".dev", ".html"]
            .iter()
            .any(|tld| {
                word.ends_with(tld)
                    || word
                        .match_indices(tld)
                        .any(|(i, _)| word[i + tld.len()..].starts_with('/'))
            })
}

fn gap_is_space(text: &str, a: usize, b: usize) -> bool {
    a <= b && text[a..b].chars().all(|c| c == ' ')
}

/// The role of a person whose name spans tokens `i..=j`: a role word starting the noun
/// compound right after the name, else one ending the compound right before it.
fn person_role(
    dict: &EntityDictionary,
    text: &str,
    toks: &[Token],
    i: usize,
    j: usize,
) -> Option<String> {
    // After: 小林強社長, 清水健・執行役員, 宮地正敏デジタル・サービス本部長.
    let mut k = j + 1;
    let mut seen = 0;
    while k < toks.len() && seen < 8 {
        let t = toks[k];
        let s = t.surface(text);
        if !(matches!(t.pos, Pos::Noun(_) | Pos::Prefix) || s == "・") || s == ":" {
            break;
        }
        if let Some((_, r)) = dict.role_at(text, t.start as usize) {
            return Some(r.to_string());
        }
        k += 1;
        seen += 1;
    }
    // Before: 執行役員の清水健, 代表取締役社長:井阪 隆一.
    let mut k = i;
    if k > 0 && matches!(toks[k - 1].surface(text), "の" | "・" | ":" | "：") {
        k -= 1;
    }
    let end = if k < i {
        toks[k].start as usize
    } else {
        toks[i].start as usize
    };
    let end = text[..end].trim_end_matches(' ').len();
    // Try each token start in the compound before `end`: the longest role ending at `end`
    // (代表取締役社長, not 社長).
    let mut m = k;
    let mut seen = 0;
    let mut best = None;
    while m > 0 && seen < 8 {
        m -= 1;
        let t = toks[m];
        if t.end as usize > end {
            continue;
        }
        if !matches!(t.pos, Pos::Noun(_) | Pos::Prefix) {
            break;
        }
        if let Some((e, r)) = dict.role_at(text, t.start as usize)
            && e == end
        {
            best = Some(r.to_string());
        }
        seen += 1;
    }
    best
}

/// 小林 → 小林強 when the article names exactly one person whose name starts with 小林.
/// A name the parts of speech took for an organisation (IPADIC files 清水 under both) is a
/// person when it is the family name of a person of the article.
fn link_family_names(ents: &mut [Entity]) {
    // The distinct names of people, sorted: the names starting with a prefix are one run
    // of them, found by binary search (comparing every mention with every person was
    // quadratic in long documents).
    let mut full: Vec<String> = ents
        .iter()
        .filter(|e| e.entity_type == EntityType::Person)
        .map(|e| e.canonical.clone())
        .collect();
    full.sort();
    full.dedup();
    // Up to two distinct names longer than `prefix` that start with it.
    let longer = |prefix: &str| -> Vec<String> {
        let from = full.partition_point(|f| f.as_str() <= prefix);
        full[from..]
            .iter()
            .take_while(|f| f.starts_with(prefix))
            .take(2)
            .cloned()
            .collect()
    };
    for e in ents.iter_mut() {
        if e.entity_type == EntityType::Organization
            && !e.listed
            && !longer(&e.canonical).is_empty()
        {
            e.entity_type = EntityType::Person;
        }
        if e.entity_type != EntityType::Person {
            continue;
        }
        if let [one] = longer(&e.canonical).as_slice() {
            e.canonical = one.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_dashes_case_and_spaces() {
        let d = EntityDictionary::parse(
            r#"
            [[entity]]
            type = "organization"
            name = "セブン-イレブン・ジャパン"
            aliases = ["セブン-イレブン"]
            [[entity]]
            type = "person"
            name = "井阪隆一"
            "#,
            "t",
        )
        .unwrap();
        let m = d.aliases.matches_at("セブン‐イレブンの", 0);
        assert_eq!(m.last().map(|x| x.0), Some("セブン‐イレブン".len()));
        let m = d.aliases.matches_at("井阪 隆一社長", 0);
        assert_eq!(m.last().map(|x| x.0), Some("井阪 隆一".len()));
        assert!(d.aliases.matches_at(" 井阪隆一", 0).is_empty());
    }

    #[test]
    fn an_empty_dictionary_matches_nothing() {
        // The default dictionary had a trie without a root: indexing it panicked.
        let d = EntityDictionary::default();
        assert!(d.aliases.matches_at("セブンペイ", 0).is_empty());
        assert!(d.role_at("社長", 0).is_none());
        let e = EntityDictionary::load(Path::new("/nonexistent")).unwrap_err();
        assert!(e.to_string().contains("entities.toml is missing"), "{e}");
    }

    #[test]
    fn malformed_entries_name_file_and_entry() {
        let e = EntityDictionary::parse(
            "[[entity]]\ntype = \"organisation\"\nname = \"警視庁\"\n",
            "dictionaries/entities.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("dictionaries/entities.toml"), "{e}");
        assert!(e.contains("number 1"), "{e}");
        assert!(e.contains("警視庁"), "{e}");
        assert!(e.contains("organisation"), "{e}");

        let e = EntityDictionary::parse(
            "[[entity]]\ntype = \"product\"\nname = \"7pay\"\n[[entity]]\ntype = \"organization\"\nname = \"セブン・ペイ\"\naliases = [\"7PAY\"]\n",
            "x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("number 2") && e.contains("7pay"), "{e}");

        let e = EntityDictionary::parse("[[entity]]\ntype = \"place\"\nnam = \"x\"\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.toml:") && e.contains("nam"), "{e}");
    }
}
