//! The report in a real browser: run the pipeline on the sample corpus (and on
//! `../shared/realdev` when present), load `report.html` in headless Chromium at 1400 px
//! and at 420 px, and check what a reader sees: the page never scrolls sideways (tables
//! scroll inside their boxes), every evidence link (`href="#…"`) lands on an element,
//! no `&amp;` shows as text, the heatmap's cells and evidence sentences are in the DOM,
//! and the full-page screenshots (written under the build's temporary folder, never into
//! the repository) show the heatmap's colours.
//!
//! The test installs nothing: `.ci/run` installs Debian's `chromium` when it is missing.
//! Without Chromium the test fails in CI (`CI` set) and is skipped with a notice elsewhere.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use shiten::output::OutputOptions;
use shiten::pipeline::{self, RunOptions};
use shiten::report::{Labels, Lang};

fn chromium() -> Option<PathBuf> {
    let names = ["chromium", "chromium-browser", "google-chrome"];
    let from_env = std::env::var_os("SHITEN_CHROMIUM").map(PathBuf::from);
    let found = from_env.into_iter().chain(names.iter().flat_map(|n| {
        std::env::var_os("PATH")
            .map(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(n))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    }));
    for p in found {
        if p.is_file() {
            return Some(p);
        }
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
        panic!("chromium is required in CI (.ci/run installs it with apt-get) but was not found");
    }
    eprintln!("notice: chromium not found (apt-get install chromium); report browser test skipped");
    None
}

/// Runs Chromium headless with the given extra arguments; kills it after a minute.
fn run_chromium(bin: &Path, args: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(args)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("chromium starts");
    // Read stdout while waiting: a DOM larger than the pipe buffer would block Chromium.
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut s).map(|_| s)
    });
    let t0 = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if t0.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "chromium failed: {status:?}");
    String::from_utf8_lossy(&reader.join().unwrap().unwrap()).into_owned()
}

/// Decodes an 8-bit RGB or RGBA PNG into RGB pixels (what Chromium writes).
fn decode_png(bytes: &[u8]) -> (usize, usize, Vec<[u8; 3]>) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let (mut w, mut h, mut channels) = (0usize, 0usize, 0usize);
    let mut idat = Vec::new();
    let mut i = 8;
    while i + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
        let kind = &bytes[i + 4..i + 8];
        let data = &bytes[i + 8..i + 8 + len];
        match kind {
            b"IHDR" => {
                w = u32::from_be_bytes(data[0..4].try_into().unwrap()) as usize;
                h = u32::from_be_bytes(data[4..8].try_into().unwrap()) as usize;
                assert_eq!(data[8], 8, "bit depth");
                channels = match data[9] {
                    2 => 3,
                    6 => 4,
                    t => panic!("colour type {t}"),
                };
                assert_eq!(data[12], 0, "interlaced PNG");
            }
            b"IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
        i += 12 + len;
    }
    let mut raw = Vec::new();
    use std::io::Read;
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = w * channels;
    let mut prev = vec![0u8; stride];
    let mut px = Vec::with_capacity(w * h);
    for y in 0..h {
        let line = &raw[y * (stride + 1)..(y + 1) * (stride + 1)];
        let (f, src) = (line[0], &line[1..]);
        let mut cur = vec![0u8; stride];
        for x in 0..stride {
            let a = if x >= channels { cur[x - channels] } else { 0 } as i32;
            let b = prev[x] as i32;
            let c = if x >= channels { prev[x - channels] } else { 0 } as i32;
            let pred = match f {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => {
                    let p = a + b - c;
                    let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                _ => panic!("filter {f}"),
            };
            cur[x] = (src[x] as i32 + pred) as u8;
        }
        for p in cur.chunks(channels) {
            px.push([p[0], p[1], p[2]]);
        }
        prev = cur;
    }
    (w, h, px)
}

