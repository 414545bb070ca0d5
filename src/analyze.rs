//! One article through stages 2–6: [`Analyzer`] (shared, immutable, `Sync`) and
//! [`Worker`] (one per thread, reusable buffers) turn a [`Document`] into a
//! [`DocAnalysis`]: its `documents` row and its mention, entity, fact and frame rows.
//!
//! Spans inside the analysis are byte ranges of the normalized text; [`Spans`] maps them
//! to the original text's byte and character offsets, which is what every row stores.
//! [`Prepared`] and [`Spans`] live in [`crate::prepared`], below every stage that reads them.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::boilerplate;
use crate::corpus::Document;
use crate::dating::{self, Dated};
use crate::entities::{self, EntityDictionary};
use crate::error::{Error, Result};
use crate::facts::{self, Measures};
use crate::frame::{self, Lexicon};
use crate::incident::{DocIncidents, Incidents};
use crate::normalize::{self, NormalizedText};
use crate::output::rows::{DocumentRow, EntityRow, FactRow, FrameHitRow, MentionRow};
// Re-exported so that paths written before the move (`analyze::Prepared`) still work.
pub use crate::prepared::{Prepared, Spans};
use crate::segment::{self, Sentence};
use crate::tokenize::{Token, TokenWorker, Tokenizer};

/// Name of the user dictionary inside the dictionaries folder.
pub const USER_DICT_FILE: &str = "user.csv";

/// Finds the dictionaries folder: the given one, `$SHITEN_DICTIONARIES`, `./dictionaries`,
/// or the one in the source tree shiten was built from.
pub fn find_dictionaries(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return if p.is_dir() {
            Ok(p.to_path_buf())
        } else {
            Err(Error::Config(format!(
                "dictionaries folder {} does not exist",
                p.display()
            )))
        };
    }
    let candidates = [
        std::env::var_os("SHITEN_DICTIONARIES").map(PathBuf::from),
        Some(PathBuf::from("dictionaries")),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("dictionaries")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.join(USER_DICT_FILE).is_file())
        .ok_or_else(|| {
            Error::Config(
                "no dictionaries folder with user.csv found (looked at $SHITEN_DICTIONARIES, \
                 ./dictionaries and the source tree); pass --dictionaries DIR"
                    .into(),
            )
        })
}

/// The files every dictionaries folder holds, with what each is.
pub const DICTIONARY_FILES: [(&str, &str); 4] = [
    (USER_DICT_FILE, "user dictionary"),
    (crate::entities::ENTITIES_FILE, "entity dictionary"),
    (crate::facts::MEASURES_FILE, "measure lexicon"),
    (crate::frame::lexicon::FRAMES_FILE, "frame lexicon"),
];

/// Checks that each of [`DICTIONARY_FILES`] is a file of `dictionaries`, before anything
/// is loaded: the error names the first one missing.
pub fn check_dictionaries(dictionaries: &Path) -> Result<()> {
    for (name, what) in DICTIONARY_FILES {
        let path = dictionaries.join(name);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => {
                let e = std::io::Error::other("a folder, not a file");
                return Err(Error::dictionary_file(&path, what, &e));
            }
            Err(e) => return Err(Error::dictionary_file(&path, what, &e)),
        }
    }
    Ok(())
}

/// Shared, read-only analysis state.
pub struct Analyzer {
    tokenizer: Tokenizer,
    /// Folder of user dictionaries and lexicons.
    pub dictionaries: PathBuf,
    /// Entity names and roles (`entities.toml`).
    pub entities: EntityDictionary,
    /// Measures and their cues (`measures.toml`).
    pub measures: Measures,
    /// The frame lexicon (`frames.toml`), compiled once.
    pub frames: Lexicon,
    /// The incidents articles are about (`incidents.toml`).
    pub incidents: Incidents,
    /// Words the `terms` tables leave out (`stopwords.txt`, optional).
    pub stopwords: crate::terms::Stopwords,
}

