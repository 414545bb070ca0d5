//! Every user dictionary entry comes out as one token, and the token after it keeps its
//! part of speech (full 13-column rows; short rows would get context id 0 and turn the
//! next と into フィラー).

mod common;

use shiten::tokenize::{Pos, Token};

fn tokenize(text: &str) -> Vec<Token> {
    let mut w = common::analyzer().tokenizer().worker();
    let mut out = Vec::new();
    w.tokenize_into(text, 0, true, &mut out).unwrap();
    out
}

#[test]
fn every_entry_is_one_token_and_the_next_particle_is_a_particle() {
    let csv = std::fs::read_to_string(common::root().join("dictionaries/user.csv")).unwrap();
    let mut checked = 0;
    for (line_no, line) in csv.lines().enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 13, "line {}: {line}", line_no + 1);
        let surface = fields[0];
        for (template, particle) in [("{}と", "と"), ("{}は", "は"), ("{}の", "の")] {
            let text = template.replace("{}", surface);
            let toks = tokenize(&text);
            let surfaces: Vec<&str> = toks.iter().map(|t| t.surface(&text)).collect();
            assert_eq!(surfaces, [surface, particle], "{text}");
            assert!(
                toks[0].user,
                "{surface} should come from the user dictionary"
            );
            assert_eq!(toks[1].pos, Pos::Particle, "{text}: {:?}", toks[1].pos);
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} entries");
}

#[test]
fn required_domain_terms_are_present() {
    for term in [
        "セブンペイ",
        "7pay",
        "セブン・ペイ",
        "7iD",
        "オムニ7",
        "オムニセブン",
        "Omni7",
        "二段階認証",
        "2段階認証",
        "2要素認証",
        "リスト型アカウントハッキング",
        "リスト型攻撃",
        "パスワードリスト攻撃",
    ] {
        let text = format!("{term}と不正アクセス");
        let toks = tokenize(&text);
        assert_eq!(toks[0].surface(&text), term, "{text}");
        assert!(toks[0].user);
        assert_eq!(toks[1].surface(&text), "と");
        assert_eq!(toks[1].pos, Pos::Particle);
    }
}

#[test]
fn system_dictionary_tags_proper_nouns() {
    let text = "警視庁は東京都で会見した";
    let toks = tokenize(text);
    let pos_of = |s: &str| toks.iter().find(|t| t.surface(text) == s).map(|t| t.pos);
    assert_eq!(
        pos_of("警視庁"),
        Some(Pos::Noun(shiten::tokenize::NounKind::Organization))
    );
    assert_eq!(
        pos_of("東京"),
        Some(Pos::Noun(shiten::tokenize::NounKind::Place))
    );
}
