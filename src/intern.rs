//! Strings stored once and named by number, for tables of a corpus's worth of rows that
//! repeat a few values (outlets, dates, document names).

use std::collections::HashMap;

/// Each distinct string once; `intern` gives its number, `get` the string back.
#[derive(Debug, Default)]
pub struct Interner {
    strings: Vec<Box<str>>,
    index: HashMap<Box<str>, u32>,
}

impl Interner {
    /// The number of `s`, adding it when new.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&k) = self.index.get(s) {
            return k;
        }
        let k = u32::try_from(self.strings.len()).expect("fewer than 2^32 distinct strings");
        self.strings.push(s.into());
        self.index.insert(s.into(), k);
        k
    }

    /// The string numbered `k`.
    pub fn get(&self, k: u32) -> &str {
        &self.strings[k as usize]
    }

    /// The strings, by number (the index is dropped).
    pub fn into_strings(self) -> Vec<Box<str>> {
        self.strings
    }
}
