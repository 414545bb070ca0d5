//! The only module that imports lindera: building and loading dictionaries, and turning
//! lindera tokens into our [`Token`].

use std::path::Path;
use std::sync::Arc;

use lindera::dictionary::{
    DictionaryBuilder, Metadata, load_dictionary_with_options, load_user_dictionary_from_csv,
};
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera::worker::SegmentWorker;

use super::{Pos, Token};
use crate::error::{Error, Result};

/// lindera-ipadic's build metadata (field layout of IPADIC rows); the source encoding is
/// filled in per source.
const IPADIC_METADATA: &str = r#"{
  "name": "ipadic",
  "encoding": "UTF-8",
  "default_word_cost": -10000,
  "default_left_context_id": 0,
  "default_right_context_id": 0,
  "default_field_value": "*",
  "flexible_csv": true,
  "skip_invalid_cost_or_id": false,
  "normalize_details": true,
  "dictionary_schema": { "fields": [
    "surface", "left_context_id", "right_context_id", "cost",
    "part_of_speech", "part_of_speech_subcategory_1", "part_of_speech_subcategory_2",
    "part_of_speech_subcategory_3", "conjugation_form", "conjugation_type",
    "base_form", "reading", "pronunciation"
  ] },
  "user_dictionary_schema": { "fields": ["surface", "part_of_speech", "reading"] }
}"#;

/// Version of the lindera dictionary format we build; part of the cache key.
pub const LINDERA_FORMAT: &str = "lindera-6";

fn lindera_err(what: impl std::fmt::Display, e: impl std::fmt::Display) -> Error {
    Error::Dictionary(format!("{what}: {e}"))
}

/// Checks what lindera does not: the context ids of full rows of a user dictionary must
/// be rows of the system dictionary's connection matrix (`0..contexts`). lindera accepts
/// an id past its end and then panics on every sentence holding the word.
fn check_user_csv(path: &Path, contexts: u32) -> Result<()> {
    let bytes =
        std::fs::read(path).map_err(|e| Error::dictionary_file(path, "user dictionary", &e))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    for rec in rdr.records() {
        // Malformed rows are left to lindera, whose message names them.
        let Ok(rec) = rec else { continue };
        let line = rec.position().map_or(0, |p| p.line());
        if rec.len() < 4 {
            continue;
        }
        for (field, name) in [(1, "left"), (2, "right")] {
            let cell = rec.get(field).unwrap_or("").trim();
            if let Ok(id) = cell.parse::<i64>()
                && !(0..i64::from(contexts)).contains(&id)
            {
                return Err(Error::Dictionary(format!(
                    "user dictionary {}: line {line}: {name} context id {id} is not one of \
                     the system dictionary's 0..{contexts} (copy the ids of a similar IPADIC \
                     word, e.g. 1288 for a proper noun)",
                    path.display()
                )));
            }
        }
    }
    Ok(())
}

/// Builds the IPADIC system dictionary from MeCab source files in `src` (CSV files,
/// `matrix.def`, `char.def`, `unk.def`) written in `encoding` into `out`.
pub fn build_system_dictionary(src: &Path, encoding: &str, out: &Path) -> Result<()> {
    let mut meta: serde_json::Value =
        serde_json::from_str(IPADIC_METADATA).expect("IPADIC_METADATA is valid JSON");
    meta["encoding"] = serde_json::Value::String(encoding.to_string());
    let meta: Metadata = serde_json::from_value(meta)
        .map_err(|e| lindera_err("IPADIC metadata does not fit this lindera version", e))?;
    DictionaryBuilder::new(meta)
        .build_dictionary(src, out)
        .map_err(|e| lindera_err(format!("building IPADIC from {}", src.display()), e))
}

/// The shared, read-only tokenizer: dictionary (memory-mapped), user dictionary, mode.
#[derive(Clone)]
pub struct Tokenizer {
    segmenter: Arc<Segmenter>,
}