/// A page beside `report` that shows it in a frame `width` px wide and `height` px tall
/// (headless Chromium lays a window out at 500 px at least, so a phone's width needs a
/// frame) and writes into `<pre id="probe">`: the report's width against the frame's, its
/// height, its in-page links without a target and whether its text shows an escaped
/// `&amp;` or `&lt;`.
fn probe_page(report: &Path, width: usize, height: usize) -> PathBuf {
    let page = format!(
        r##"<!DOCTYPE html><html><head><meta charset="utf-8"><script>
function probe(f){{var w=f.contentWindow,doc=f.contentDocument,d=doc.documentElement;
var bad=[];var links=doc.querySelectorAll('a[href^="#"]');
for(var i=0;i<links.length;i++){{var id=decodeURIComponent(links[i].getAttribute("href").slice(1));if(!doc.getElementById(id)){{bad.push(id);}}}}
var text="";var parts=doc.querySelectorAll("header,nav,section.incident,footer");for(var j=0;j<parts.length;j++){{text+=parts[j].textContent;}}
var r={{scroll:d.scrollWidth,height:d.scrollHeight,inner:w.innerWidth,links:links.length,bad:bad,amp:text.indexOf("&amp;")>=0||text.indexOf("&lt;")>=0||text.indexOf("&#")>=0}};
document.getElementById("probe").textContent="PRO"+"BE"+JSON.stringify(r)+"PRO"+"BE";}}
</script></head><body style="margin:0"><iframe src="{}" onload="probe(this)" style="display:block;border:0;width:{width}px;height:{height}px"></iframe><pre id="probe"></pre></body></html>"##,
        report.file_name().unwrap().to_string_lossy()
    );
    let path = report.with_file_name(format!("probe-{width}.html"));
    std::fs::write(&path, page).unwrap();
    path
}

/// Runs the pipeline on `corpus` into a temporary folder: (temp dir, report path, outcome).
fn report_of(corpus: &Path, lang: Lang) -> (tempfile::TempDir, PathBuf, pipeline::Outcome) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("outputs");
    let opts = RunOptions {
        corpus: corpus.to_path_buf(),
        max_file_bytes: shiten::corpus::DEFAULT_MAX_FILE_BYTES,
    };
    let outcome =
        pipeline::analyze_corpus(common::analyzer(), &opts, &indicatif::ProgressBar::hidden())
            .unwrap();
    let ctx = shiten::aggregate::Context::new(&common::analyzer().frames, &out, &opts.corpus)
        .with_labels(Labels::from_analyzer(common::analyzer(), lang));
    pipeline::write_outputs(&out, &outcome, OutputOptions::default(), &ctx).unwrap();
    let report = out.join("report.html");
    (dir, report, outcome)
}

/// Loads the report at `width` px: checks overflow, anchors and escapes; takes a
/// full-page screenshot `NAME-WIDTH.png` under the build's temporary folder (the report
/// in the frame's `width` px at the left of a window at least 500 px wide); returns it.
fn check_at(bin: &Path, report: &Path, name: &str, width: usize) -> (usize, usize, Vec<[u8; 3]>) {
    let window = width.max(500);
    let probe = probe_page(report, width, 900);
    let dom = run_chromium(
        bin,
        &[
            "--allow-file-access-from-files".into(),
            format!("--window-size={window},900"),
            "--dump-dom".into(),
            format!("file://{}", probe.display()),
        ],
    );
    let json = dom
        .split("PROBE")
        .nth(1)
        .unwrap_or_else(|| panic!("{name}@{width}: the probe did not run"));
    let r: serde_json::Value = serde_json::from_str(json).unwrap();
    let (scroll, inner) = (r["scroll"].as_u64().unwrap(), r["inner"].as_u64().unwrap());
    assert_eq!(
        inner as usize, width,
        "{name}: the frame is {inner} px wide"
    );
    assert!(
        scroll <= inner,
        "{name}@{width}: the page is {scroll} px wide in {inner} px (horizontal overflow)"
    );
    assert!(r["links"].as_u64().unwrap() > 10, "{name}: evidence links");
    assert_eq!(
        r["bad"],
        serde_json::json!([]),
        "{name}@{width}: links without a target"
    );
    assert_eq!(
        r["amp"],
        serde_json::json!(false),
        "{name}@{width}: escaped text shows"
    );

    // Full page: the frame as tall as the report (up to 12,000 px).
    let height = (r["height"].as_u64().unwrap() as usize).clamp(900, 12_000);
    let probe = probe_page(report, width, height);
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join(format!("{name}-{width}.png"));
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        bin,
        &[
            "--allow-file-access-from-files".into(),
            format!("--window-size={window},{height}"),
            format!("--screenshot={}", shot.display()),
            format!("file://{}", probe.display()),
        ],
    );
    eprintln!("screenshot: {}", shot.display());
    let (w, h, px) = decode_png(&std::fs::read(&shot).unwrap());
    assert_eq!((w, h), (window, height), "{name}@{width}: screenshot size");
    (w, h, px)
}

