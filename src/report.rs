//! `outputs/report.html`: one self-contained page for people (inline CSS and SVG, no
//! scripts, no fonts or images from the network) built from the output rows alone:
//!
//! 1. per incident (`source_frames.incident`, articles on no listed incident last), a
//!    source × frame heatmap (colour = share of the source's articles on the incident that
//!    give the frame, numbers in every cell, a bar of the stances of its hits, a marker
//!    where the source differs from the incident's other sources by Fisher's exact test
//!    after the Benjamini–Hochberg adjustment for the incident's many tests (q < 0.05), and
//!    a note on cells that rest on one article), with links to show one incident at a time;
//! 2. the frames and what each claims;
//! 3. the figures-across-sources table, when a `figures` table is given;
//! 4. for every non-empty cell (incident, source, frame), the evidence sentences with
//!    source, date, stance and a relative link to the article file.
//!
//! Every piece of text from the corpus is HTML-escaped. The page holds no time stamp, so the
//! same rows give the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::error::Result;
use crate::frame::Stance;
use crate::output::atomic::write_atomic;
use crate::output::rows::{DocumentRow, FigureRow, FrameHitRow, SourceFrameRow};

/// File name of the report in the output folder.
pub const REPORT_FILE: &str = "report.html";

/// A frame as the lexicon describes it (for labels; ids alone also work).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    /// Identifier.
    pub id: String,
    /// Label for people.
    pub label: String,
    /// What the frame claims.
    pub description: String,
}

/// Everything the report shows.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// `documents` rows of (at least) the articles the hits come from: titles, links
    /// and dates of the evidence.
    pub documents: &'a [DocumentRow],
    /// Number of articles.
    pub n_documents: usize,
    /// Number of outlets.
    pub n_sources: usize,
    /// `frame_hits` rows.
    pub hits: &'a [FrameHitRow],
    /// `source_frames` rows.
    pub source_frames: &'a [SourceFrameRow],
    /// `figures` rows, when that table exists: all of them, or only the first
    /// [`FIGURES_PER_MEASURE`] of each measure when `figure_totals` is given.
    pub figures: Option<&'a [FigureRow]>,
    /// Rows of each measure in the whole `figures` table, when `figures` holds only the
    /// rows shown.
    pub figure_totals: Option<&'a BTreeMap<String, usize>>,
    /// Frames in lexicon order (may be empty).
    pub frames: &'a [FrameInfo],
    /// Relative URL prefix from the report to the corpus folder (`../corpus/`), if known.
    pub article_base: Option<&'a str>,
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay).
fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The relative URL from folder `from` to folder `to` (both made absolute first), ending
/// in `/`; `None` when there is no relative way (different drives).
pub fn relative_url(from: &Path, to: &Path) -> Option<String> {
    let abs = |p: &Path| -> Option<PathBuf> {
        std::fs::canonicalize(p).ok().or_else(|| {
            let base = std::env::current_dir().ok()?;
            Some(base.join(p))
        })
    };
    let (from, to) = (abs(from)?, abs(to)?);
    let f: Vec<Component<'_>> = from.components().collect();
    let t: Vec<Component<'_>> = to.components().collect();
    if f.first() != t.first() {
        return None;
    }
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| encode_segment(&c.as_os_str().to_string_lossy())),
    );
    let mut s = parts.join("/");
    if !s.is_empty() {
        s.push('/');
    }
    Some(s)
}

fn article_href(base: &str, doc: &str) -> String {
    let path: Vec<String> = doc.split('/').map(encode_segment).collect();
    format!("{base}{}", path.join("/"))
}

/// Blues, from white (share 0) to dark blue (share 1).
fn colour(share: f64) -> String {
    let stops = [
        (0.0, (247, 251, 255)),
        (0.25, (198, 219, 239)),
        (0.5, (107, 174, 214)),
        (0.75, (33, 113, 181)),
        (1.0, (8, 48, 107)),
    ];
    let x = share.clamp(0.0, 1.0);
    let k = stops.iter().rposition(|s| s.0 <= x).unwrap_or(0).min(3);
    let (x0, c0) = stops[k];
    let (x1, c1) = stops[k + 1];
    let t = (x - x0) / (x1 - x0);
    let mix = |a: i32, b: i32| (a as f64 + (b - a) as f64 * t).round() as i32;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(c0.0, c1.0),
        mix(c0.1, c1.1),
        mix(c0.2, c1.2)
    )
}

const STANCE_COLOURS: [&str; 4] = ["#1b7837", "#5e3c99", "#e08214", "#b2182b"];

fn stance_label(s: Stance) -> &'static str {
    match s {
        Stance::Asserted => "asserted（媒体自身の主張）",
        Stance::Reported => "reported（会社・専門家などの発言として）",
        Stance::Doubted => "doubted（疑問視）",
        Stance::Negated => "negated（否定）",
    }
}

