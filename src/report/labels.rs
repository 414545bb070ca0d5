//! Every word the report shows a reader, in one place: the page's own text in Japanese
//! (the default) and English ([`Ui`]), and the names of frames, measures and incidents
//! from the lexicons (`frames.toml` `label`/`label_en`, `measures.toml` `label`/`label_en`,
//! `incidents.toml` `name`/`name_en`). An id without a label is shown as the id.

use std::collections::BTreeMap;

use serde::Serialize;

use super::FrameInfo;

/// The report's language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum Lang {
    /// Japanese (default).
    #[default]
    Ja,
    /// English.
    En,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s.to_ascii_lowercase().as_str() {
            "ja" | "jp" | "japanese" => Ok(Lang::Ja),
            "en" | "english" => Ok(Lang::En),
            _ => Err(format!("unknown report language {s:?} (ja or en)")),
        }
    }
}

impl Lang {
    /// The HTML `lang` code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

/// The page's own words.
#[derive(Debug, Clone, Serialize)]
pub struct Ui {
    /// Page title.
    pub title: &'static str,
    /// Lead paragraph: `{docs}` articles, `{sources}` outlets.
    pub lead: &'static str,
    /// Label of the incident selector.
    pub choose_incident: &'static str,
    /// Incident heading suffix: `{docs}` articles, `{sources}` outlets.
    pub incident_counts: &'static str,
    /// Name of the group of articles on no listed incident.
    pub no_incident: &'static str,
    /// Heatmap heading.
    pub heatmap: &'static str,
    /// How to read the heatmap.
    pub heatmap_note: &'static str,
    /// Header of the outlet column.
    pub outlet: &'static str,
    /// "articles" after a count.
    pub articles: &'static str,
    /// Footnote for cells resting on one article.
    pub one_article: &'static str,
    /// Stars legend.
    pub stars: &'static str,
    /// Stance legend heading.
    pub stance: &'static str,
    /// No frame found.
    pub no_frames: &'static str,
    /// Frames heading.
    pub frames: &'static str,
    /// Figures heading.
    pub figures: &'static str,
    /// How to read the figures.
    pub figures_note: &'static str,
    /// No figures.
    pub no_figures: &'static str,
    /// Column headers of the timeline.
    pub col_as_of: &'static str,
    /// Column header.
    pub col_value: &'static str,
    /// Column header.
    pub col_verdict: &'static str,
    /// Column header.
    pub col_evidence: &'static str,
    /// Date unknown.
    pub undated: &'static str,
    /// "about" before a hedged value.
    pub approx: &'static str,
    /// Figures about a subject (`{subject}`).
    pub subject: &'static str,
    /// More rows in figures.csv (`{n}`).
    pub more_rows: &'static str,
    /// Evidence heading.
    pub evidence: &'static str,
    /// More sentences in frame_hits.csv (`{n}` of `{total}`).
    pub more_hits: &'static str,
    /// Wire copy note.
    pub same_text: &'static str,
    /// Link back to the heatmap.
    pub back: &'static str,
    /// Characteristic words heading.
    pub terms: &'static str,
    /// Co-occurrence network heading.
    pub network: &'static str,
    /// Under the network: how to read it.
    pub network_note: &'static str,
    /// Under the characteristic words: the words link to their lines.
    pub terms_note: &'static str,
    /// Concordance (KWIC) heading.
    pub kwic: &'static str,
    /// How the lines were picked.
    pub kwic_note: &'static str,
    /// A word's counts (`{count}` occurrences in `{docs}` articles).
    pub kwic_counts: &'static str,
    /// Column header: context before the word.
    pub col_left: &'static str,
    /// Column header: the word.
    pub col_word: &'static str,
    /// Column header: context after the word.
    pub col_right: &'static str,
    /// Column header: the article.
    pub col_article: &'static str,
    /// Column header: publication date.
    pub col_published: &'static str,
    /// More lines than shown (`{n}` more occurrences, `{word}`).
    pub more_lines: &'static str,
    /// Link back to the word lists.
    pub back_words: &'static str,
    /// Footer.
    pub footer: &'static str,
    /// Open the article.
    pub open_article: &'static str,
    /// No address known.
    pub no_url: &'static str,
}

/// Japanese.
pub const JA: Ui = Ui {
    title: "各媒体は事案をどう伝えたか",
    lead: "shiten（視点）: {docs} 本の記事、{sources} の媒体。事案ごとに、各媒体が挙げた原因（フレーム）と数字を、根拠の文とともに示します。",
    choose_incident: "事案を選ぶ",
    incident_counts: "{docs} 本の記事・{sources} 媒体",
    no_incident: "特定の事案に当てはまらない記事",
    heatmap: "媒体 × 原因の説明（フレーム）",
    heatmap_note: "行は記事の多い媒体から順に。マス: その媒体の記事のうち、そのフレームを本文で取り上げた記事の数／全記事数と割合（色が濃いほど高い）。空欄は 0 本。マスを選ぶと根拠の文に移ります。",
    outlet: "媒体",
    articles: "本",
    one_article: "† 1 本の記事だけに基づく（偶然の影響が大きい）",
    stars: "★ / ★★ / ★★★: ほかの媒体より多い（▲）・少ない（▼）差が偶然とは考えにくい（Fisher の正確検定、事案内の全マスで多重比較を補正した q 値 < 0.05 / 0.01 / 0.001）",
    stance: "記号はその根拠の文の立場",
    no_frames: "この事案の記事には原因の説明が見つかりませんでした。",
    frames: "フレームの説明",
    figures: "数字の推移（誰が・いつ・何と言ったか）",
    figures_note: "同じ指標・同じ対象の数字を時点の順に並べ、それぞれを直前の他媒体の数字と比べています。同じ媒体が同じ数字を言い換えたものは 1 行にまとめ、自分自身とは比べません。",
    no_figures: "この事案の記事には比べられる数字がありません。",
    col_as_of: "時点",
    col_value: "数字",
    col_verdict: "判定",
    col_evidence: "根拠",
    undated: "時点不明",
    approx: "約",
    subject: "対象: {subject}",
    more_rows: "ほか {n} 行は figures.csv にあります。",
    evidence: "根拠の文",
    more_hits: "全 {total} 文のうち最初の {n} 文を表示。すべての文は frame_hits.csv にあります。",
    same_text: "同じ文が複数の媒体に（配信記事の転載とみられる）",
    back: "表に戻る",
    terms: "媒体ごとの特徴語",
    network: "共起ネットワーク",
    network_note: "同じ文に出る語を線で結んだ図（上位の組）。線が太いほど一緒に出る割合（Jaccard係数）が高く、円が大きいほど多くの文に出る語。",
    terms_note: "語を選ぶと、その語が出てくる文（KWIC）に移ります。",
    kwic: "語の用例（KWIC）",
    kwic_note: "特徴語と共起ネットワークの語それぞれについて、記事ごとに最初の用例を、公開日の古い記事から最大 10 行まで示します（前後は同じ文の中の 20 文字まで）。",
    kwic_counts: "{docs} 本の記事に {count} 回",
    col_left: "前",
    col_word: "語",
    col_right: "後",
    col_article: "記事",
    col_published: "公開日",
    more_lines: "ほか {n} 件の用例はこのレポートのフォルダで shiten kwic {word} --out . を実行すると表示されます。",
    back_words: "特徴語に戻る",
    footer: "shiten が出力表（documents, facts, frame_hits, source_frames, figures）から作成。本文の文だけを数えています（ナビゲーションや関連記事の一覧は除外）。",
    open_article: "記事を開く",
    no_url: "URL なし",
};

/// English.
pub const EN: Ui = Ui {
    title: "How each outlet told the story",
    lead: "shiten: {docs} articles from {sources} outlets. For each incident, the causes (frames) and figures each outlet gave, with the sentences that say so.",
    choose_incident: "Incident",
    incident_counts: "{docs} articles, {sources} outlets",
    no_incident: "Articles on no listed incident",
    heatmap: "Outlet × explanation of the cause (frame)",
    heatmap_note: "Rows: outlets with the most articles first. Cell: articles of the outlet giving the frame in their body / all its articles, and the share (darker = higher). Blank: none. Select a cell to read the sentences.",
    outlet: "Outlet",
    articles: "articles",
    one_article: "† rests on a single article (chance weighs heavily)",
    stars: "★ / ★★ / ★★★: more (▲) or fewer (▼) than the other outlets, unlikely to be chance (Fisher's exact test, q-value corrected over every cell of the incident < 0.05 / 0.01 / 0.001)",
    stance: "Symbols give the stance of the sentences",
    no_frames: "No explanation of the cause was found in this incident's articles.",
    frames: "The frames",
    figures: "Figures over time (who said what, when)",
    figures_note: "Figures of one measure and subject in time order, each compared with the latest figure of another outlet before it. An outlet's own rewordings of one figure are one row and never compared with each other.",
    no_figures: "This incident's articles give no comparable figures.",
    col_as_of: "As of",
    col_value: "Figure",
    col_verdict: "Verdict",
    col_evidence: "Evidence",
    undated: "undated",
    approx: "about ",
    subject: "Subject: {subject}",
    more_rows: "{n} more rows are in figures.csv.",
    evidence: "Evidence sentences",
    more_hits: "First {n} of {total} sentences; all are in frame_hits.csv.",
    same_text: "the same sentence in several outlets (a wire story, it seems)",
    back: "back to the table",
    terms: "Characteristic words per outlet",
    network: "Co-occurrence network",
    network_note: "Words said in the same sentence, joined by a line (the top pairs). The thicker the line, the more often they come together (Jaccard index); the larger the circle, the more sentences hold the word.",
    terms_note: "Select a word to read the sentences using it (KWIC).",
    kwic: "Words in context (KWIC)",
    kwic_note: "For each characteristic word and each word of the network: its first use in each article, earliest articles first, up to 10 lines (context: up to 20 characters within the sentence).",
    kwic_counts: "{count} times in {docs} articles",
    col_left: "Before",
    col_word: "Word",
    col_right: "After",
    col_article: "Article",
    col_published: "Published",
    more_lines: "{n} more uses: run shiten kwic {word} --out . in this report's folder.",
    back_words: "back to the words",
    footer: "Made by shiten from its output tables (documents, facts, frame_hits, source_frames, figures). Only body sentences count (navigation and related-article lists are left out).",
    open_article: "open the article",
    no_url: "no URL",
};

/// Labels of one report.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// Language.
    pub lang: Lang,
    /// Frames in lexicon order, labelled in `lang`.
    pub frames: Vec<FrameInfo>,
    /// Measure id -> name in `lang`.
    pub measures: BTreeMap<String, String>,
    /// Incident id -> name in `lang`.
    pub incidents: BTreeMap<String, String>,
}

