//! Cost per document must grow linearly with its length (issue 16.2: a 4 MB text took 16
//! times as long as a 1 MB one, and a 15 MB file never finished).
//!
//! Each test analyses a text and the same text four times over, and compares the CPU time
//! of every analysis stage: linear work gives about 4×, a quadratic step about 16× (more
//! when it dominates). The bound is 9×.
//!
//! Why this cannot flake: it compares CPU time of the analysing thread
//! ([`StageClock::thread_cpu`]), which does not grow while other processes hold the cores,
//! and takes each side's best of three runs, alternating small and large. Noise of 30%
//! (cache, frequency scaling) moves a linear 4× to about 5×, far from 9×; a quadratic step
//! gives 16× whatever the machine. Stages (and totals) that take under 40 ms on the large
//! text are not judged: their ratio is mostly timer noise, and a quadratic step makes its
//! stage far slower than that (the old code took 0.3 to 41 s there). On a platform
//! without a thread CPU clock the stage times are wall-clock times.
//!
//! What the texts hold: the kinds of content the quadratic steps needed. The plain text
//! is the sample corpus's UTF-8 articles (paragraphs, lists, quotes, headings); the dense
//! text is one line without a line break, packed with figures, dates, per-day rates,
//! relative dates naming events, products and people, list items broken by 。, and runs
//! without a full stop (「人が いた、」, 「3.14 一 」) that the segmenter cuts. The ASCII text is
//! one run of URL characters with names in it.

mod common;

use shiten::analyze::{STAGES, StageClock};
use shiten::corpus::Document;

/// Scale of the small text (bytes); the large one is four times this. The default keeps
/// the test to about a minute in a debug build; `SHITEN_LINEAR_BYTES` changes it.
fn small_bytes() -> usize {
    std::env::var("SHITEN_LINEAR_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(160_000)
}

/// The repeated unit of the dense text: one line, no line break.
const DENSE_UNIT: &str = "7payの被害者は約900人、被害額は約5500万円に上る。\
    同社は7月4日の会見で、1日に1万円以上をチャージした2人を逮捕したと説明した。\
    会見の翌日、セブン・ペイの小林強社長は「二段階認証は導入していなかった」と述べた。\
    登録者は3日までに約150万人、7iDの会員数は約1650万人だった。808人。3860万円の被害が出ました。\
    ・ 808 人 / 38,615,473 円(7 月 31 日 17:00 現在)・約5億円 ・1,574人\
    人が いた、人が いた、人が いた、3.14 一 3.14 一 3.14 一 \
    フォーラムの約1ヶ月後に清水健執行役員はリスト型攻撃だけでは説明がつかないと指摘した。\
    その前日に小林社長と清水氏、井阪隆一社長、小林強社長、清水健氏が謝罪した。";

/// The repeated unit of a text that is one run of URL characters (a pasted list of codes
/// and names): every name in it belongs to the same run.
const ASCII_UNIT: &str = "7pay,7iD,omni7,2019-07-04,1000yen,";

/// UTF-8 articles of the sample corpus, joined.
fn plain_unit() -> String {
    let mut out = String::new();
    for name in common::corpus_files() {
        if let Ok(t) = std::fs::read_to_string(common::root().join("corpus").join(&name)) {
            out.push_str(t.trim_start_matches('\u{feff}'));
            out.push('\n');
        }
    }
    assert!(out.len() > 20_000, "the sample corpus has UTF-8 articles");
    out
}

/// `unit` repeated to at least `bytes`.
fn text_of(unit: &str, bytes: usize) -> String {
    unit.repeat(bytes.div_ceil(unit.len()).max(1))
}

/// CPU seconds per stage of analysing `text` (best of three, small and large alternating),
/// and the total.
fn stage_seconds(small: &str, large: &str) -> ([f64; STAGES.len()], [f64; STAGES.len()]) {
    let a = common::analyzer();
    let run = |text: &str| {
        let doc = Document::from_str("linear.txt", text);
        let clock = StageClock::thread_cpu();
        let result = a.timed_worker(&clock).analyze(&doc).expect("analysis");
        assert!(!result.mentions.is_empty());
        clock.seconds()
    };
    let best = |acc: &mut [f64; STAGES.len()], s: [f64; STAGES.len()]| {
        for (a, s) in acc.iter_mut().zip(s) {
            *a = a.min(s);
        }
    };
    let mut small_best = [f64::INFINITY; STAGES.len()];
    let mut large_best = [f64::INFINITY; STAGES.len()];
    for _ in 0..3 {
        best(&mut small_best, run(small));
        best(&mut large_best, run(large));
    }
    (small_best, large_best)
}

fn assert_linear(what: &str, unit: &str) {
    assert_linear_text(what, &text_of(unit, small_bytes()));
}

/// Compares `small` with four copies of it.
fn assert_linear_text(what: &str, small: &str) {
    assert_linear_texts(what, small, &small.repeat(4));
}

fn assert_linear_texts(what: &str, small: &str, large: &str) {
    let (s, l) = stage_seconds(small, large);
    let mut report = String::new();
    let mut failed = Vec::new();
    for (i, name) in STAGES.iter().enumerate() {
        let ratio = l[i] / s[i].max(1e-6);
        report.push_str(&format!(
            "  {name:<12} {:>8.1} ms -> {:>8.1} ms  {ratio:>5.1}x\n",
            s[i] * 1e3,
            l[i] * 1e3
        ));
        if l[i] >= 0.040 && ratio >= 9.0 {
            failed.push(*name);
        }
    }
    let (st, lt): (f64, f64) = (s.iter().sum(), l.iter().sum());
    report.push_str(&format!(
        "  {:<12} {:>8.1} ms -> {:>8.1} ms  {:>5.1}x\n",
        "total",
        st * 1e3,
        lt * 1e3,
        lt / st
    ));
    eprintln!(
        "{what}: {} bytes -> {} bytes\n{report}",
        small.len(),
        large.len()
    );
    if lt >= 0.040 && lt / st >= 9.0 {
        failed.push("total");
    }
    assert!(
        failed.is_empty(),
        "{what}: cost grows faster than the text in {failed:?}:\n{report}"
    );
}

#[test]
fn plain_articles_cost_linear_time() {
    assert_linear("plain articles", &plain_unit());
}

#[test]
fn dense_single_line_costs_linear_time() {
    assert_linear("dense line", DENSE_UNIT);
}

// The next texts are smaller: with the quadratic steps they guard against, the old code
// took minutes on them at the size of the others.

#[test]
fn one_run_of_ascii_costs_linear_time() {
    assert_linear_text("ascii run", &text_of(ASCII_UNIT, small_bytes() / 8));
}

#[test]
fn one_run_of_spaces_costs_linear_time() {
    // A page padded with spaces (PDF extraction).
    let n = small_bytes() / 32;
    let text = |n: usize| format!("被害は808人。{}次の文。", " ".repeat(n));
    assert_linear_texts("space run", &text(n), &text(4 * n));
}

#[test]
fn dates_and_relative_dates_cost_linear_time() {
    // Every relative date looks back for the event it counts from.
    let unit = "2019年7月4日に会見を開いた。会見の3日後に停止した。その前日に謝罪した。";
    assert_linear("dates", unit);
}