fn fmt_p(p: Option<f64>) -> String {
    match p {
        None => "–".into(),
        Some(p) if p < 0.001 => "< 0.001".into(),
        Some(p) => format!("{p:.3}"),
    }
}

/// Display width of a label in SVG user units at font size 13 (CJK counts double).
fn text_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 7 } else { 13 }).sum()
}

/// Evidence sentences shown per source × frame cell (all of them are in `frame_hits`).
pub const EVIDENCE_PER_CELL: usize = 30;
/// Rows of the figures table shown per measure (all of them are in `figures`).
pub const FIGURES_PER_MEASURE: usize = 40;

/// Renders the report page.
pub fn render(input: &ReportInput<'_>) -> String {
    let docs_by_name: BTreeMap<&str, &DocumentRow> = input
        .documents
        .iter()
        .map(|d| (d.doc.as_str(), d))
        .collect();
    // Columns: lexicon order first, then any other frame in the rows.
    let mut frames: Vec<FrameInfo> = Vec::new();
    let present: BTreeSet<&str> = input
        .source_frames
        .iter()
        .map(|r| r.frame.as_str())
        .collect();
    for f in input.frames {
        if present.contains(f.id.as_str()) {
            frames.push(f.clone());
        }
    }
    for id in &present {
        if !frames.iter().any(|f| f.id == *id) {
            frames.push(FrameInfo {
                id: (*id).to_string(),
                label: (*id).to_string(),
                description: String::new(),
            });
        }
    }
    let incidents = incident_views(input.source_frames, &frames);
    let n_sources = input.n_sources;

    let mut h = String::with_capacity(64 * 1024);
    h.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<title>shiten（視点）レポート: 各媒体は原因をどう説明したか</title>\n<style>\n",
        "body{font-family:\"Noto Sans CJK JP\",\"Hiragino Sans\",\"Yu Gothic\",\"Meiryo\",sans-serif;",
        "margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222;line-height:1.6}\n",
        "h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:2px solid #08306b;margin-top:2.5rem}\n",
        "h3{margin-top:2rem}h4{margin:1.2rem 0 .3rem}\n",
        ".lead{color:#555}.note{color:#555;font-size:.9rem}\n",
        "svg text{font-family:inherit}\n",
        "table{border-collapse:collapse;width:100%;font-size:.92rem}\n",
        "th,td{border:1px solid #ccd;padding:.3rem .45rem;vertical-align:top;text-align:left}\n",
        "th{background:#eef2f8}\n",
        "td.num{text-align:right;white-space:nowrap}\n",
        "mark{background:#ffe58a;padding:0 .1em}\n",
        ".stance{white-space:nowrap;font-weight:bold}\n",
        ".asserted{color:#1b7837}.reported{color:#5e3c99}.doubted{color:#e08214}.negated{color:#b2182b}\n",
        ".legend span{display:inline-block;margin-right:1rem}\n",
        ".sw{display:inline-block;width:1rem;height:.8rem;vertical-align:middle;margin-right:.25rem;border:1px solid #999}\n",
        "dl.frames dt{font-weight:bold;margin-top:.6rem}dl.frames dd{margin-left:1.5rem}\n",
        "nav a{margin-right:1rem}\n",
        "</style>\n</head>\n<body>\n"
    ));
    let _ = writeln!(
        h,
        "<header><h1>各媒体は原因をどう説明したか</h1>\n<p class=\"lead\">shiten（視点）: \
         {} 本の記事、{} の媒体。原因の説明（フレーム）ごとに、それを取り上げた記事の割合と、\
         その根拠となった文を示します。</p>\n<nav><a href=\"#heatmap\">媒体 × フレーム</a>\
         <a href=\"#frames\">フレームの説明</a><a href=\"#figures\">数字の比較</a>\
         <a href=\"#evidence\">根拠の文</a></nav></header>",
        input.n_documents, n_sources
    );

    // 1. Heatmaps, one per incident.
    h.push_str("<section id=\"heatmap\">\n<h2>媒体 × フレーム</h2>\n");
    h.push_str(
        "<p class=\"note\">事件（インシデント）ごとに一つの表です。媒体どうしは同じ事件を報じた記事の中で比べます。\
         マスの色と数字: その媒体のその事件の記事のうち、そのフレームを本文で取り上げた記事の数と割合。\
         下の帯: その根拠となった文のスタンスの内訳。<b>★▲</b> / <b>★▼</b>: 同じ事件のほかの媒体より多い / 少なく、\
         その差が統計的に有意（Fisher の正確検定、両側。事件の表のすべてのマスを同時に検定するので、偶然の「有意」を\
         抑える Benjamini–Hochberg 法で補正した q &lt; 0.05、太枠）。<b>1記事</b>: そのフレームを取り上げた記事が\
         1 本だけのマス（割合は 1 本の記事で決まっています）。マスを選ぶと根拠の文に移動します。</p>\n",
    );
    let _ = write!(h, "<p class=\"legend\">");
    for s in Stance::ALL {
        let _ = write!(
            h,
            "<span><i class=\"sw\" style=\"background:{}\"></i>{}</span>",
            STANCE_COLOURS[s as usize],
            escape(stance_label(s))
        );
    }
    h.push_str("</p>\n");
    if incidents.is_empty() {
        h.push_str("<p>フレームの手がかりは見つかりませんでした。</p>\n");
    } else {
        if incidents.len() > 1 {
            // One incident at a time: each table has its own anchor.
            h.push_str("<nav class=\"incidents\">事件: ");
            for (k, v) in incidents.iter().enumerate() {
                let _ = write!(
                    h,
                    "<a href=\"#incident-{k}\">{}</a>",
                    escape(&incident_label(v.id))
                );
            }
            h.push_str("</nav>\n");
        }
        for (k, v) in incidents.iter().enumerate() {
            let _ = writeln!(
                h,
                "<h3 id=\"incident-{k}\" data-incident=\"{}\">{}（{} 本の記事、{} の媒体）</h3>",
                escape(v.id),
                escape(&incident_label(v.id)),
                v.docs,
                v.sources.len()
            );
            write_heatmap(&mut h, k, v, &frames);
        }
    }
    h.push_str("</section>\n");

    // 2. Frames.
    h.push_str("<section id=\"frames\">\n<h2>フレームの説明</h2>\n<dl class=\"frames\">\n");
    for f in &frames {
        let _ = writeln!(
            h,
            "<dt>{} <code>{}</code></dt><dd>{}</dd>",
            escape(&f.label),
            escape(&f.id),
            escape(&f.description)
        );
    }
    h.push_str("</dl>\n</section>\n");

    // 3. Figures.
    h.push_str("<section id=\"figures\">\n<h2>数字の比較（媒体ごとの被害額・人数など）</h2>\n");
    match input.figures {
        Some(rows) if !rows.is_empty() => write_figures(&mut h, rows, input.figure_totals),
        _ => h.push_str("<p class=\"note\">この実行には figures 表がありません。</p>\n"),
    }
    h.push_str("</section>\n");

    // 4. Evidence.
    h.push_str("<section id=\"evidence\">\n<h2>根拠の文</h2>\n");
    let mut hits_by_cell: BTreeMap<(&str, &str, &str), Vec<&FrameHitRow>> = BTreeMap::new();
    for hit in input.hits {
        let source = docs_by_name
            .get(hit.doc.as_str())
            .map_or(hit.source.as_str(), |d| d.source.as_str());
        hits_by_cell
            .entry((hit.incident.as_str(), source, hit.frame.as_str()))
            .or_default()
            .push(hit);
    }
    for (j, f) in frames.iter().enumerate() {
        let _ = writeln!(h, "<h3 id=\"frame-{j}\">{}</h3>", escape(&f.label));
        for (k, v) in incidents.iter().enumerate() {
            for (i, s) in v.sources.iter().enumerate() {
                let Some(hs) = hits_by_cell.get(&(v.id, *s, f.id.as_str())) else {
                    continue;
                };
                let r = v.cell.get(&(*s, f.id.as_str()));
                let _ = writeln!(
                    h,
                    "<h4 id=\"ev-{k}-{i}-{j}\">{} — {} — {}（{} / {} 記事）</h4>",
                    escape(&incident_label(v.id)),
                    escape(s),
                    escape(&f.label),
                    r.map_or(0, |r| r.docs),
                    r.map_or(0, |r| r.docs_total)
                );
                h.push_str(
                    "<table class=\"evidence\"><thead><tr><th>媒体</th><th>日付</th><th>スタンス</th>\
                     <th>文</th><th>記事</th></tr></thead><tbody>\n",
                );
                let shown = hs.len().min(EVIDENCE_PER_CELL);
                for hit in &hs[..shown] {
                    write_evidence_row(&mut h, hit, &docs_by_name, input.article_base);
                }
                h.push_str("</tbody></table>\n");
                let total = r.map_or(0, |r| r.hits).max(hs.len() as i64);
                if total > shown as i64 {
                    let _ = writeln!(
                        h,
                        "<p class=\"note\">全 {total} 文のうち最初の {shown} 文を表示しています。\
                         すべての文は frame_hits.csv にあります。</p>"
                    );
                }
            }
        }
    }
    h.push_str("</section>\n");
    h.push_str(
        "<footer><p class=\"note\">shiten が出力表（documents, frame_hits, source_frames, figures）\
         から作成。本文の文だけを数えています（ナビゲーションや関連記事の一覧は除外）。</p></footer>\n",
    );
    h.push_str("</body>\n</html>\n");
    h
}

