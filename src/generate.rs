//! A generator of large, realistic corpora for benchmarks: `shiten gen-corpus`.
//!
//! It starts from a template corpus (our own sample articles in `corpus/`) and writes as
//! many variations as needed to reach a size: each generated article takes a template's
//! body, swaps some paragraphs with paragraphs of other articles, changes figures (the
//! digits before 円, 人, 件, 万, 億, ...), wraps it in a page frame (navigation, share
//! buttons, related-article lists) harvested from the templates' boilerplate, and is
//! assigned a source, a publication date near the template's, and an encoding (mostly
//! UTF-8, some Shift_JIS and EUC-JP). The output is deterministic for a given seed, so a
//! benchmark can be repeated on another machine.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::boilerplate;
use crate::calendar::Date;
use crate::corpus::{self, Document, Metadata};
use crate::error::{Error, Result};
use crate::normalize;

/// A small, fast, seedable generator (SplitMix64): enough for shuffling text.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// What a template contributes.
struct Template {
    body: Vec<String>,
    frame_top: Vec<String>,
    frame_bottom: Vec<String>,
    source: String,
    source_type: Option<String>,
    published: Option<Date>,
}

fn split_template(doc: &Document) -> Template {
    let norm = normalize::normalize(&doc.text);
    let boiler = boilerplate::mark(&norm.text);
    let mut body = Vec::new();
    let mut top = Vec::new();
    let mut bottom = Vec::new();
    let mut pos = 0;
    let mut seen_body = false;
    for line in norm.text.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        let r = pos..pos + content.len();
        pos += line.len();
        if content.trim().is_empty() {
            continue;
        }
        if boilerplate::covers(&boiler, &r) {
            if seen_body { &mut bottom } else { &mut top }.push(content.to_string());
        } else {
            seen_body = true;
            body.push(content.to_string());
        }
    }
    Template {
        body,
        frame_top: top,
        frame_bottom: bottom,
        source: doc.meta.source.clone(),
        source_type: doc.meta.extra.get("source_type").cloned(),
        published: doc.meta.published,
    }
}

fn is_figure_unit(c: char) -> bool {
    matches!(
        c,
        '円' | '人' | '件' | '万' | '億' | '社' | '店' | '台' | '%'
    )
}