impl Analyzer {
    /// Loads the tokenizer (system dictionary at `dict_dir`, user dictionary from
    /// `dictionaries/user.csv`) and the lexicons.
    pub fn load(dict_dir: &Path, dictionaries: &Path) -> Result<Analyzer> {
        check_dictionaries(dictionaries)?;
        let user = dictionaries.join(USER_DICT_FILE);
        let tokenizer = Tokenizer::load(dict_dir, Some(&user))?;
        let frames = Lexicon::load(dictionaries)?;
        Ok(Analyzer {
            tokenizer,
            dictionaries: dictionaries.to_path_buf(),
            entities: EntityDictionary::load(dictionaries)?,
            measures: Measures::load(dictionaries)?,
            frames,
            incidents: Incidents::load(dictionaries)?,
            stopwords: crate::terms::Stopwords::load(dictionaries)?,
        })
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// A worker for one thread.
    pub fn worker(&self) -> Worker<'_> {
        Worker {
            analyzer: self,
            tokens: self.tokenizer.worker(),
            spare_tokens: Vec::new(),
            clock: None,
        }
    }

    /// A worker that adds the time it spends in each stage to `clock` (for `shiten bench`).
    pub fn timed_worker<'a>(&'a self, clock: &'a StageClock) -> Worker<'a> {
        Worker {
            clock: Some(clock),
            ..self.worker()
        }
    }
}

/// The analysis stages timed by a [`StageClock`], in pipeline order.
#[derive(Debug, Clone, Copy)]
enum Stage {
    Normalize,
    Boilerplate,
    Sentences,
    Tokenize,
    Mentions,
    Entities,
    Facts,
    Frames,
    Terms,
    Rows,
}

/// The names of the stages, in the order of [`StageClock::seconds`].
pub const STAGES: [&str; 10] = [
    "normalize",
    "boilerplate",
    "sentences",
    "tokenize",
    "mentions",
    "entities",
    "facts",
    "frames",
    "terms",
    "rows",
];

const _: () = assert!(Stage::Rows as usize + 1 == STAGES.len());

/// Nanoseconds spent in each of [`STAGES`], summed over the workers that share it.
#[derive(Debug, Default)]
pub struct StageClock {
    nanos: [std::sync::atomic::AtomicU64; STAGES.len()],
    cpu: bool,
}

impl StageClock {
    /// A clock of each worker thread's CPU time instead of wall-clock time (Linux; wall
    /// clock elsewhere): what a test comparing two measurements on a busy machine needs.
    pub fn thread_cpu() -> StageClock {
        StageClock {
            cpu: crate::trace::thread_cpu_ns().is_some(),
            ..StageClock::default()
        }
    }

    /// Seconds per stage, in the order of [`STAGES`].
    pub fn seconds(&self) -> [f64; STAGES.len()] {
        std::array::from_fn(|i| {
            self.nanos[i].load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e9
        })
    }

    /// Now, in nanoseconds from an arbitrary origin, on this clock's time base.
    fn now(&self) -> u64 {
        if self.cpu
            && let Some(ns) = crate::trace::thread_cpu_ns()
        {
            return ns;
        }
        static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        ORIGIN
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos() as u64
    }
}

/// Per-batch stopwatch: `lap(s)` charges the time since the previous lap to stage `s`.
struct Laps<'c> {
    clock: Option<&'c StageClock>,
    last: u64,
}

impl<'c> Laps<'c> {
    fn start(clock: Option<&'c StageClock>) -> Laps<'c> {
        Laps {
            clock,
            last: clock.map_or(0, StageClock::now),
        }
    }

    fn lap(&mut self, stage: Stage) {
        if let Some(c) = self.clock {
            let now = c.now();
            c.nanos[stage as usize].fetch_add(
                now.saturating_sub(self.last),
                std::sync::atomic::Ordering::Relaxed,
            );
            self.last = now;
        }
    }
}

/// Per-thread state.
pub struct Worker<'a> {
    analyzer: &'a Analyzer,
    tokens: TokenWorker,
    /// Token buffers of earlier documents, reused.
    spare_tokens: Vec<Vec<Token>>,
    clock: Option<&'a StageClock>,
}