/// One incident's table: its sources, the frames its articles give (indices into the
/// report's frames) and its `source_frames` rows by (source, frame).
struct IncidentView<'r> {
    id: &'r str,
    /// Articles on the incident (every source's `docs_total`).
    docs: i64,
    sources: Vec<&'r str>,
    frames: Vec<usize>,
    cell: BTreeMap<(&'r str, &'r str), &'r SourceFrameRow>,
}

/// The incidents of the rows, named ones in id order, articles on none last.
fn incident_views<'r>(rows: &'r [SourceFrameRow], frames: &[FrameInfo]) -> Vec<IncidentView<'r>> {
    let mut by_incident: BTreeMap<&str, Vec<&SourceFrameRow>> = BTreeMap::new();
    for r in rows {
        by_incident.entry(r.incident.as_str()).or_default().push(r);
    }
    let mut out: Vec<IncidentView<'r>> = by_incident
        .into_iter()
        .map(|(id, rs)| {
            let cell: BTreeMap<(&str, &str), &SourceFrameRow> = rs
                .iter()
                .map(|r| ((r.source.as_str(), r.frame.as_str()), *r))
                .collect();
            let mut docs_total: BTreeMap<&str, i64> = BTreeMap::new();
            for r in &rs {
                docs_total.insert(r.source.as_str(), r.docs_total);
            }
            let present: BTreeSet<&str> = rs.iter().map(|r| r.frame.as_str()).collect();
            IncidentView {
                id,
                docs: docs_total.values().sum(),
                sources: docs_total.keys().copied().collect(),
                frames: (0..frames.len())
                    .filter(|&j| present.contains(frames[j].id.as_str()))
                    .collect(),
                cell,
            }
        })
        .collect();
    if out.first().is_some_and(|v| v.id.is_empty()) {
        out.rotate_left(1);
    }
    out
}