/// Replaces the digits of figures (a digit run followed by a unit) with random digits of
/// the same length, leaving dates, times and product names (7pay) alone.
fn vary_figures(line: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ',') {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            if chars.get(i).copied().is_some_and(is_figure_unit) && rng.chance(0.6) {
                let mut first = true;
                for c in run.chars() {
                    if c == ',' {
                        out.push(',');
                    } else {
                        let d = if first {
                            1 + rng.below(9)
                        } else {
                            rng.below(10)
                        };
                        first = false;
                        out.push(char::from(b'0' + d as u8));
                    }
                }
            } else {
                out.push_str(&run);
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Options of [`generate`].
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Target size in bytes (the corpus stops at the first article past it).
    pub bytes: u64,
    /// Random seed.
    pub seed: u64,
    /// Share of articles written in Shift_JIS or EUC-JP.
    pub legacy_share: f64,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenSummary {
    /// Articles written.
    pub docs: usize,
    /// Bytes of article files written.
    pub bytes: u64,
}

/// Writes a generated corpus (articles in sub-folders of 1000, plus `metadata.csv`) into
/// `out`, which must be empty or absent, from the articles of `templates`.
pub fn generate(templates: &Path, out: &Path, opts: &GenOptions) -> Result<GenSummary> {
    let found = corpus::discover(templates).map_err(|e| Error::io(templates, e))?;
    let md = Metadata::load(templates);
    let docs: Vec<Document> = found
        .files
        .iter()
        .filter_map(|f| corpus::read_document(f, &md, corpus::DEFAULT_MAX_FILE_BYTES).ok())
        .collect();
    if docs.is_empty() {
        return Err(Error::Config(format!(
            "no readable template articles in {}",
            templates.display()
        )));
    }
    if out.exists()
        && fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .next()
            .is_some()
    {
        return Err(Error::Config(format!(
            "{} is not empty; gen-corpus writes into a new folder",
            out.display()
        )));
    }
    fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let templates: Vec<Template> = docs.iter().map(split_template).collect();
    let all_body: Vec<&String> = templates.iter().flat_map(|t| &t.body).collect();
    let mut sources: Vec<(String, Option<String>)> = templates
        .iter()
        .map(|t| (t.source.clone(), t.source_type.clone()))
        .collect();
    sources.sort();
    sources.dedup();
    for k in 0..24 {
        sources.push((format!("地方新聞{}", k + 1), Some("regional_daily".into())));
    }
    let mut rng = Rng::new(opts.seed);
    let mut md_out = csv::Writer::from_writer(Vec::new());
    md_out
        .write_record(["file", "source", "title", "url", "published", "source_type"])
        .map_err(|e| Error::Config(e.to_string()))?;
    let mut written = GenSummary { docs: 0, bytes: 0 };
    while written.bytes < opts.bytes {
        let t = &templates[rng.below(templates.len())];
        let mut lines: Vec<String> = Vec::new();
        lines.extend(t.frame_top.iter().cloned());
        for p in &t.body {
            let p = if rng.chance(0.25) {
                all_body[rng.below(all_body.len())]
            } else {
                p
            };
            lines.push(vary_figures(p, &mut rng));
        }
        lines.extend(t.frame_bottom.iter().cloned());
        let text = lines.join("\n") + "\n";
        let (source, source_type) = &sources[rng.below(sources.len())];
        let published = t
            .published
            .and_then(|d| d.add_days(rng.below(61) as i64 - 30));
        let (bytes, _enc) = if rng.chance(opts.legacy_share) {
            let enc = if rng.chance(0.5) {
                encoding_rs::SHIFT_JIS
            } else {
                encoding_rs::EUC_JP
            };
            let (b, _, unmappable) = enc.encode(&text);
            if unmappable {
                (text.clone().into_bytes(), "UTF-8")
            } else {
                (b.into_owned(), enc.name())
            }
        } else {
            (text.clone().into_bytes(), "UTF-8")
        };
        let rel = format!("g{:04}/{:07}.txt", written.docs / 1000, written.docs);
        let path = out.join(&rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        fs::write(&path, &bytes).map_err(|e| Error::io(&path, e))?;
        let title = t
            .body
            .first()
            .map(|l| l.chars().take(40).collect::<String>());
        md_out
            .write_record([
                rel.as_str(),
                source.as_str(),
                title.as_deref().unwrap_or(""),
                &format!("https://news.example.jp/{}", written.docs),
                &published.map(|d| d.to_string()).unwrap_or_default(),
                source_type.as_deref().unwrap_or(""),
            ])
            .map_err(|e| Error::Config(e.to_string()))?;
        written.docs += 1;
        written.bytes += bytes.len() as u64;
    }
    let md_bytes = md_out
        .into_inner()
        .map_err(|e| Error::Config(e.to_string()))?;
    let md_path = out.join(corpus::METADATA_FILE);
    fs::File::create(&md_path)
        .and_then(|mut f| f.write_all(&md_bytes))
        .map_err(|e| Error::io(&md_path, e))?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_vary_but_dates_and_names_do_not() {
        let mut rng = Rng::new(1);
        let line = "7payは7月4日、被害額が約5500万円、900人と発表した";
        let mut changed = false;
        for _ in 0..20 {
            let v = vary_figures(line, &mut rng);
            assert!(v.starts_with("7payは7月4日、被害額が約"), "{v}");
            assert_eq!(v.chars().count(), line.chars().count());
            changed |= v != line;
        }
        assert!(changed);
    }

    #[test]
    fn generation_is_deterministic_and_reaches_the_size() {
        let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let dir = tempfile::tempdir().unwrap();
        let opts = GenOptions {
            bytes: 300_000,
            seed: 7,
            legacy_share: 0.1,
        };
        let a = generate(&templates, &dir.path().join("a"), &opts).unwrap();
        let b = generate(&templates, &dir.path().join("b"), &opts).unwrap();
        assert_eq!(a, b);
        assert!(a.bytes >= 300_000 && a.docs > 20);
        let ma = fs::read(dir.path().join("a/metadata.csv")).unwrap();
        assert_eq!(ma, fs::read(dir.path().join("b/metadata.csv")).unwrap());
        let f = fs::read(dir.path().join("a/g0000/0000005.txt")).unwrap();
        assert_eq!(f, fs::read(dir.path().join("b/g0000/0000005.txt")).unwrap());
        assert!(
            generate(&templates, &dir.path().join("a"), &opts).is_err(),
            "refuses a non-empty folder"
        );
    }
}