impl Labels {
    /// Labels from the analyzer's lexicons, in `lang`.
    pub fn from_analyzer(a: &crate::analyze::Analyzer, lang: Lang) -> Labels {
        Labels::new(lang, &a.frames, &a.measures, &a.incidents)
    }

    /// Labels from the lexicons (`frames.toml`, `measures.toml`, `incidents.toml`), in
    /// `lang`.
    pub fn new(
        lang: Lang,
        frames: &crate::frame::Lexicon,
        measures: &crate::facts::Measures,
        incidents: &crate::incident::Incidents,
    ) -> Labels {
        let pick = |ja: &str, en: &Option<String>| match (lang, en) {
            (Lang::En, Some(en)) => en.clone(),
            _ => ja.to_string(),
        };
        Labels {
            lang,
            frames: frames
                .frames
                .iter()
                .map(|f| FrameInfo {
                    id: f.id.clone(),
                    label: pick(&f.label, &f.label_en),
                    description: pick(&f.description, &f.description_en),
                })
                .collect(),
            measures: measures
                .measures
                .iter()
                .map(|m| {
                    let ja = m.label.clone().unwrap_or_else(|| m.name.clone());
                    (m.name.clone(), pick(&ja, &m.label_en))
                })
                .collect(),
            incidents: incidents
                .incidents
                .iter()
                .map(|i| (i.id.clone(), pick(&i.name, &i.name_en)))
                .collect(),
        }
    }