#[test]
fn report_on_the_sample_corpus_in_chromium() {
    let Some(bin) = chromium() else { return };
    let (_dir, report, outcome) = report_of(&common::root().join("corpus"), Lang::Ja);
    let dom = run_chromium(
        &bin,
        &["--dump-dom".into(), format!("file://{}", report.display())],
    );
    // The heatmap, its evidence and the figures are in the rendered page.
    assert!(dom.contains("<table class=\"heat\">"), "heatmap missing");
    let hits: usize = outcome.analyses.iter().map(|a| a.frame_hits.len()).sum();
    assert!(hits > 50, "the sample corpus has frame hits");
    assert!(dom.contains("<mark>二段階認証</mark>"));
    assert!(
        dom.contains("二段階認証・本人確認の不足"),
        "frame labels from frames.toml"
    );
    assert!(dom.contains("被害額"), "measure labels from measures.toml");
    assert!(!dom.contains("damage_amount") && !dom.contains("two_factor_auth"));
    assert!(
        dom.contains("3,861万") || dom.contains("38,615,473"),
        "readable figures"
    );
    assert!(
        dom.contains("href=\"https://wire.example.jp/news/2019070400871\""),
        "evidence links to the article's URL from metadata.csv"
    );
    assert!(!dom.contains("0/1 0%"));
    // One incident shown at a time: the first (most articles) is 7pay.
    let first = dom.find("<option value=\"inc-0\"").unwrap();
    assert!(dom[first..].starts_with("<option value=\"inc-0\">7pay"));
    let section = |id: &str| {
        let at = dom.find(&format!("id=\"{id}\"")).unwrap();
        let start = dom[..at].rfind('<').unwrap();
        dom[start..start + dom[start..].find('>').unwrap()].to_string()
    };
    assert!(!section("inc-0").contains("hidden"), "{}", section("inc-0"));
    assert!(section("inc-1").contains("hidden"), "{}", section("inc-1"));

    let (_, _, px) = check_at(&bin, &report, "corpus", 1400);
    let dark_blue = px.iter().filter(|p| **p == [0x08, 0x30, 0x6b]).count();
    assert!(
        dark_blue > 1_000,
        "heatmap cells (share 1) not on the screenshot: {dark_blue} px"
    );
    let distinct: std::collections::HashSet<_> = px.iter().step_by(7).collect();
    assert!(distinct.len() > 50, "screenshot looks blank");
    let (_, _, px) = check_at(&bin, &report, "corpus", 420);
    let distinct: std::collections::HashSet<_> = px.iter().step_by(7).collect();
    assert!(distinct.len() > 50, "screenshot looks blank");

    // English.
    let (_dir, report, _) = report_of(&common::root().join("corpus"), Lang::En);
    let dom = run_chromium(
        &bin,
        &["--dump-dom".into(), format!("file://{}", report.display())],
    );
    assert!(dom.contains("<html lang=\"en\">"));
    assert!(dom.contains("No two-factor authentication") && dom.contains("Damage (yen)"));
    check_at(&bin, &report, "corpus-en", 420);
}

#[test]
fn report_on_realdev_in_chromium() {
    let Some(shared) = common::shared() else {
        return;
    };
    let Some(bin) = chromium() else { return };
    let (_dir, report, _) = report_of(&shared.join("realdev"), Lang::Ja);
    check_at(&bin, &report, "realdev", 1400);
    check_at(&bin, &report, "realdev", 420);
}
