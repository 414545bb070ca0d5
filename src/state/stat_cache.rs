//! The stat cache: what a file's bytes hashed to, keyed by what `stat` says of it, so a
//! run over an unchanged folder reads no article (the way git's index and make decide).
//!
//! A file's hash is taken from the cache only when its size, modification time, change
//! time and inode all equal what was recorded, and it had last been modified at least
//! [`SETTLED_NS`] before the scan that hashed it. The change time cannot be set back by
//! `touch` or by a program that restores the modification time, and the settling time
//! covers file systems with coarse time stamps (2 s on FAT), where a write just after the
//! hash could otherwise leave every field the same ("racily clean" in git's words). A file
//! that fails any test is read and hashed again, and its entry replaced.
//! `run --rehash` hashes every file regardless.
//!
//! The cache lives in the ledger (table `file_stats`), but it is only a cache: losing it
//! costs one full hashing scan, and nothing is decided from it that a hash would not
//! decide.

use std::collections::HashMap;
use std::fs::Metadata;

/// How long before a scan a file must have been last modified for its recorded hash to be
/// trusted (nanoseconds).
pub const SETTLED_NS: i64 = 2_000_000_000;

/// What `stat` says of a file, as far as the cache compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    /// Size in bytes.
    pub size: u64,
    /// Last modification, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// Last change of the inode (content, times or permissions), nanoseconds.
    pub ctime_ns: i64,
    /// Inode number (a file replaced by another under the same name differs).
    pub ino: u64,
}

impl FileStat {
    /// The stat of a file, where the platform gives all four fields (Unix).
    pub fn of(meta: &Metadata) -> Option<FileStat> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
            Some(FileStat {
                size: meta.len(),
                mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
                ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
                ino: meta.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            None
        }
    }
}

/// One recorded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its stat when hashed.
    pub stat: FileStat,
    /// BLAKE3 of its bytes (hex).
    pub hash: String,
    /// When the scan that hashed it began (nanoseconds since the epoch).
    pub seen_ns: i64,
}

impl Entry {
    /// Whether a file whose stat is now `now` still has this entry's hash.
    pub fn holds_for(&self, now: &FileStat) -> bool {
        self.stat == *now
            && self.stat.mtime_ns.max(self.stat.ctime_ns) < self.seen_ns.saturating_sub(SETTLED_NS)
    }
}

/// The recorded files of one corpus folder, by document key.
pub type StatCache = HashMap<String, Entry>;

/// The hash of the file recorded as `key`, whose stat is now `stat`: the recorded hash
/// when its entry still holds (and `None` to record), else `hash()`'s, with the entry to
/// record (when the stat is known). `started` is when the scan began.
pub fn hash_or_recall<E>(
    known: Option<&StatCache>,
    key: &str,
    stat: Option<FileStat>,
    started: i64,
    hash: impl FnOnce() -> std::result::Result<String, E>,
) -> std::result::Result<(String, Option<Entry>), E> {
    let recalled =
        stat.and_then(|now| known.and_then(|k| k.get(key)).filter(|e| e.holds_for(&now)));
    if let Some(e) = recalled {
        return Ok((e.hash.clone(), None));
    }
    let h = hash()?;
    let fresh = stat.map(|stat| Entry {
        stat,
        hash: h.clone(),
        seen_ns: started,
    });
    Ok((h, fresh))
}

/// The keys of `known` not in `here`, sorted: files gone since they were recorded.
pub fn gone<'a>(known: &StatCache, here: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let here: std::collections::HashSet<&str> = here.into_iter().collect();
    let mut gone: Vec<String> = known
        .keys()
        .filter(|k| !here.contains(k.as_str()))
        .cloned()
        .collect();
    gone.sort();
    gone
}

/// Now, in nanoseconds since the Unix epoch.
pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(mtime_ns: i64) -> FileStat {
        FileStat {
            size: 10,
            mtime_ns,
            ctime_ns: mtime_ns,
            ino: 7,
        }
    }

    #[test]
    fn an_entry_holds_only_for_the_same_settled_stat() {
        let e = Entry {
            stat: stat(1_000_000_000_000),
            hash: "h".into(),
            seen_ns: 1_000_000_000_000 + 3 * SETTLED_NS,
        };
        assert!(e.holds_for(&stat(1_000_000_000_000)));
        // Any field differing: read again.
        assert!(!e.holds_for(&stat(1_000_000_000_001)));
        assert!(!e.holds_for(&FileStat { size: 11, ..e.stat }));
        assert!(!e.holds_for(&FileStat { ino: 8, ..e.stat }));
        assert!(!e.holds_for(&FileStat {
            ctime_ns: e.stat.ctime_ns + 1,
            ..e.stat
        }));
        // Hashed within the settling time of its last write: never trusted.
        let racy = Entry {
            seen_ns: e.stat.mtime_ns + SETTLED_NS / 2,
            ..e.clone()
        };
        assert!(!racy.holds_for(&e.stat));
    }
}
