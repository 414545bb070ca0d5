//! Prints the tokens (surface and part of speech) of each line of stdin, one per line;
//! a development aid for writing dictionary entries and cue rules.
//!
//! `echo 'セブン・ペイの小林強社長' | cargo run --example tokens`

use std::io::Read;

fn main() -> anyhow::Result<()> {
    let loc = shiten::tokenize::ipadic::ensure(None, &|m| eprintln!("{m}"))?;
    let dicts = shiten::analyze::find_dictionaries(None)?;
    let a = shiten::analyze::Analyzer::load(&loc.dir, &dicts)?;
    let mut w = a.tokenizer().worker();
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    for line in input.lines() {
        let norm = shiten::normalize::normalize(line);
        let mut toks = Vec::new();
        w.tokenize_into(&norm.text, 0, true, &mut toks)?;
        let shown: Vec<String> = toks
            .iter()
            .map(|t| {
                format!(
                    "{}/{:?}{}",
                    t.surface(&norm.text),
                    t.pos,
                    if t.user { "*" } else { "" }
                )
            })
            .collect();
        println!("{}", shown.join(" "));
    }
    Ok(())
}