/// The result for one document.
#[derive(Debug, Clone, Default)]
pub struct DocAnalysis {
    /// The `documents` row.
    pub document: DocumentRow,
    /// Number and date mentions.
    pub mentions: Vec<MentionRow>,
    /// Entity mentions.
    pub entities: Vec<EntityRow>,
    /// Figures with a measure.
    pub facts: Vec<FactRow>,
    /// Frame cues.
    pub frame_hits: Vec<FrameHitRow>,
    /// Content words (`term_docs` rows) and the first concordance line of each
    /// (`term_lines` part rows), packed.
    pub terms: crate::terms::DocTerms,
    /// MinHash signature of the body (the `signatures` part; none for a very short text).
    pub signature: Option<crate::output::copy_rows::SignatureRow>,
    /// Further metadata columns (source_type, author, ...), travelling with the document.
    pub meta_extra: std::collections::BTreeMap<String, String>,
}

/// Documents analysed together by [`Worker::analyze_batch`]: each stage runs over the
/// whole batch before the next starts, so the tokenizer's dictionary and the lexicons'
/// automata stay in the CPU caches (document by document, each stage evicts the others':
/// measured 1.5–2× slower on the 2-core machine, see the README's Performance section).
pub const BATCH_DOCS: usize = 128;

impl Worker<'_> {
    /// The dictionary form of a token this worker made (`None`: its surface).
    pub fn base_form(&self, t: &Token) -> Option<&str> {
        self.tokens.base_form(t)
    }

    /// Normalizes, marks boilerplate, splits sentences and tokenizes.
    pub fn prepare<'d>(&mut self, doc: &'d Document) -> Result<Prepared<'d>> {
        let mut laps = Laps::start(self.clock);
        self.prepare_all(&[doc], &mut laps)
            .pop()
            .expect("one result per document")
    }

    /// [`Worker::prepare`] for each document, stage by stage.
    fn prepare_all<'d>(
        &mut self,
        docs: &[&'d Document],
        laps: &mut Laps<'_>,
    ) -> Vec<Result<Prepared<'d>>> {
        let norms: Vec<NormalizedText> = docs
            .iter()
            .map(|doc| match &doc.html {
                Some(layout) => normalize::normalize_html(&doc.text, layout),
                None => normalize::normalize(&doc.text),
            })
            .collect();
        laps.lap(Stage::Normalize);
        let boilerplate: Vec<Vec<Range<usize>>> = norms
            .iter()
            .map(|n| boilerplate::with_marked(boilerplate::mark(&n.text), &n.marked))
            .collect();
        laps.lap(Stage::Boilerplate);
        let sentences: Vec<Vec<Sentence>> = norms
            .iter()
            .zip(&boilerplate)
            .map(|(n, b)| segment::split(&n.text, b))
            .collect();
        laps.lap(Stage::Sentences);
        let out = docs
            .iter()
            .zip(norms)
            .zip(boilerplate)
            .zip(sentences)
            .map(|(((&doc, norm), boilerplate), sentences)| {
                let mut tokens = self.spare_tokens.pop().unwrap_or_default();
                tokens.clear();
                for s in &sentences {
                    self.tokens.tokenize_into(
                        &norm.text[s.range.clone()],
                        s.range.start,
                        true,
                        &mut tokens,
                    )?;
                }
                Ok(Prepared {
                    doc,
                    norm,
                    boilerplate,
                    sentences,
                    tokens,
                })
            })
            .collect();
        laps.lap(Stage::Tokenize);
        out
    }

    /// Analyses one document.
    pub fn analyze(&mut self, doc: &Document) -> Result<DocAnalysis> {
        self.analyze_batch(&[doc])
            .pop()
            .expect("one result per document")
    }

    /// Analyses documents (best [`BATCH_DOCS`] at a time), one result per document in
    /// order. A document's error does not affect the others'.
    pub fn analyze_batch(&mut self, docs: &[&Document]) -> Vec<Result<DocAnalysis>> {
        /// One document between stages: what it has so far.
        struct Doing<'d> {
            p: Prepared<'d>,
            out: DocAnalysis,
            ents: Vec<entities::Entity>,
            incidents: DocIncidents,
            dated: Dated,
        }
        let mut laps = Laps::start(self.clock);
        let mut results: Vec<Option<Result<DocAnalysis>>> = Vec::with_capacity(docs.len());
        let mut doing: Vec<(usize, Doing<'_>)> = Vec::with_capacity(docs.len());
        for (i, p) in self.prepare_all(docs, &mut laps).into_iter().enumerate() {
            match p {
                Ok(p) => {
                    results.push(None);
                    let d = Doing {
                        p,
                        out: DocAnalysis::default(),
                        ents: Vec::new(),
                        incidents: DocIncidents::default(),
                        dated: Dated::NONE,
                    };
                    doing.push((i, d));
                }
                Err(e) => results.push(Some(Err(e))),
            }
        }
        let a = self.analyzer;
        for (_, d) in &mut doing {
            d.incidents = a.incidents.detect(&d.p.norm.text, &d.p.sentences);
            d.dated = dating::infer(
                d.p.doc,
                &d.p.norm.text,
                &d.p.sentences,
                &a.incidents,
                &d.incidents,
            );
            let m = crate::extract::extract_near(&d.p, d.dated.day(), d.dated.month());
            d.out.mentions = crate::extract::rows(&d.p, &d.p.spans(), &m);
        }
        laps.lap(Stage::Mentions);
        for (_, d) in &mut doing {
            d.ents = entities::extract(&a.entities, &d.p.norm.text, &d.p.sentences, &d.p.tokens);
            d.out.entities = entity_rows(d.p.doc, &d.p.spans(), &d.ents);
        }
        laps.lap(Stage::Entities);
        for (_, d) in &mut doing {
            let spans = d.p.spans();
            d.out.facts = facts::fact_rows(
                d.p.doc,
                &d.p,
                &spans,
                &d.out.mentions,
                &d.ents,
                &a.measures,
                &facts::About {
                    published: &d.dated,
                    incidents: &a.incidents,
                    found: &d.incidents,
                },
            );
        }
        laps.lap(Stage::Facts);
        for (_, d) in &mut doing {
            d.out.frame_hits = frame_rows(
                &a.frames,
                d.p.doc,
                &d.p,
                &d.p.spans(),
                &a.incidents,
                &d.incidents,
                d.dated.iso(),
            );
        }
        laps.lap(Stage::Frames);
        let tokens = &self.tokens;
        for (_, d) in &mut doing {
            let words = crate::terms::term_rows(
                &d.p,
                |t| tokens.base_form(t),
                &a.stopwords,
                &a.incidents,
                &d.incidents,
                d.dated.iso().as_deref(),
            );
            d.out.terms = words;
        }
        laps.lap(Stage::Terms);
        for (
            i,
            Doing {
                p,
                mut out,
                incidents,
                dated,
                ..
            },
        ) in doing
        {
            let doc = p.doc;
            let boilerplate_chars: usize = p
                .boilerplate
                .iter()
                .map(|r| doc.text[p.norm.map.map_range(r.clone())].chars().count())
                .sum();
            let warnings = (!doc.warnings.is_empty()).then(|| doc.warnings.join("; "));
            out.document = DocumentRow {
                doc: doc.doc.clone(),
                source: doc.meta.source.clone(),
                title: doc.meta.title.clone(),
                url: doc.meta.url.clone(),
                published: dated.iso(),
                encoding: doc.encoding.to_string(),
                chars: doc.text.chars().count() as i64,
                sentences: p.sentences.len() as i64,
                tokens: p.tokens.len() as i64,
                boilerplate_chars: boilerplate_chars as i64,
                status: if warnings.is_some() { "warning" } else { "ok" }.into(),
                warnings,
                bytes: doc.bytes as i64,
                content_hash: doc.content_hash.clone(),
                incidents: incidents.ids(&a.incidents),
                published_basis: dated.basis.as_str().to_string(),
                published_metadata: doc.meta.published.map(|d| d.to_string()),
            };
            out.signature = crate::copies::signature(&p.norm.text, &p.boilerplate).map(|s| {
                crate::output::copy_rows::SignatureRow {
                    doc: doc.doc.clone(),
                    source: doc.meta.source.clone(),
                    published: out.document.published.clone(),
                    shingles: s.shingles as i64,
                    minhash: s.to_hex(),
                }
            });
            out.meta_extra = doc.meta.extra.clone();
            // Keep the token buffer for the next batch.
            self.spare_tokens.push(p.tokens);
            results[i] = Some(Ok(out));
        }
        laps.lap(Stage::Rows);
        results
            .into_iter()
            .map(|r| r.expect("every document has a result"))
            .collect()
    }
}