impl Tokenizer {
    /// Loads a built system dictionary from `dict_dir` (memory-mapped) and, if given, a
    /// user dictionary CSV of full 13-column IPADIC rows.
    pub fn load(dict_dir: &Path, user_csv: Option<&Path>) -> Result<Tokenizer> {
        let dir = dict_dir
            .to_str()
            .ok_or_else(|| Error::Dictionary(format!("{} is not UTF-8", dict_dir.display())))?;
        let dictionary = load_dictionary_with_options(dir, true)
            .map_err(|e| lindera_err(format!("loading dictionary {}", dict_dir.display()), e))?;
        let user = match user_csv {
            Some(p) => {
                let m = &dictionary.connection_cost_matrix;
                check_user_csv(p, m.forward_size.min(m.backward_size))?;
                Some(
                    load_user_dictionary_from_csv(&dictionary.metadata, p)
                        .map_err(|e| lindera_err(format!("user dictionary {}", p.display()), e))?,
                )
            }
            None => None,
        };
        let segmenter = Segmenter::new(Mode::Normal, dictionary, user);
        Ok(Tokenizer {
            segmenter: Arc::new(segmenter),
        })
    }

    /// A per-thread worker with its own lattice buffers.
    pub fn worker(&self) -> TokenWorker {
        TokenWorker {
            inner: self.segmenter.new_worker(),
            pos_cache: Default::default(),
        }
    }
}

/// Per-thread tokenizer state (lindera's reusable lattice).
pub struct TokenWorker {
    inner: SegmentWorker,
    /// Part-of-speech codes ([`Pos::code`], 0 = not looked up yet) by word id, for the
    /// system, user and unknown-word lexicons: each distinct word's details are parsed
    /// once per worker instead of once per occurrence (at most one byte per entry).
    pos_cache: [Vec<u8>; 3],
}

impl TokenWorker {
    /// Tokenizes `text` (normalized), appending tokens with byte offsets shifted by `base`.
    /// When `with_pos` is false, parts of speech are not looked up (faster) and every token
    /// is [`Pos::Unknown`].
    pub fn tokenize_into(
        &mut self,
        text: &str,
        base: usize,
        with_pos: bool,
        out: &mut Vec<Token>,
    ) -> Result<()> {
        let tokens = self
            .inner
            .segment(text)
            .map_err(|e| lindera_err("tokenizing", e))?;
        out.reserve(tokens.len());
        for mut t in tokens {
            let user = !t.word_id.is_system() && !t.word_id.is_unknown();
            let pos = if with_pos {
                let lexicon = if t.word_id.is_unknown() {
                    2
                } else if user {
                    1
                } else {
                    0
                };
                let id = t.word_id.id() as usize;
                let cache = &mut self.pos_cache[lexicon];
                match cache.get(id).copied().and_then(Pos::from_code) {
                    Some(p) => p,
                    None => {
                        let d = t.details();
                        let field = |i: usize| d.get(i).copied().unwrap_or("");
                        let p = Pos::from_ipadic(field(0), field(1), field(2));
                        // Ids are dense per lexicon; a stray huge id is simply not cached.
                        if id < (1 << 22) {
                            if cache.len() <= id {
                                cache.resize(id + 1, 0);
                            }
                            cache[id] = p.code();
                        }
                        p
                    }
                }
            } else {
                Pos::Unknown
            };
            out.push(Token {
                start: (base + t.byte_start) as u32,
                end: (base + t.byte_end) as u32,
                pos,
                user,
            });
        }
        Ok(())
    }

    /// Raw lindera tokenization with POS details looked up, for the benchmark baseline:
    /// returns the number of tokens and does nothing else.
    pub fn raw_count_with_details(&mut self, text: &str) -> Result<usize> {
        let tokens = self
            .inner
            .segment(text)
            .map_err(|e| lindera_err("tokenizing", e))?;
        let mut n = 0;
        for mut t in tokens {
            n += usize::from(!t.details().is_empty());
        }
        Ok(n)
    }
}
