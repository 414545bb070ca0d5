//! The aggregates' summaries in the store, and how publishing merges them.
//!
//! Each committed batch holds a summary of its rows per aggregate (`summary.NAME` beside
//! its parts, checked like a part; see [`crate::aggregate`]). Publishing needs the merge
//! of the summaries of every live batch. Merging them all on every publish would cost
//! what reading every row cost, only smaller; instead the live batches are the leaves of
//! a tree over batch ids with 16 children per node (a node of level `l` holds the
//! batches whose id shifted right by `4 l` bits is its number), and the merge of every
//! node is kept in `OUT/.shiten/summaries/`, named by a key that hashes what went into it
//! (its children's keys, down to each batch's parts and the names of its live documents).
//! Adding a batch makes new keys only on its path to the root, and a node whose first
//! children are those of a kept node (a batch added at the end) starts from that node's
//! merge, so a publish after `add` merges about two summaries per level; a batch whose documents
//! were partly analysed again gets its summary computed again from the rows of its
//! documents still live (the same happens to summaries written by another build of
//! shiten, which the store never trusts).
//!
//! Every summary file starts with a header: format, the build that wrote it, the
//! aggregate, and the BLAKE3 of the summary that follows. A cached summary whose header
//! or checksum does not match is computed again (the cache is not precious); a batch's
//! own summary is also checked against the ledger's record, like a part. Files of the
//! cache no publish used are removed after the publish.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::fingerprint::build_id;
use super::parts::{self, summary_table};
use super::publish::LiveBatch;
use crate::aggregate::{Aggregate, Partial};
use crate::error::{Error, Result};

/// The cache folder inside the store.
pub const SUMMARIES_DIR: &str = "summaries";

const MAGIC: &str = "shiten-summary 1";

/// Children per node of the merge tree (as a power of two).
const FANOUT_BITS: u32 = 4;

/// A stored summary: the header, then `summary` compressed (zstd: evidence sentences
/// shrink to a tenth).
pub fn encode(aggregate: &str, summary: &[u8]) -> Vec<u8> {
    let packed = zstd::bulk::compress(summary, 1).unwrap_or_default();
    let mut out = format!(
        "{MAGIC}\n{}\n{aggregate}\n{}\n",
        build_id(),
        blake3::hash(&packed).to_hex()
    )
    .into_bytes();
    out.extend_from_slice(&packed);
    out
}

/// The summary in `bytes` if this build wrote it for `aggregate` and it is whole.
pub fn decode(aggregate: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    let mut rest = bytes;
    let mut line = || {
        let at = rest.iter().position(|&b| b == b'\n')?;
        let l = std::str::from_utf8(&rest[..at]).ok()?;
        rest = &rest[at + 1..];
        Some(l)
    };
    let (magic, build, agg, sum) = (line()?, line()?, line()?, line()?);
    let ok = magic == MAGIC
        && build == build_id()
        && agg == aggregate
        && blake3::hash(rest).to_hex().as_str() == sum;
    if !ok {
        return None;
    }
    let mut out = Vec::new();
    let mut d = zstd::stream::read::Decoder::new(rest).ok()?;
    std::io::Read::read_to_end(&mut d, &mut out).ok()?;
    Some(out)
}

/// The summaries cache of a store, and which of its files the current publish uses.
pub struct Cache {
    dir: PathBuf,
    used: Mutex<HashSet<String>>,
    /// Summaries computed from rows (batches partly live, or summarized by another build)
    /// and merges computed, for the report of a publish.
    pub computed: std::sync::atomic::AtomicUsize,
}

impl Cache {
    /// The cache of the store folder `store_dir`.
    pub fn new(store_dir: &Path) -> Cache {
        Cache {
            dir: store_dir.join(SUMMARIES_DIR),
            used: Mutex::new(HashSet::new()),
            computed: Default::default(),
        }
    }

    fn file_name(agg: &str, key: &str) -> String {
        format!("{agg}-{key}")
    }

    fn get(&self, agg: &dyn Aggregate, key: &str) -> Option<Box<dyn Partial>> {
        let name = Cache::file_name(agg.name(), key);
        let bytes = fs::read(self.dir.join(&name)).ok()?;
        let s = agg.load(&decode(agg.name(), &bytes)?).ok()?;
        self.used
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name);
        Some(s)
    }

    fn put(&self, agg: &dyn Aggregate, key: &str, s: &dyn Partial) -> Result<()> {
        fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let name = Cache::file_name(agg.name(), key);
        let path = self.dir.join(&name);
        let bytes = encode(agg.name(), &s.save()?);
        // A cache: written atomically but not synced (a torn file fails its checksum
        // and is computed again).
        let tmp = self.dir.join(format!(".{name}.tmp-{}", std::process::id()));
        fs::write(&tmp, &bytes)
            .and_then(|_| fs::rename(&tmp, &path))
            .map_err(|e| Error::io(&path, e))?;
        self.used
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name);
        Ok(())
    }

    /// Removes the cached summaries this publish did not use; returns how many.
    pub fn collect_garbage(&self) -> usize {
        let used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut n = 0;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !used.contains(&name) && fs::remove_file(e.path()).is_ok() {
                n += 1;
            }
        }
        n
    }
}