/// How the report names an incident (the empty one: articles on no listed incident).
fn incident_label(id: &str) -> String {
    if id.is_empty() {
        "どの事件にも当たらない記事".to_string()
    } else {
        id.to_string()
    }
}

/// The heatmap of incident number `k`.
fn write_heatmap(h: &mut String, k: usize, v: &IncidentView<'_>, all_frames: &[FrameInfo]) {
    let sources = &v.sources;
    let frames: Vec<(usize, &FrameInfo)> = v.frames.iter().map(|&j| (j, &all_frames[j])).collect();
    let cell = &v.cell;
    // Per frame: (articles giving it, all articles), over every source of the incident.
    let mut frame_totals: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for r in cell.values() {
        let t = frame_totals.entry(r.frame.as_str()).or_default();
        t.0 += r.docs;
        t.1 += r.docs_total;
    }
    let (cw, ch) = (96usize, 52usize);
    let label_w = sources.iter().map(|s| text_width(s)).max().unwrap_or(60) + 24;
    let head_h = frames
        .iter()
        .map(|(_, f)| text_width(&f.label))
        .max()
        .unwrap_or(60)
        * 7
        / 10
        + 30;
    let width = label_w + cw * frames.len() + 40 + head_h / 2;
    let height = head_h + ch * sources.len() + 10;
    let _ = writeln!(
        h,
        "<svg id=\"heatmap-svg-{k}\" class=\"heatmap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"媒体 × フレームのヒートマップ\">"
    );
    for (c, (_, f)) in frames.iter().enumerate() {
        let x = label_w + c * cw + cw / 2;
        let _ = writeln!(
            h,
            "<text class=\"col-label\" x=\"{x}\" y=\"{}\" font-size=\"13\" transform=\"rotate(-35 {x} {})\">\
             <title>{}</title>{}</text>",
            head_h - 8,
            head_h - 8,
            escape(&f.id),
            escape(&f.label)
        );
    }
    for (i, s) in sources.iter().enumerate() {
        let y = head_h + i * ch;
        let _ = writeln!(
            h,
            "<text class=\"row-label\" x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\">{}</text>",
            label_w - 10,
            y + ch / 2 + 5,
            escape(s)
        );
        for (c, &(j, f)) in frames.iter().enumerate() {
            let x = label_w + c * cw;
            let Some(r) = cell.get(&(*s, f.id.as_str())) else {
                continue;
            };
            // Stars on q, not p: with many cells, some p < 0.05 by chance alone.
            let significant = r.q_value.is_some_and(|q| q < 0.05);
            let one_article = r.docs == 1;
            let fg = if r.share > 0.55 { "#fff" } else { "#111" };
            let title = format!(
                "{} / {s} / {}: {} / {} 記事 ({:.0}%){}, 文 {} (asserted {}, reported {}, doubted {}, negated {}), \
                 Fisher p = {}, q = {} (Benjamini–Hochberg), 調整済み残差 = {}",
                incident_label(v.id),
                f.label,
                r.docs,
                r.docs_total,
                r.share * 100.0,
                if one_article {
                    "、1 本の記事だけに基づく"
                } else {
                    ""
                },
                r.hits,
                r.hits_asserted,
                r.hits_reported,
                r.hits_doubted,
                r.hits_negated,
                fmt_p(r.p_value),
                fmt_p(r.q_value),
                r.std_residual.map_or("–".into(), |v| format!("{v:.2}"))
            );
            let open = if r.docs > 0 {
                format!("<a href=\"#ev-{k}-{i}-{j}\">")
            } else {
                String::new()
            };
            let _ = write!(
                h,
                "{open}<g class=\"cell\" data-source=\"{}\" data-frame=\"{}\" data-docs=\"{}\" data-incident=\"{}\"><title>{}</title>\
                 <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"{}\" stroke-width=\"{}\"/>\
                 <text x=\"{}\" y=\"{}\" font-size=\"15\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"{fg}\">{}/{}</text>\
                 <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"{fg}\">{:.0}%{}</text>",
                escape(s),
                escape(&f.id),
                r.docs,
                escape(v.id),
                escape(&title),
                x + 2,
                y + 2,
                cw - 4,
                ch - 4,
                colour(r.share),
                if significant { "#111" } else { "#fff" },
                if significant { 2.5 } else { 1.0 },
                x + cw / 2,
                y + 22,
                r.docs,
                r.docs_total,
                x + cw / 2,
                y + 36,
                r.share * 100.0,
                if one_article { "・1記事" } else { "" }
            );
            if significant {
                // More or fewer than the other sources' articles?
                let (others_with, others_all) = frame_totals
                    .get(f.id.as_str())
                    .map_or((0, 0), |&(w, a)| (w - r.docs, a - r.docs_total));
                let more = others_all == 0
                    || r.docs as f64 / r.docs_total.max(1) as f64
                        > others_with as f64 / others_all as f64;
                let _ = write!(
                    h,
                    "<text class=\"sig\" x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"{fg}\">{}</text>",
                    x + cw - 20,
                    y + 17,
                    if more { "★▲" } else { "★▼" }
                );
            }
            // Stance bar.
            if r.hits > 0 {
                let bar_w = (cw - 16) as f64;
                let mut bx = (x + 8) as f64;
                let counts = [
                    r.hits_asserted,
                    r.hits_reported,
                    r.hits_doubted,
                    r.hits_negated,
                ];
                for (k, c) in counts.iter().enumerate() {
                    if *c == 0 {
                        continue;
                    }
                    let w = bar_w * *c as f64 / r.hits as f64;
                    let _ = write!(
                        h,
                        "<rect x=\"{bx:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"6\" fill=\"{}\"/>",
                        y + ch - 12,
                        STANCE_COLOURS[k]
                    );
                    bx += w;
                }
            }
            h.push_str("</g>");
            if r.docs > 0 {
                h.push_str("</a>");
            }
            h.push('\n');
        }
    }
    h.push_str("</svg>\n");
}

