//! Entities on short texts written for these tests: dictionary spellings, parts of speech,
//! roles and family-name links.

mod common;

use shiten::corpus::Document;

/// `type text canonical role` per entity.
fn entities(text: &str) -> Vec<String> {
    let doc = Document::from_str("t.txt", text);
    let a = common::analyzer()
        .worker()
        .analyze(&doc)
        .expect("analysis runs");
    a.entities
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {}",
                e.entity_type,
                e.text,
                e.canonical,
                e.role.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn spellings_map_to_one_name() {
    assert_eq!(
        entities("セブンペイ社とセブン＆アイHD、7pay運営会社、セブン‐イレブン。"),
        [
            "organization セブンペイ社 セブン・ペイ -",
            "organization セブン＆アイHD セブン&アイ・ホールディングス -",
            "organization 7pay運営会社 セブン・ペイ -",
            "organization セブン‐イレブン セブン-イレブン・ジャパン -",
        ]
    );
    // セブンペイ is the service, セブン・ペイ the company, セブン alone the group.
    assert_eq!(
        entities(
            "セブン・ペイはセブンペイを止めた。セブンが進めるOmni7（オムニセブン）とセブン銀行。"
        ),
        [
            "organization セブン・ペイ セブン・ペイ -",
            "product セブンペイ 7pay -",
            "organization セブン セブン&アイ・ホールディングス -",
            "product Omni7 オムニ7 -",
            "product オムニセブン オムニ7 -",
            "organization セブン銀行 セブン銀行 -",
        ]
    );
}

#[test]
fn people_with_roles_and_family_names_linked() {
    assert_eq!(
        entities("セブン・ペイの小林強社長が会見した。小林社長は「調査中だ」と述べた。"),
        [
            "organization セブン・ペイ セブン・ペイ -",
            "person 小林強 小林強 社長",
            "person 小林 小林強 社長",
        ]
    );
    // A role before the name, with the name spaced as in a PDF; and one after a ・.
    assert_eq!(
        entities("代表取締役社長：井阪 隆一。清水健・執行役員が説明した。"),
        [
            "person 井阪 隆一 井阪隆一 代表取締役社長",
            "person 清水健 清水健 執行役員",
        ]
    );
}

#[test]
fn parts_of_speech_find_unlisted_names_but_not_noise() {
    let e = entities(
        "警視庁は東京都千代田区で山田太郎容疑者を逮捕した。詳しくはhttps://example.jp/ID/QR を参照。",
    );
    assert!(
        e.contains(&"organization 警視庁 警視庁 -".to_string()),
        "{e:?}"
    );
    assert!(
        e.contains(&"place 千代田区 千代田区 -".to_string()),
        "{e:?}"
    );
    assert!(
        e.contains(&"person 山田太郎 山田太郎 容疑者".to_string()),
        "{e:?}"
    );
    assert!(
        !e.iter().any(|x| x.contains("QR") || x.contains("ID")),
        "{e:?}"
    );
}
