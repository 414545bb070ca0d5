//! Table tests for the number and date extractor, one per family (numerals, counters,
//! hedges and ranges, dates, datetimes, relative dates, durations and rates, traps).
//!
//! Each case is a short phrase of our own, a publication date (or none), and the mentions
//! expected, one per string: `surface kind value[..upper] [unit] [~] [qualifier]`, where
//! `~` marks approx and the qualifier is left out when it is `none`.

mod common;

use shiten::corpus::Document;

fn mentions(published: Option<&str>, text: &str) -> Vec<String> {
    let mut doc = Document::from_str("t.txt", text);
    doc.meta.published = published.and_then(shiten::calendar::Date::parse_loose);
    let an = common::analyzer().worker().analyze(&doc).expect("analysis");
    an.mentions
        .iter()
        .map(|m| {
            assert_eq!(
                text.get(m.offsets.byte_start as usize..m.offsets.byte_end as usize),
                Some(m.text.as_str()),
                "{text}: span of {m:?}"
            );
            let mut s = format!(
                "{} {} {}",
                m.text,
                m.kind,
                m.value.as_deref().unwrap_or("null")
            );
            if let Some(u) = &m.value_upper {
                s += &format!("..{u}");
            }
            if let Some(u) = &m.unit {
                s += &format!(" {u}");
            }
            if m.approx {
                s += " ~";
            }
            if m.qualifier != "none" {
                s += &format!(" {}", m.qualifier);
            }
            s
        })
        .collect()
}

