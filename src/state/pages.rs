//! A run's work in pages: slices of the plan, in name order, each with the metadata rows
//! its documents need. The analysis holds only the pages it is working on: the first
//! page stays in memory, the others wait in an unnamed temporary file of the store and
//! are read back when the workers reach them, and each page is freed once all its
//! documents are analysed. So what a run holds per planned document does not grow with
//! the corpus (about 300 bytes per document would otherwise stay until the end: its
//! plan item, metadata row, title and URL).

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::plan::WorkList;
use crate::corpus::{self, Document, Metadata, Skip};
use crate::error::{Error, Result};

/// Documents per page.
pub const PAGE_DOCS: usize = 64 * crate::analyze::BATCH_DOCS;

/// A slice of a run's work with the metadata rows its documents need, by corpus folder.
#[derive(Debug, Serialize, Deserialize)]
pub struct Page {
    /// The documents, in name order.
    pub work: WorkList,
    metadata: HashMap<String, Metadata>,
    /// The text and id columns of export files.
    columns: corpus::export::Columns,
}

impl Page {
    /// `work` with the rows of `metadata` (by corpus folder) that its documents need.
    fn new(
        work: WorkList,
        metadata: &HashMap<String, Metadata>,
        columns: &corpus::export::Columns,
    ) -> Page {
        // metadata.csv names a file (an export file for its rows) without the folder label.
        let mut docs: HashMap<&str, Vec<String>> = HashMap::new();
        for w in work.items() {
            let (_, rel, _) = corpus::key::split(work.doc(w));
            docs.entry(&*w.root)
                .or_default()
                .push(corpus::key::display_name(rel));
        }
        let metadata = docs
            .into_iter()
            .filter_map(|(root, docs)| {
                let md = metadata.get(root)?.subset(docs.iter().map(String::as_str));
                Some((root.to_string(), md))
            })
            .collect();
        Page {
            work,
            metadata,
            columns: columns.clone(),
        }
    }

    /// Reads the documents `range` of the page (at most `max_bytes` each).
    pub fn read(
        &self,
        range: Range<usize>,
        max_bytes: u64,
    ) -> Vec<std::result::Result<Document, Skip>> {
        let empty = Metadata::default();
        let mut open = corpus::export::OpenExports::default();
        self.work.items()[range]
            .iter()
            .map(|w| {
                let doc = self.work.doc(w);
                let (_, rel, _) = corpus::key::split(doc);
                let file = corpus::SourceFile {
                    doc: doc.to_string(),
                    name: corpus::key::display_name(rel),
                    path: self.work.path(w),
                };
                let md = self.metadata.get(&*w.root).unwrap_or(&empty);
                match w.row {
                    Some(loc) => corpus::export::read_planned_row(
                        doc,
                        &file,
                        &mut open,
                        loc,
                        &self.columns,
                        md,
                        max_bytes,
                    ),
                    None => corpus::read_document(&file, md, max_bytes),
                }
            })
            .collect()
    }
}

/// Where a page is.
#[derive(Debug)]
enum Slot {
    /// In the file: offset and length.
    Waiting(u64, usize),
    /// In memory.
    Ready(Arc<Page>),
    /// Analysed and freed.
    Done,
}

/// A run's pages. Shared by the analysis threads: any of them may ask for a page.
#[derive(Debug)]
pub struct Pages {
    slots: Vec<Mutex<Slot>>,
    sizes: Vec<usize>,
    file: Option<Mutex<File>>,
}

impl Pages {
    /// Cuts `work` into pages of `size` documents with their rows of `metadata` (by
    /// corpus folder); the pages after the first are written to an unnamed temporary
    /// file in `dir` (gone when the run ends, however it ends).
    pub fn new(
        work: WorkList,
        metadata: &HashMap<String, Metadata>,
        columns: &corpus::export::Columns,
        size: usize,
        dir: &Path,
    ) -> Result<Pages> {
        let lists = work.into_pages(size);
        let mut pages = Pages {
            sizes: lists.iter().map(WorkList::len).collect(),
            slots: Vec::with_capacity(lists.len()),
            file: None,
        };
        let mut offset = 0u64;
        for (k, list) in lists.into_iter().enumerate() {
            let page = Page::new(list, metadata, columns);
            if k == 0 {
                pages.slots.push(Mutex::new(Slot::Ready(Arc::new(page))));
                continue;
            }
            let file = match &mut pages.file {
                Some(f) => f.get_mut().unwrap_or_else(|p| p.into_inner()),
                None => {
                    let f = tempfile::tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
                    pages
                        .file
                        .insert(Mutex::new(f))
                        .get_mut()
                        .unwrap_or_else(|p| p.into_inner())
                }
            };
            let bytes = serde_json::to_vec(&page)
                .map_err(|e| Error::State(format!("cannot write a page of work: {e}")))?;
            file.write_all(&bytes).map_err(|e| Error::io(dir, e))?;
            pages
                .slots
                .push(Mutex::new(Slot::Waiting(offset, bytes.len())));
            offset += bytes.len() as u64;
        }
        Ok(pages)
    }