/// A node of the merge tree.
struct Node {
    key: String,
    /// Batch id shifted right by `FANOUT_BITS` per level.
    prefix: i64,
    /// The level its key was made at (0 for a batch).
    level: u32,
    kind: Kind,
}

enum Kind {
    /// The batch at this index.
    Leaf(usize),
    Inner(Vec<Node>),
}

fn leaf_key(agg: &dyn Aggregate, b: &LiveBatch) -> String {
    let mut h = blake3::Hasher::new();
    for part in [
        build_id().as_str(),
        agg.name(),
        "leaf",
        &b.info.id.to_string(),
        &b.digest,
    ] {
        h.update(part.as_bytes());
        h.update(b"\0");
    }
    for t in agg.inputs() {
        h.update(t.as_bytes());
        h.update(b"=");
        h.update(b.part(t).map_or("-", |p| p.blake3.as_str()).as_bytes());
        h.update(b"\0");
    }
    h.finalize().to_hex()[..32].to_string()
}

fn node_key(agg: &dyn Aggregate, level: u32, children: &[Node]) -> String {
    let mut h = blake3::Hasher::new();
    h.update(build_id().as_bytes());
    h.update(agg.name().as_bytes());
    h.update(&level.to_le_bytes());
    for c in children {
        h.update(c.key.as_bytes());
    }
    h.finalize().to_hex()[..32].to_string()
}

/// The tree over `batches` (sorted by id); `None` without batches.
fn tree(agg: &dyn Aggregate, batches: &[LiveBatch]) -> Option<Node> {
    let mut nodes: Vec<Node> = batches
        .iter()
        .enumerate()
        .map(|(i, b)| Node {
            key: leaf_key(agg, b),
            prefix: b.info.id,
            level: 0,
            kind: Kind::Leaf(i),
        })
        .collect();
    let mut level = 0;
    while nodes.len() > 1 {
        level += 1;
        let mut up: Vec<Node> = Vec::new();
        let mut group: Vec<Node> = Vec::new();
        let flush = |group: &mut Vec<Node>, up: &mut Vec<Node>| {
            let Some(first) = group.first() else { return };
            let prefix = first.prefix >> FANOUT_BITS;
            if group.len() == 1 {
                // One child: the node is that child.
                let mut only = group.pop().expect("one child");
                only.prefix = prefix;
                up.push(only);
            } else {
                let children = std::mem::take(group);
                up.push(Node {
                    key: node_key(agg, level, &children),
                    prefix,
                    level,
                    kind: Kind::Inner(children),
                });
            }
        };
        for n in nodes {
            if group
                .first()
                .is_some_and(|g| g.prefix >> FANOUT_BITS != n.prefix >> FANOUT_BITS)
            {
                flush(&mut group, &mut up);
            }
            group.push(n);
        }
        flush(&mut group, &mut up);
        nodes = up;
    }
    nodes.pop()
}

/// The summary of one batch: its own (when all its documents are live and this build
/// wrote it), else from the cache, else computed from its live rows (and cached).
fn leaf(cache: &Cache, agg: &dyn Aggregate, b: &LiveBatch, key: &str) -> Result<Box<dyn Partial>> {
    if b.live.is_none()
        && let Some(part) = b.part(&summary_table(agg.name()))
    {
        let bytes = parts::verify(&b.dir, part)?;
        if let Some(payload) = decode(agg.name(), &bytes) {
            return agg.load(&payload);
        }
    }
    if let Some(s) = cache.get(agg, key) {
        return Ok(s);
    }
    let mut s = agg.empty();
    for t in agg.inputs() {
        if let Some(rows) = b.read(t)? {
            s.add(t, &rows)?;
        }
    }
    cache
        .computed
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    cache.put(agg, key, s.as_ref())?;
    Ok(s)
}

fn node(
    cache: &Cache,
    agg: &dyn Aggregate,
    batches: &[LiveBatch],
    n: &Node,
) -> Result<Box<dyn Partial>> {
    match &n.kind {
        Kind::Leaf(i) => leaf(cache, agg, &batches[*i], &n.key),
        Kind::Inner(children) => {
            if let Some(s) = cache.get(agg, &n.key) {
                return Ok(s);
            }
            // Batches are added at the end: the node's merge from the last publish is
            // usually the merge of its first children (the same level, the same keys), so
            // it starts from the longest such prefix that was kept and merges the rest.
            let level = n.level;
            let (mut s, from) = (2..children.len())
                .rev()
                .find_map(|k| {
                    let key = node_key(agg, level, &children[..k]);
                    cache.get(agg, &key).map(|s| (s, k))
                })
                .unwrap_or_else(|| (agg.empty(), 0));
            // One child at a time: memory holds the merge and one child's summary.
            for c in &children[from..] {
                s.merge_from(node(cache, agg, batches, c)?)?;
            }
            cache
                .computed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // Kept, the root too: the next publish after `add` starts from it.
            cache.put(agg, &n.key, s.as_ref())?;
            Ok(s)
        }
    }
}

/// The merged summary of `agg` over `batches` (sorted by id).
pub fn merged(
    cache: &Cache,
    agg: &dyn Aggregate,
    batches: &[LiveBatch],
) -> Result<Box<dyn Partial>> {
    match tree(agg, batches) {
        Some(root) => node(cache, agg, batches, &root),
        None => Ok(agg.empty()),
    }
}