fn check(cases: &[(Option<&str>, &str, &[&str])]) {
    let mut failures = Vec::new();
    for (published, text, want) in cases {
        let got = mentions(*published, text);
        if got != *want {
            failures.push(format!("{text}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

const P: Option<&str> = Some("2019-07-05");

#[test]
fn numerals_arabic_fullwidth_kanji_positional_mixed() {
    check(&[
        (
            P,
            "損失は38,615,473円だった。",
            &["38,615,473円 money 38615473 JPY"],
        ),
        (
            P,
            "損失は３８６０万円だった。",
            &["３８６０万円 money 38600000 JPY"],
        ),
        (
            P,
            "損失は三千八百六十万円。",
            &["三千八百六十万円 money 38600000 JPY"],
        ),
        (
            P,
            "損失は3240万688円。",
            &["3240万688円 money 32400688 JPY"],
        ),
        (P, "売上は68.5億円。", &["68.5億円 money 6850000000 JPY"]),
        (P, "賞金は1億2千万円。", &["1億2千万円 money 120000000 JPY"]),
        (
            P,
            "賞金は一億二千万円。",
            &["一億二千万円 money 120000000 JPY"],
        ),
        (P, "売上は4.9兆円。", &["4.9兆円 money 4900000000000 JPY"]),
        (P, "平均2.5万円を使う。", &["2.5万円 money 25000 JPY"]),
        (P, "被害は5500万円。", &["5500万円 money 55000000 JPY"]),
        (
            P,
            "苦情は〇件、事故は零件。",
            &["〇件 count 0 case", "零件 count 0 case"],
        ),
        (P, "会員は1,650万人。", &["1,650万人 count 16500000 person"]),
        (P, "被害者は八百八人。", &["八百八人 count 808 person"]),
        (P, "税率は一〇％に。", &["一〇％ ratio 10 percent"]),
        (P, "売上は¥1,200だった。", &["¥1,200 money 1200 JPY"]),
        (
            P,
            "百万円、千人、十万円。",
            &[
                "百万円 money 1000000 JPY",
                "千人 count 1000 person",
                "十万円 money 100000 JPY",
            ],
        ),
        (
            P,
            "前年比−2.5%、マイナス3%、▲5億円。",
            &[
                "−2.5% ratio -2.5 percent",
                "マイナス3% ratio -3 percent",
                "▲5億円 money -500000000 JPY",
            ],
        ),
        (
            P,
            "何千人もの人が数カ月待った。",
            &["何千人 count null person ~", "数カ月 duration null ~"],
        ),
    ]);
}

#[test]
fn digits_broken_by_pdf_spaces_and_wraps() {
    check(&[
        (P, "合計は12,345 円だった。", &["12,345 円 money 12345 JPY"]),
        (P, "参加者は 150 人。", &["150 人 count 150 person"]),
        (
            P,
            "被害者は808\n人にのぼる。",
            &["808\n人 count 808 person"],
        ),
        (
            P,
            "会見は 7 月 31 日 17:00 に始まった。",
            &["7 月 31 日 17:00 datetime 2019-07-31T17:00"],
        ),
        (P, "約 900 人が被害。", &["約 900 人 count 900 person ~"]),
        // An ideographic space is layout, not a broken figure: 「2　日経」 is no date.
        (P, "2　日経平均が上昇", &[]),
    ]);
}

#[test]
fn counters_and_counted_things() {
    check(&[
        (
            P,
            "3名、12件、5社、40店舗、2000アカウント、3回、7個、5つ、3点。",
            &[
                "3名 count 3 person",
                "12件 count 12 case",
                "5社 count 5 company",
                "40店舗 count 40 store",
                "2000アカウント count 2000 account",
                "3回 count 3 occurrence",
                "7個 count 7 item",
                "5つ count 5 item",
                "3点 count 3 item",
            ],
        ),
        (
            P,
            "120万人、46万件、6桁、約900IDに、2倍、15%、3割、3割5分。",
            &[
                "120万人 count 1200000 person",
                "46万件 count 460000 case",
                "6桁 count 6 digit",
                "約900ID count 900 account ~",
                "2倍 ratio 2 times",
                "15% ratio 15 percent",
                "3割 ratio 30 percent",
                "3割5分 ratio 35 percent",
            ],
        ),
        (
            P,
            "二つの課題と三つの要因。",
            &["二つ count 2 item", "三つ count 3 item"],
        ),
        (
            P,
            "2回目の会見と1つ目の理由。",
            &["2回目 count 2 occurrence", "1つ目 count 1 item"],
        ),
        (
            P,
            "約150万強の登録があった。",
            &["約150万強 count 1500000 registration ~ lower"],
        ),
        (
            P,
            "150万を超える登録。",
            &["150万 count 1500000 registration lower"],
        ),
        (P, "数十のサイトで試された。", &["数十 count null site ~"]),
        (
            P,
            "数百件、数千万円、十数人。",
            &[
                "数百件 count null case ~",
                "数千万円 money null JPY ~",
                "十数人 count null person ~",
            ],
        ),
        // Ages, school years and ranks are not counts.
        (P, "40歳の男性、3年生、2位の会社。", &[]),
    ]);
}

#[test]
fn hedges_bounds_and_ranges() {
    check(&[
        (
            P,
            "およそ2000人、200人強、300人弱、50人余り、20人以上、10社超、5人未満、3件以下。",
            &[
                "およそ2000人 count 2000 person ~",
                "200人強 count 200 person ~ lower",
                "300人弱 count 300 person ~ upper",
                "50人余り count 50 person ~ lower",
                "20人以上 count 20 person lower",
                "10社超 count 10 company lower",
                "5人未満 count 5 person upper",
                "3件以下 count 3 case upper",
            ],
        ),
        (
            P,
            "10社前後、20人ほど、100円くらい、少なくとも5人、最大5%。",
            &[
                "10社前後 count 10 company ~",
                "20人ほど count 20 person ~",
                "100円くらい money 100 JPY ~",
                "少なくとも5人 count 5 person lower",
                "最大5% ratio 5 percent upper",
            ],
        ),
        // A hedge governing a list: in the first surface, qualifying all.
        (
            P,
            "少なくとも約30人、約200万円の被害が出た。",
            &[
                "少なくとも約30人 count 30 person ~ lower",
                "約200万円 money 2000000 JPY ~ lower",
            ],
        ),
        // Totals (計) stay outside the surface.
        (P, "被害は計約900人。", &["約900人 count 900 person ~"]),
        (
            P,
            "箱は7、8個。期間は1~2カ月。2、3回試した。この1、2年で増えた。",
            &[
                "7、8個 count 7..8 item range",
                "1~2カ月 duration P1M..P2M range",
                "2、3回 count 2..3 occurrence range",
                "この1、2年 duration P1Y..P2Y range",
            ],
        ),
        (
            P,
            "費用は1~2万円。",
            &["1~2万円 money 10000..20000 JPY range"],
        ),
        (P, "割合は10-20%。", &["10-20% ratio 10..20 percent range"]),
        (P, "2~3割。", &["2~3割 ratio 20..30 percent range"]),
        (
            P,
            "期間は4月23日から5月10日まで。",
            &[
                "4月23日 date 2019-04-23 lower",
                "5月10日 date 2019-05-10 upper",
            ],
        ),
        (
            P,
            "受付は9:00~21:00です。",
            &["9:00 time 09:00 lower", "21:00 time 21:00 upper"],
        ),
        (
            P,
            "7月5日ごろから。",
            &["7月5日ごろ date 2019-07-05 ~ lower"],
        ),
        // 以上 that closes a talk is no bound.
        (P, "本日は以上です。", &["本日 relative_date 2019-07-05"]),
    ]);
}

#[test]
fn dates_eras_month_parts() {
    check(&[
        (
            P,
            "2019年7月4日、7月4日、4日、7/4、2019/07/04。",
            &[
                "2019年7月4日 date 2019-07-04",
                "7月4日 date 2019-07-04",
                "4日 date 2019-07-04",
                "7/4 date 2019-07-04",
                "2019/07/04 date 2019-07-04",
            ],
        ),
        (
            P,
            "2019-07-04、2019.07.04、令和元年7月4日、平成30年、二〇一九年七月四日。",
            &[
                "2019-07-04 date 2019-07-04",
                "2019.07.04 date 2019-07-04",
                "令和元年7月4日 date 2019-07-04",
                "平成30年 date 2018",
                "二〇一九年七月四日 date 2019-07-04",
            ],
        ),
        (
            P,
            "H31.4.30、R1.5.1、平成三十一年四月一日、19年3月期。",
            &[
                "H31.4.30 date 2019-04-30",
                "R1.5.1 date 2019-05-01",
                "平成三十一年四月一日 date 2019-04-01",
                "19年3月期 date 2019-03 fiscal_year",
            ],
        ),
        (
            P,
            "7月上旬、8月中旬、6月下旬、7月末、9月末、7月中旬以降。",
            &[
                "7月上旬 date 2019-07-01..2019-07-10 ~ range",
                "8月中旬 date 2019-08-11..2019-08-20 ~ range",
                "6月下旬 date 2019-06-21..2019-06-30 ~ range",
                "7月末 date 2019-07-31 ~",
                "9月末 date 2019-09-30 ~",
                "7月中旬以降 date 2019-07-11 ~ lower",
            ],
        ),
        (
            P,
            "7月上旬から中旬にかけて増えた。",
            &[
                "7月上旬 date 2019-07-01 ~ lower",
                "中旬 date 2019-07-20 ~ upper",
            ],
        ),
        (
            P,
            "2019年度、2019年3月期、2019年2月末現在。",
            &[
                "2019年度 date 2019 fiscal_year",
                "2019年3月期 date 2019-03 fiscal_year",
                "2019年2月末 date 2019-02-28 ~ as_of",
            ],
        ),
        (
            P,
            "7~9月期と7、8月、3~5日。",
            &[
                "7~9月期 date 2019-07..2019-09 range+fiscal_year",
                "7、8月 date 2019-07..2019-08 range",
                "3~5日 date 2019-07-03..2019-07-05 range",
            ],
        ),
        (
            P,
            "土曜日に開店し、日曜は休む。発表は7月4日(木)だった。",
            &[
                "土曜日 date XXXX-WXX-6 weekday",
                "日曜 date XXXX-WXX-7 weekday",
                "7月4日 date 2019-07-04",
            ],
        ),
        (
            P,
            "提供は2019年9月30日(月)まで。© 2019",
            &["2019年9月30日 date 2019-09-30 upper", "2019 date 2019"],
        ),
        // Without a publication date, the latest written year is the reference.
        (
            None,
            "2018年に始まり、9月に終わる。3日に発表。",
            &[
                "2018年 date 2018",
                "9月 date 2018-09",
                "3日 date 2018-09-03",
            ],
        ),
        (None, "9月に終わる。", &["9月 date XXXX-09"]),
    ]);
}

#[test]
fn datetimes_and_as_of() {
    check(&[
        (
            P,
            "停止は4日18時5分、数字は7月31日17:00現在。",
            &[
                "4日18時5分 datetime 2019-07-04T18:05",
                "7月31日17:00 datetime 2019-07-31T17:00 as_of",
            ],
        ),
        (
            P,
            "2019/07/04 17:12配信。6月30日午前6時時点の推計。",
            &[
                "2019/07/04 17:12 datetime 2019-07-04T17:12",
                "6月30日午前6時 datetime 2019-06-30T06:00 as_of",
            ],
        ),
        (
            P,
            "2019年07月04日 17:40 更新。7月4日午後3時に会見。",
            &[
                "2019年07月04日 17:40 datetime 2019-07-04T17:40",
                "7月4日午後3時 datetime 2019-07-04T15:00",
            ],
        ),
        (
            P,
            "本日午前6時に判明し、同日18時5分に停止。4日時点で。",
            &[
                "本日午前6時 datetime 2019-07-05T06:00",
                "同日18時5分 datetime 2019-07-05T18:05",
                "4日 date 2019-07-04 as_of",
            ],
        ),
        (
            P,
            "4日14時に停止し、18時5分に再開。午後5時、正午、夜9時。",
            &[
                "4日14時 datetime 2019-07-04T14:00",
                "18時5分 time 18:05",
                "午後5時 time 17:00",
                "正午 time 12:00",
                "夜9時 time 21:00",
            ],
        ),
        (
            P,
            "3日早朝から調査し、4日午後に発表、5日夜に再開。",
            &[
                "3日早朝 date 2019-07-03 lower+early_morning",
                "4日午後 date 2019-07-04 afternoon",
                "5日夜 date 2019-07-05 night",
            ],
        ),
        (P, "朝ごろに出発。", &["朝ごろ time null ~ morning"]),
    ]);
}

#[test]
fn relative_dates_and_year_boundaries() {
    check(&[
        (
            P,
            "会見は3日に開かれ、同日夜に発表。翌日には謝罪した。",
            &[
                "3日 date 2019-07-03",
                "同日夜 relative_date 2019-07-03 night",
                "翌日 relative_date 2019-07-04",
            ],
        ),
        (
            P,
            "前日の会見。昨日、先月、今年、来年、4年ほど前から。",
            &[
                "前日 relative_date 2019-07-04",
                "昨日 relative_date 2019-07-04",
                "先月 relative_date 2019-06",
                "今年 relative_date 2019",
                "来年 relative_date 2020",
                "4年ほど前 relative_date 2015 ~ lower",
            ],
        ),
        (
            P,
            "1日に開始した。その3日後に停止した。",
            &["1日 date 2019-07-01", "3日後 relative_date 2019-07-04"],
        ),
        (
            P,
            "今月4日、先月末、来年3月、昨年度、今週、あす。",
            &[
                "今月4日 relative_date 2019-07-04",
                "先月末 relative_date 2019-06-30 ~",
                "来年3月 relative_date 2020-03",
                "昨年度 relative_date 2018 fiscal_year",
                "今週 relative_date 2019-W27",
                "あす relative_date 2019-07-06",
            ],
        ),
        // Year boundaries.
        (
            Some("2020-01-05"),
            "昨年末に発表し、12月28日に停止。先月と去年。1月3日に再開。",
            &[
                "昨年末 relative_date 2019-12-31 ~",
                "12月28日 date 2019-12-28",
                "先月 relative_date 2019-12",
                "去年 relative_date 2019",
                "1月3日 date 2020-01-03",
            ],
        ),
        (Some("2020-01-10"), "12月の売上。", &["12月 date 2019-12"]),
        (
            Some("2019-12-20"),
            "来月10日に再開し、1月末に終了。",
            &[
                "来月10日 relative_date 2020-01-10",
                "1月末 date 2020-01-31 ~",
            ],
        ),
        (
            Some("2020-01-02"),
            "31日に発表した。",
            &["31日 date 2019-12-31"],
        ),
        (
            Some("2020-03-01"),
            "昨日の発表。",
            &["昨日 relative_date 2020-02-29"],
        ),
        // The event named before の anchors the offset.
        (
            P,
            "2019年5月30日に説明会が開かれた。6月2日に資料が出た。説明会の約1ヶ月後に判明した。",
            &[
                "2019年5月30日 date 2019-05-30",
                "6月2日 date 2019-06-02",
                "約1ヶ月後 relative_date 2019-06-30 ~",
            ],
        ),
        // Without a publication date: year precision only.
        (
            None,
            "2019年の話。本日は晴れ。今年は暑い。4年前から。",
            &[
                "2019年 date 2019",
                "本日 relative_date null",
                "今年 relative_date 2019",
                "4年前 relative_date 2015 lower",
            ],
        ),
        (P, "数日後に判明。", &["数日後 relative_date null ~"]),
    ]);
}

#[test]
fn durations_and_rates() {
    check(&[
        (
            P,
            "3カ月、4日間、24時間、2週間、一ヶ月間、30秒、1分48秒、1時間30分、1年半、10連休。",
            &[
                "3カ月 duration P3M",
                "4日間 duration P4D",
                "24時間 duration PT24H",
                "2週間 duration P2W",
                "一ヶ月間 duration P1M",
                "30秒 duration PT30S",
                "1分48秒 duration PT1M48S",
                "1時間30分 duration PT1H30M",
                "1年半 duration P1Y6M",
                "10連休 duration P10D",
            ],
        ),
        (
            P,
            "1日あたり500円。1日に2回。1日平均300人。1日の来店客は平均2万人。",
            &[
                "1日 duration P1D per",
                "500円 money 500 JPY",
                "1日 duration P1D per",
                "2回 count 2 occurrence",
                "1日 duration P1D per",
                "300人 count 300 person",
                "1日 duration P1D per",
                "2万人 count 20000 person",
            ],
        ),
        // The 1st, not a rate.
        (P, "同社は1日に発表した。", &["1日 date 2019-07-01"]),
        (
            P,
            "サービス開始から4日で停止した。開始から発表まで 31日。",
            &["4日 duration P4D", "31日 duration P31D"],
        ),
        (
            P,
            "1日から3日まで休む。",
            &["1日 date 2019-07-01 lower", "3日 date 2019-07-03 upper"],
        ),
        (P, "株価は3日続伸。", &["3日 duration P3D"]),
        (
            P,
            "1人あたり約5万円。月額980円。",
            &[
                "1人 count 1 person per",
                "約5万円 money 50000 JPY ~",
                "980円 money 980 JPY per",
            ],
        ),
        (
            P,
            "年間100万人が訪れる。3年間100万人。",
            &[
                "100万人 count 1000000 person per",
                "3年間 duration P3Y",
                "100万人 count 1000000 person",
            ],
        ),
        (
            P,
            "20年越しの計画、10年ほど、1週間以上、2カ月弱、数日、わずか3カ月。",
            &[
                "20年越し duration P20Y",
                "10年ほど duration P10Y ~",
                "1週間以上 duration P1W lower",
                "2カ月弱 duration P2M ~ upper",
                "数日 duration null ~",
                "3カ月 duration P3M",
            ],
        ),
    ]);
}

#[test]
fn traps_are_never_mentions() {
    check(&[
        (P, "7payと7iD、Omni7、オムニ7、７ｐａｙ、7&i。", &[]),
        (
            P,
            "二段階認証、2段階認証、2要素認証、2FA、3Dセキュア。",
            &[],
        ),
        (
            P,
            "一部、一時、第三者、十分、不十分、一方、一般、一覧、一定、統一、一斉。",
            &[],
        ),
        (
            P,
            "その一つ、ひとつ、一日も早く、一人ひとり、複数、件数、数字、会員数。",
            &[],
        ),
        (
            P,
            "(1)概要\n1. はじめに\n2) 次に\n① 経緯\n［1/3ページ］",
            &[],
        ),
        (
            P,
            "お問い合わせは0120-123-456、または03-1234-5678まで。",
            &[],
        ),
        (P, "男性(34)と女性（５６）、30代の会社員、40歳。", &[]),
        (
            P,
            "詳細は https://example.jp/2019/07/04/a.html を参照。",
            &[],
        ),
        (
            P,
            "証券コード3382、暗証番号1234、HTTP 429、OAuth 2.0、SP 800-63B。",
            &[],
        ),
        (
            P,
            "井阪隆一社長、四谷の本社、千代田区、千葉、七夕、財務3表。",
            &[],
        ),
        (P, "第三者委員会と第3次案。", &[]),
        (P, "前年比20%増。", &["20% ratio 20 percent"]),
        (P, "前年同月比で増えた。前日比で下がった。", &[]),
        (P, "1990年代と90年代。", &[]),
    ]);
}