    /// How many documents each page has.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Page `k`, read back from the file when it waits there; `None` when there is no
    /// such page or it has been freed.
    pub fn get(&self, k: usize) -> Result<Option<Arc<Page>>> {
        let Some(slot) = self.slots.get(k) else {
            return Ok(None);
        };
        let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
        match &*slot {
            Slot::Ready(p) => Ok(Some(p.clone())),
            Slot::Done => Ok(None),
            &Slot::Waiting(offset, len) => {
                let page = Arc::new(self.load(offset, len)?);
                *slot = Slot::Ready(page.clone());
                Ok(Some(page))
            }
        }
    }

    /// Frees page `k` (once the holders of it let it go).
    pub fn free(&self, k: usize) {
        if let Some(slot) = self.slots.get(k) {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Slot::Done;
        }
    }

    fn load(&self, offset: u64, len: usize) -> Result<Page> {
        let broken = |why: String| Error::State(format!("cannot read back a page of work: {why}"));
        let file = self
            .file
            .as_ref()
            .ok_or_else(|| broken("no page file".into()))?;
        let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
        let mut bytes = vec![0u8; len];
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|e| broken(e.to_string()))?;
        drop(file);
        let mut page: Page = serde_json::from_slice(&bytes).map_err(|e| broken(e.to_string()))?;
        page.work.share_common();
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::plan;
    use indicatif::ProgressBar;

    /// What reading a document gives: its name, text and metadata, or why it was skipped.
    fn seen(r: std::result::Result<Document, Skip>) -> String {
        match r {
            Ok(d) => format!("{} {:?} {:?} {:?}", d.doc, d.text, d.meta, d.warnings),
            Err(s) => format!("skipped {s}"),
        }
    }

    #[test]
    fn pages_read_back_what_the_whole_plan_reads() {
        let corpus = tempfile::tempdir().unwrap();
        let store = tempfile::tempdir().unwrap();
        let mut csv = String::from("file,source,title,url,published,source_type\n");
        for k in 0..7 {
            std::fs::write(corpus.path().join(format!("{k}.txt")), format!("本文{k}")).unwrap();
            if k != 4 {
                csv.push_str(&format!(
                    "{k}.txt,新聞{k},見出し{k},https://x/{k},2019-07-0{},daily\n",
                    k + 1
                ));
            }
        }
        // A file that cannot be analysed still gets its page entry and its skip.
        std::fs::write(corpus.path().join("5.txt"), "").unwrap();
        std::fs::write(corpus.path().join("metadata.csv"), csv).unwrap();
        let scan = plan::scan(corpus.path(), 1 << 20, None, &ProgressBar::hidden()).unwrap();
        let p = plan::plan(&scan, &[], "f", false, true);
        let metadata = HashMap::from([(scan.root.clone(), scan.metadata)]);
        let whole: Vec<String> = p
            .work
            .items()
            .iter()
            .map(|w| {
                let file = corpus::SourceFile::new(p.work.doc(w), p.work.path(w));
                seen(corpus::read_document(&file, &metadata[&*w.root], 1 << 20))
            })
            .collect();
        assert_eq!(whole.len(), 7);
        let pages = Pages::new(p.work, &metadata, &Default::default(), 3, store.path()).unwrap();
        assert_eq!(pages.sizes(), [3, 3, 1]);
        assert!(pages.file.is_some(), "pages after the first wait in a file");
        let mut paged = Vec::new();
        for k in 0..3 {
            let page = pages.get(k).unwrap().expect("not freed yet");
            assert_eq!(page.work.len(), pages.sizes()[k]);
            paged.extend(page.read(0..page.work.len(), 1 << 20).into_iter().map(seen));
            pages.free(k);
            assert!(pages.get(k).unwrap().is_none(), "page {k} freed");
        }
        assert_eq!(paged, whole);
        assert!(pages.get(3).unwrap().is_none());
        // Nothing is left in the store's folder.
        assert_eq!(std::fs::read_dir(store.path()).unwrap().count(), 0);
    }

    #[test]
    fn one_page_needs_no_file() {
        let store = tempfile::tempdir().unwrap();
        let pages = Pages::new(
            WorkList::default(),
            &HashMap::new(),
            &Default::default(),
            3,
            store.path(),
        )
        .unwrap();
        assert!(pages.sizes().is_empty());
        assert!(pages.file.is_none());
        assert!(pages.get(0).unwrap().is_none());
    }
}