/// The `entities` rows of a document.
pub fn entity_rows(doc: &Document, spans: &Spans<'_>, ents: &[entities::Entity]) -> Vec<EntityRow> {
    ents.iter()
        .map(|e| EntityRow {
            doc: doc.doc.clone(),
            source: doc.meta.source.clone(),
            entity_type: e.entity_type.as_str().to_string(),
            text: spans.original(e.range.clone()).to_string(),
            canonical: e.canonical.clone(),
            role: e.role.clone(),
            boilerplate: e.boilerplate,
            offsets: spans.offsets(e.range.clone()),
            sentence: e.sentence as i64,
        })
        .collect()
}

/// Stage 6 rows: frame hits in body sentences, mapped to the original text. A hit's
/// incident is the one its cue's place is about ([`DocIncidents::at`]) when that is one of
/// the document's incidents, else the document's main incident, else none: so
/// `source_frames` counts each hit within an incident its document belongs to.
fn frame_rows(
    lex: &Lexicon,
    doc: &Document,
    p: &Prepared<'_>,
    spans: &Spans<'_>,
    incidents: &Incidents,
    found: &DocIncidents,
    published: Option<String>,
) -> Vec<FrameHitRow> {
    let hits = lex.find_frames(&p.norm.text, &p.sentences);
    hits.into_iter()
        .map(|h| {
            let incident = found
                .at(h.cue.start)
                .filter(|&i| found.covers(i))
                .or_else(|| found.main())
                .map_or_else(String::new, |i| incidents.incidents[i].id.clone());
            let sentence = p.sentences[h.sentence].range.clone();
            let stance_cue = h.stance_cue.map(|r| {
                let text = spans.original(r).trim().to_string();
                match h.stance_from {
                    None | Some(frame::StanceFrom::Speaker) => text,
                    Some(frame::StanceFrom::Later(_)) => format!("{text} (later sentence)"),
                    Some(frame::StanceFrom::ListLead(_)) => format!("{text} (list lead-in)"),
                }
            });
            FrameHitRow {
                doc: doc.doc.clone(),
                source: doc.meta.source.clone(),
                incident,
                frame: lex.frames[h.frame].id.clone(),
                cue: spans.original(h.cue.clone()).to_string(),
                stance: h.stance.as_str().to_string(),
                sentence_text: spans.visible(sentence),
                offsets: spans.offsets(h.cue),
                published: published.clone(),
                sentence: h.sentence as i64,
                stance_cue,
            }
        })
        .collect()
}