fn write_figures(h: &mut String, rows: &[FigureRow], totals: Option<&BTreeMap<String, usize>>) {
    h.push_str(
        "<table class=\"figures\"><thead><tr><th>指標</th><th>媒体</th><th>時点</th><th>値</th>\
         <th>単位</th><th>概数</th><th>判定</th><th>比較対象</th><th>記事</th></tr></thead><tbody>\n",
    );
    let mut k = 0;
    while k < rows.len() {
        let measure = &rows[k].measure;
        let here = rows[k..]
            .iter()
            .take_while(|r| &r.measure == measure)
            .count();
        for r in &rows[k..k + here.min(FIGURES_PER_MEASURE)] {
            write_figure_row(h, r);
        }
        let n = totals.and_then(|t| t.get(measure)).copied().unwrap_or(here);
        if n > FIGURES_PER_MEASURE {
            let _ = writeln!(
                h,
                "<tr><td colspan=\"9\" class=\"note\">{}: ほか {} 行は figures.csv にあります。</td></tr>",
                escape(measure),
                n - FIGURES_PER_MEASURE
            );
        }
        k += here;
    }
    h.push_str("</tbody></table>\n");
}

fn write_figure_row(h: &mut String, r: &FigureRow) {
    let o = |s: &Option<String>| escape(s.as_deref().unwrap_or(""));
    let _ = writeln!(
        h,
        "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td>\
         <td>{}</td><td>{}</td><td>{}</td></tr>",
        escape(&r.measure),
        escape(&r.source),
        o(&r.as_of),
        o(&r.value),
        o(&r.unit),
        if r.approx { "約" } else { "" },
        escape(&r.verdict),
        o(&r.compared_with),
        escape(&short_list(&r.docs, 5))
    );
}