    /// The page's words.
    pub fn ui(&self) -> &'static Ui {
        match self.lang {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }

    /// A frame's label (its id when unknown).
    pub fn frame(&self, id: &str) -> FrameInfo {
        self.frames
            .iter()
            .find(|f| f.id == id)
            .cloned()
            .unwrap_or_else(|| FrameInfo {
                id: id.to_string(),
                label: id.to_string(),
                description: String::new(),
            })
    }

    /// A measure's name.
    pub fn measure(&self, id: &str) -> String {
        self.measures
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// An incident's name; `""` is the group of articles on none.
    pub fn incident(&self, id: &str) -> String {
        if id.is_empty() {
            return self.ui().no_incident.to_string();
        }
        self.incidents
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// A stance's name.
    pub fn stance(&self, s: crate::frame::Stance) -> &'static str {
        use crate::frame::Stance::*;
        match (self.lang, s) {
            (Lang::Ja, Asserted) => "媒体自身の主張",
            (Lang::Ja, Reported) => "会社・警察・専門家などの発言として",
            (Lang::Ja, Doubted) => "疑問視",
            (Lang::Ja, Negated) => "否定",
            (Lang::En, Asserted) => "the outlet's own claim",
            (Lang::En, Reported) => "attributed to the company, police, experts",
            (Lang::En, Doubted) => "doubted",
            (Lang::En, Negated) => "denied",
        }
    }

    /// A verdict explained in plain words; `prev` describes the figure compared with.
    pub fn verdict(&self, verdict: &str, prev: &str) -> (String, String) {
        let (short, long) = match (self.lang, verdict) {
            (Lang::Ja, "first") => ("最初", "この指標で最初に出た数字".to_string()),
            (Lang::Ja, "same") => ("一致", format!("{prev} と同じ数字")),
            (Lang::Ja, "rounded") => (
                "概数で一致",
                format!("{prev} と同じ数字を丸めて（または細かく）書いたもの"),
            ),
            (Lang::Ja, "updated") => (
                "更新",
                format!("新しい時点の数字: それ以前の {prev} から変わった"),
            ),
            (Lang::Ja, "conflict") => ("食い違い", format!("同じ時点の {prev} と合わない")),
            (Lang::En, "first") => ("first", "the first figure of this measure".to_string()),
            (Lang::En, "same") => ("same", format!("the same figure as {prev}")),
            (Lang::En, "rounded") => (
                "same, rounded",
                format!("the figure of {prev}, written more coarsely (or exactly)"),
            ),
            (Lang::En, "updated") => (
                "revised",
                format!("a figure for a later date: it changed from {prev}"),
            ),
            (Lang::En, "conflict") => (
                "conflict",
                format!("does not agree with {prev} for the same date"),
            ),
            (_, other) => (other, other.to_string()),
        };
        (short.to_string(), long)
    }

    /// A unit, written after a number (`人`, `円`), and whether it goes before (`¥`).
    pub fn unit(&self, unit: &str) -> (&'static str, &'static str) {
        match (self.lang, unit) {
            (Lang::Ja, "JPY") => ("", "円"),
            (Lang::Ja, "person") => ("", "人"),
            (Lang::Ja, "account") => ("", "アカウント"),
            (Lang::Ja, "case") => ("", "件"),
            (Lang::Ja, "registration") => ("", "件の登録"),
            (Lang::En, "JPY") => ("¥", ""),
            (Lang::En, "person") => ("", " people"),
            (Lang::En, "account") => ("", " accounts"),
            (Lang::En, "case") => ("", " cases"),
            (Lang::En, "registration") => ("", " registrations"),
            _ => ("", ""),
        }
    }

    /// A value for readers: thousands separators, and in Japanese 万・億 for round
    /// figures (55,000,000 → 5,500万; 6,850,000,000 → 68億5,000万); in English a
    /// million/billion gloss for large ones.
    pub fn value(&self, v: i64, unit: &str, approx: bool) -> String {
        let (pre, post) = self.unit(unit);
        let about = if approx { self.ui().approx } else { "" };
        let body = match self.lang {
            Lang::Ja => man_oku(v),
            Lang::En => {
                let plain = thousands(v);
                let abs = v.unsigned_abs();
                let gloss = |div: f64, word: &str| {
                    let m = format!("{:.2}", v as f64 / div);
                    let m = m.trim_end_matches('0').trim_end_matches('.');
                    format!("{plain} ({m} {word})")
                };
                if abs >= 1_000_000_000 && abs.is_multiple_of(10_000_000) {
                    gloss(1e9, "billion")
                } else if abs >= 1_000_000 && abs.is_multiple_of(10_000) {
                    gloss(1e6, "million")
                } else {
                    plain
                }
            }
        };
        // In English the gloss goes after the unit-bearing number.
        match body.split_once(" (") {
            Some((n, gloss)) => format!("{about}{pre}{n}{post} ({gloss}"),
            None => format!("{about}{pre}{body}{post}"),
        }
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

/// Japanese reading of a value: round figures in 億 and 万 (5,500万, 68億5,000万), others
/// with separators (38,615,473).
pub fn man_oku(v: i64) -> String {
    let abs = v.unsigned_abs();
    if abs < 10_000 || !abs.is_multiple_of(10_000) {
        return thousands(v);
    }
    let oku = abs / 100_000_000;
    let man = (abs % 100_000_000) / 10_000;
    let mut s = String::new();
    if v < 0 {
        s.push('-');
    }
    if oku > 0 {
        s.push_str(&thousands(oku as i64));
        s.push('億');
    }
    if man > 0 {
        s.push_str(&thousands(man as i64));
        s.push('万');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_like_a_newspaper() {
        for (v, want) in [
            (808, "808"),
            (38_615_473, "38,615,473"),
            (55_000_000, "5,500万"),
            (6_850_000_000, "68億5,000万"),
            (100_000_000, "1億"),
            (16_500_000, "1,650万"),
            (10_000, "1万"),
        ] {
            assert_eq!(man_oku(v), want, "{v}");
        }
        let ja = Labels::default();
        assert_eq!(ja.value(55_000_000, "JPY", true), "約5,500万円");
        assert_eq!(ja.value(808, "person", false), "808人");
        let en = Labels {
            lang: Lang::En,
            ..Labels::default()
        };
        assert_eq!(
            en.value(55_000_000, "JPY", true),
            "about ¥55,000,000 (55 million)"
        );
        assert_eq!(en.value(38_615_473, "JPY", false), "¥38,615,473");
        assert_eq!(
            en.value(6_850_000_000, "JPY", false),
            "¥6,850,000,000 (6.85 billion)"
        );
        assert_eq!(en.value(900, "person", true), "about 900 people");
    }

    #[test]
    fn languages_parse() {
        assert_eq!("en".parse::<Lang>(), Ok(Lang::En));
        assert_eq!("JA".parse::<Lang>(), Ok(Lang::Ja));
        assert!("fr".parse::<Lang>().is_err());
    }
}
