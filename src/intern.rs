//! Strings stored once and named by number, for tables of a corpus's worth of rows that
//! repeat a few values (outlets, dates, document names).

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::Arc;

/// Each distinct string once; `intern` gives its number, `get` the string back.
#[derive(Debug, Default)]
pub struct Interner {
    strings: Vec<Box<str>>,
    /// Fx hashing: the numbers follow insertion order, never the hash, and the strings
    /// are short (names, words).
    index: rustc_hash::FxHashMap<Box<str>, u32>,
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

    /// The number of `s`, if it is in.
    pub fn index_of(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
    }

    /// The string numbered `k`.
    pub fn get(&self, k: u32) -> &str {
        &self.strings[k as usize]
    }

    /// The strings, by number (the index is dropped).
    pub fn into_strings(self) -> Vec<Box<str>> {
        self.strings
    }

    /// The strings, by number.
    pub fn strings(&self) -> &[Box<str>] {
        &self.strings
    }

    /// The interner holding `strings` (numbered in order; repeats keep their first number).
    pub fn from_strings(strings: Vec<Box<str>>) -> Interner {
        let mut index = rustc_hash::FxHashMap::default();
        index.reserve(strings.len());
        for (k, s) in strings.iter().enumerate() {
            index.entry(s.clone()).or_insert(k as u32);
        }
        Interner { strings, index }
    }
}

/// Many small strings in one buffer, each named by its place. One allocation instead of
/// one per string: for a corpus's worth of names and titles this saves the allocator's
/// overhead and, more, keeps them from pinning the pages of memory freed around them.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Texts {
    buf: String,
}

/// A string of [`Texts`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TextRef {
    start: u32,
    end: u32,
}

impl Texts {
    /// Appends `s`. Panics past 4 GiB in all (callers hold far less: file names, or the
    /// cells of a metadata file checked to be smaller).
    pub fn push(&mut self, s: &str) -> TextRef {
        let at = |n: usize| u32::try_from(n).expect("under 4 GiB of text");
        let start = at(self.buf.len());
        self.buf.push_str(s);
        TextRef {
            start,
            end: at(self.buf.len()),
        }
    }

    /// The string `r` names.
    pub fn get(&self, r: TextRef) -> &str {
        &self.buf[r.start as usize..r.end as usize]
    }

    /// Frees unused capacity (once all strings are in).
    pub fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
    }
}

/// Makes `a` share the equal value already in `seen`, or adds it there: many items that
/// hold equal lists or names then hold one copy.
pub fn share<T: ?Sized + Eq + Hash>(seen: &mut HashSet<Arc<T>>, a: &mut Arc<T>) {
    match seen.get(a) {
        Some(s) => *a = s.clone(),
        None => {
            seen.insert(a.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_come_back() {
        let mut i = Interner::default();
        let (a, b) = (i.intern("日経"), i.intern("共同"));
        assert_eq!((i.intern("日経"), i.get(a), i.get(b)), (a, "日経", "共同"));
        let mut t = Texts::default();
        let refs: Vec<TextRef> = ["g0/1.txt", "", "見出し"]
            .iter()
            .map(|s| t.push(s))
            .collect();
        assert_eq!(
            refs.iter().map(|&r| t.get(r)).collect::<Vec<_>>(),
            ["g0/1.txt", "", "見出し"]
        );
    }

    #[test]
    fn equal_values_are_shared() {
        let mut seen = HashSet::new();
        let (mut a, mut b, mut c): (Arc<str>, Arc<str>, Arc<str>) =
            ("x".into(), "x".into(), "y".into());
        for v in [&mut a, &mut b, &mut c] {
            share(&mut seen, v);
        }
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!((&*b, &*c), ("x", "y"));
    }
}