/// The first `n` items of a `; `-separated list, then how many more.
fn short_list(list: &str, n: usize) -> String {
    let items: Vec<&str> = list.split("; ").collect();
    if items.len() <= n {
        return list.to_string();
    }
    format!("{}; ほか {} 件", items[..n].join("; "), items.len() - n)
}

fn write_evidence_row(
    h: &mut String,
    hit: &FrameHitRow,
    docs: &BTreeMap<&str, &DocumentRow>,
    base: Option<&str>,
) {
    let d = docs.get(hit.doc.as_str());
    let date = hit
        .published
        .clone()
        .or_else(|| d.and_then(|d| d.published.clone()))
        .unwrap_or_else(|| "日付なし".into());
    let sentence = hit.sentence_text.replace(['\r', '\n'], "");
    let cue = hit.cue.replace(['\r', '\n'], "");
    let text = match sentence.find(&cue).filter(|_| !cue.is_empty()) {
        Some(at) => format!(
            "{}<mark>{}</mark>{}",
            escape(&sentence[..at]),
            escape(&cue),
            escape(&sentence[at + cue.len()..])
        ),
        None => escape(&sentence),
    };
    let stance_title = hit
        .stance_cue
        .as_deref()
        .map(|c| format!(" title=\"決め手: {}\"", escape(c)))
        .unwrap_or_default();
    let title = d.and_then(|d| d.title.as_deref()).unwrap_or(&hit.doc);
    let link = match base {
        Some(b) => format!(
            "<a href=\"{}\">{}</a>",
            escape(&article_href(b, &hit.doc)),
            escape(title)
        ),
        None => escape(title),
    };
    let source = d.map_or(hit.source.as_str(), |d| d.source.as_str());
    let _ = writeln!(
        h,
        "<tr class=\"hit\"><td>{}</td><td class=\"num\">{}</td><td class=\"stance {st}\"{stance_title}>{st}</td>\
         <td>{text}</td><td>{link}</td></tr>",
        escape(source),
        escape(&date),
        st = escape(&hit.stance),
    );
}

