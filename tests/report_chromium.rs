//! The report in a real browser: run the pipeline on the sample corpus, load
//! `report.html` in headless Chromium, check that the heatmap and the evidence rows are in
//! the rendered DOM, take a screenshot (`outputs/report.png`) and check that the heatmap's
//! colours are on it.
//!
//! The test installs nothing: `.ci/run` installs Debian's `chromium` when it is missing.
//! Without Chromium the test fails in CI (`CI` set) and is skipped with a notice elsewhere.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use shiten::output::OutputOptions;
use shiten::pipeline::{self, RunOptions};

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

#[test]
fn report_renders_in_chromium() {
    let Some(bin) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("outputs");
    let opts = RunOptions {
        corpus: common::root().join("corpus"),
        max_file_bytes: shiten::corpus::DEFAULT_MAX_FILE_BYTES,
    };
    let outcome =
        pipeline::analyze_corpus(common::analyzer(), &opts, &indicatif::ProgressBar::hidden())
            .unwrap();
    let ctx = shiten::aggregate::Context::new(&common::analyzer().frames, &out, &opts.corpus);
    pipeline::write_outputs(&out, &outcome, OutputOptions::default(), &ctx).unwrap();
    let report = out.join("report.html");
    let url = format!("file://{}", report.display());

    // 1. The rendered DOM holds every heatmap cell and every evidence sentence.
    let dom = run_chromium(&bin, &["--dump-dom".into(), url.clone()]);
    let sf = pipeline::frame_acc(&outcome.analyses).rows();
    let hits: usize = outcome.analyses.iter().map(|a| a.frame_hits.len()).sum();
    assert!(hits > 50, "the sample corpus has frame hits");
    assert!(
        dom.contains("<svg id=\"heatmap-svg-0\""),
        "heatmap SVG missing"
    );
    assert_eq!(
        dom.matches("<g class=\"cell\"").count(),
        sf.len(),
        "one SVG cell per row"
    );
    assert_eq!(
        dom.matches("<tr class=\"hit\"").count(),
        hits,
        "one evidence row per hit"
    );
    for r in sf.iter().filter(|r| r.docs > 0) {
        let needle = format!(
            "data-source=\"{}\" data-frame=\"{}\" data-docs=\"{}\"",
            r.source, r.frame, r.docs
        );
        assert!(dom.contains(&needle), "cell {needle}");
    }
    // Every cell link leads to an evidence heading.
    for (at, _) in dom.match_indices("href=\"#ev-") {
        let id = &dom[at + 7..at + 7 + dom[at + 7..].find('"').unwrap()];
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "no evidence for #{id}"
        );
    }
    assert!(dom.contains("<mark>二段階認証</mark>"));
    assert!(dom.contains("href=\"../"), "article links are relative");
    // Nothing from the network: the only http:// are the SVG namespaces (one per incident's
    // heatmap).
    assert_eq!(
        dom.matches("http://").count(),
        dom.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    assert!(
        dom.matches("<svg id=\"heatmap-svg-").count() > 1,
        "one heatmap per incident"
    );

    // 2. The screenshot shows the heatmap: its darkest blue (share 1) is on the page.
    let shot = common::root().join("outputs").join("report.png");
    std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &bin,
        &[
            "--window-size=1400,1500".into(),
            format!("--screenshot={}", shot.display()),
            url,
        ],
    );
    let (w, h, px) = decode_png(&std::fs::read(&shot).unwrap());
    assert_eq!((w, h), (1400, 1500));
    let dark_blue = px.iter().filter(|p| **p == [0x08, 0x30, 0x6b]).count();
    assert!(
        dark_blue > 5_000,
        "heatmap cells (share 1) not on the screenshot: {dark_blue} px"
    );
    let distinct: std::collections::HashSet<_> = px.iter().step_by(7).collect();
    assert!(distinct.len() > 50, "screenshot looks blank");
}