/// Renders the report and writes it atomically as `dir/report.html`.
pub fn write_report(dir: &Path, input: &ReportInput<'_>) -> Result<PathBuf> {
    let html = render(input);
    let path = dir.join(REPORT_FILE);
    write_atomic(&path, |w| std::io::Write::write_all(w, html.as_bytes()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources_of(docs: &[DocumentRow]) -> usize {
        docs.iter()
            .map(|d| &d.source)
            .collect::<BTreeSet<_>>()
            .len()
    }

    #[test]
    fn escapes_everything_from_the_corpus() {
        assert_eq!(
            escape("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
        let docs = [DocumentRow {
            doc: "x<y>.txt".into(),
            source: "<b>媒体</b>".into(),
            title: Some("見出し<script>".into()),
            ..DocumentRow::default()
        }];
        let hits = [FrameHitRow {
            doc: "x<y>.txt".into(),
            source: "<b>媒体</b>".into(),
            frame: "two_factor_auth".into(),
            cue: "二段階認証".into(),
            stance: "asserted".into(),
            sentence_text: "<img src=x onerror=alert(1)>二段階認証がなかった".into(),
            ..FrameHitRow::default()
        }];
        let sf = crate::aggregate::source_frames(&docs, &hits);
        let html = render(&ReportInput {
            documents: &docs,
            n_documents: docs.len(),
            n_sources: sources_of(&docs),
            hits: &hits,
            source_frames: &sf,
            figures: None,
            figure_totals: None,
            frames: &[],
            article_base: Some("../corpus/"),
        });
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<b>媒体"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;<mark>二段階認証</mark>"));
        assert!(html.contains("href=\"../corpus/x%3Cy%3E.txt\""));
        assert!(!html.contains("http://") || html.matches("http://").count() == 1); // SVG namespace only
    }

    #[test]
    fn marks_significant_cells_and_renders_figures() {
        let docs: Vec<DocumentRow> = (0..12)
            .map(|k| DocumentRow {
                doc: format!("d{k}.txt"),
                source: if k < 6 { "A" } else { "B" }.into(),
                ..DocumentRow::default()
            })
            .collect();
        // All of A's articles give the frame, none of B's: Fisher p = 0.002.
        let hits: Vec<FrameHitRow> = (0..6)
            .map(|k| FrameHitRow {
                doc: format!("d{k}.txt"),
                source: "A".into(),
                frame: "rushed_launch".into(),
                cue: "見切り発車".into(),
                stance: "asserted".into(),
                sentence_text: "見切り発車だった。".into(),
                ..FrameHitRow::default()
            })
            .collect();
        let sf = crate::aggregate::source_frames(&docs, &hits);
        assert!(sf[0].p_value.unwrap() < 0.05);
        let figures = [FigureRow {
            measure: "damage_amount".into(),
            source: "<東邦通信>".into(),
            value: Some("38615473".into()),
            verdict: "same".into(),
            docs: "016.txt".into(),
            ..FigureRow::default()
        }];
        let frames = [FrameInfo {
            id: "rushed_launch".into(),
            label: "見切り発車".into(),
            description: "The launch date came first.".into(),
        }];
        let input = ReportInput {
            documents: &docs,
            n_documents: docs.len(),
            n_sources: sources_of(&docs),
            hits: &hits,
            source_frames: &sf,
            figures: Some(&figures),
            figure_totals: None,
            frames: &frames,
            article_base: None,
        };
        let html = render(&input);
        assert_eq!(html.matches("class=\"sig\"").count(), 2, "A more, B fewer");
        assert!(html.contains("★▲</text>") && html.contains("★▼</text>"));
        assert!(html.contains("<td>&lt;東邦通信&gt;</td>"));
        assert!(html.contains("<td class=\"num\">38615473</td>"));
        assert_eq!(html.matches("<tr class=\"hit\"").count(), 6);
        let without = render(&ReportInput {
            figures: None,
            figure_totals: None,
            ..input
        });
        assert!(without.contains("figures 表がありません"));
        assert_eq!(render(&input), html, "same rows, same bytes");
    }

    #[test]
    fn stars_follow_q_values_and_one_article_cells_say_so() {
        let row = |source: &str, frame: &str, docs: i64, p: f64, q: f64| SourceFrameRow {
            source: source.into(),
            frame: frame.into(),
            docs,
            docs_total: 4,
            share: docs as f64 / 4.0,
            hits: docs,
            hits_asserted: docs,
            p_value: Some(p),
            q_value: Some(q),
            ..SourceFrameRow::default()
        };
        let sf = [
            // p < 0.05 but not after the adjustment: no star.
            row("A", "rushed_launch", 4, 0.01, 0.2),
            // Significant after the adjustment.
            row("A", "two_factor_auth", 4, 0.001, 0.004),
            row("B", "rushed_launch", 1, 0.5, 0.6),
            row("B", "two_factor_auth", 0, 0.001, 0.004),
        ];
        let html = render(&ReportInput {
            documents: &[],
            n_documents: 8,
            n_sources: 2,
            hits: &[],
            source_frames: &sf,
            figures: None,
            figure_totals: None,
            frames: &[],
            article_base: None,
        });
        assert_eq!(html.matches("class=\"sig\"").count(), 2, "{html}");
        let cell = |s: &str, f: &str| {
            let at = html
                .find(&format!("data-source=\"{s}\" data-frame=\"{f}\""))
                .unwrap();
            &html[at..at + html[at..].find("</g>").unwrap()]
        };
        assert!(!cell("A", "rushed_launch").contains("★"));
        assert!(cell("A", "two_factor_auth").contains("★▲"));
        assert!(cell("B", "two_factor_auth").contains("★▼"));
        assert!(cell("A", "rushed_launch").contains("q = 0.200"));
        // The cell that rests on one article says so, in the cell and in its title.
        assert!(cell("B", "rushed_launch").contains("25%・1記事"));
        assert!(cell("B", "rushed_launch").contains("1 本の記事だけに基づく"));
        assert!(!cell("A", "rushed_launch").contains("1記事"));
    }

    #[test]
    fn one_heatmap_per_incident_with_its_own_evidence() {
        let on = |d: &str, s: &str, inc: &str| DocumentRow {
            doc: d.into(),
            source: s.into(),
            incidents: inc.into(),
            ..DocumentRow::default()
        };
        let docs = [
            on("a1", "A", "7pay"),
            on("b1", "B", "7pay"),
            on("a2", "A", "docomo"),
            on("c1", "C", ""),
        ];
        let hit = |d: &str, s: &str, f: &str, inc: &str| FrameHitRow {
            doc: d.into(),
            source: s.into(),
            incident: inc.into(),
            frame: f.into(),
            cue: "手がかり".into(),
            stance: "asserted".into(),
            sentence_text: format!("{d}の手がかりの文。"),
            ..FrameHitRow::default()
        };
        let hits = [
            hit("a1", "A", "two_factor_auth", "7pay"),
            hit("a2", "A", "list_based_attack", "docomo"),
            hit("c1", "C", "two_factor_auth", ""),
        ];
        let sf = crate::aggregate::source_frames(&docs, &hits);
        let html = render(&ReportInput {
            documents: &docs,
            n_documents: docs.len(),
            n_sources: sources_of(&docs),
            hits: &hits,
            source_frames: &sf,
            figures: None,
            figure_totals: None,
            frames: &[],
            article_base: None,
        });
        // Named incidents in order, articles on none last; a link to each table.
        let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle}"));
        assert!(at("data-incident=\"7pay\"") < at("data-incident=\"docomo\""));
        assert!(at("data-incident=\"docomo\"") < at("どの事件にも当たらない記事（"));
        assert_eq!(html.matches("<svg id=\"heatmap-svg-").count(), 3);
        assert!(html.contains("<a href=\"#incident-1\">docomo</a>"));
        // docomo's table holds A's list-based attack only; B wrote on 7pay alone.
        let table = |k: usize| {
            let a = at(&format!("<svg id=\"heatmap-svg-{k}\""));
            &html[a..a + html[a..].find("</svg>").unwrap()]
        };
        assert_eq!(
            table(0).matches("<g class=\"cell\"").count(),
            2,
            "7pay: A, B"
        );
        assert!(table(1).contains("data-source=\"A\" data-frame=\"list_based_attack\""));
        assert!(!table(1).contains("data-source=\"B\""));
        assert!(!table(1).contains("two_factor_auth"));
        // Every cell link leads to its evidence, which holds that incident's hits only.
        for (k, i, j) in [(0, 0, 1), (1, 0, 0), (2, 0, 1)] {
            assert!(
                html.contains(&format!("href=\"#ev-{k}-{i}-{j}\"")),
                "{k}-{i}-{j}"
            );
            assert!(
                html.contains(&format!("<h4 id=\"ev-{k}-{i}-{j}\"")),
                "{k}-{i}-{j}"
            );
        }
        assert_eq!(html.matches("<tr class=\"hit\"").count(), 3);
    }

    #[test]
    fn relative_urls_between_folders() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("outputs");
        let corpus = d.path().join("my corpus");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(&corpus).unwrap();
        assert_eq!(relative_url(&out, &corpus).unwrap(), "../my%20corpus/");
        assert_eq!(relative_url(&out, &out).unwrap(), "");
        assert_eq!(
            article_href("../c/", "sub/記事 1.txt"),
            "../c/sub/%E8%A8%98%E4%BA%8B%201.txt"
        );
    }

    #[test]
    fn colours_run_from_white_to_dark_blue() {
        assert_eq!(colour(0.0), "#f7fbff");
        assert_eq!(colour(1.0), "#08306b");
        assert_eq!(colour(0.5), "#6baed6");
    }

    #[test]
    fn long_cells_and_figure_lists_are_cut_with_a_pointer_to_the_tables() {
        let docs: Vec<DocumentRow> = (0..40)
            .map(|k| DocumentRow {
                doc: format!("d{k:02}.txt"),
                source: if k < 35 { "A" } else { "B" }.into(),
                ..DocumentRow::default()
            })
            .collect();
        let hits: Vec<FrameHitRow> = (0..35)
            .map(|k| FrameHitRow {
                doc: format!("d{k:02}.txt"),
                source: "A".into(),
                frame: "rushed_launch".into(),
                cue: "見切り発車".into(),
                stance: "asserted".into(),
                sentence_text: format!("見切り発車だった（{k}）。"),
                ..FrameHitRow::default()
            })
            .collect();
        let sf = crate::aggregate::source_frames(&docs, &hits);
        let figures: Vec<FigureRow> = (0..45)
            .map(|k| FigureRow {
                measure: "victims".into(),
                source: format!("S{k:02}"),
                value: Some("808".into()),
                verdict: "same".into(),
                docs: (0..8)
                    .map(|d| format!("x{d}.txt"))
                    .collect::<Vec<_>>()
                    .join("; "),
                ..FigureRow::default()
            })
            .collect();
        let html = render(&ReportInput {
            documents: &docs,
            n_documents: docs.len(),
            n_sources: sources_of(&docs),
            hits: &hits,
            source_frames: &sf,
            figures: Some(&figures),
            figure_totals: None,
            frames: &[],
            article_base: None,
        });
        assert_eq!(html.matches("だった（").count(), EVIDENCE_PER_CELL);
        assert!(html.contains("全 35 文のうち最初の 30 文を表示"), "{html}");
        assert!(html.contains("victims: ほか 5 行は figures.csv"));
        assert!(html.contains("x4.txt; ほか 3 件"));
        assert!(!html.contains("S44"));
    }
}
