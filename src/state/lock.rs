//! The run lock: `DIR/.shiten/lock`, held with an OS file lock for as long as a run
//! (`run`, `add`) works on `DIR`. The file also says who holds it (pid, host, start time,
//! command), so a second run can name the holder.
//!
//! The OS releases the lock when the holding process ends, however it ends (SIGKILL
//! included), so a lock file left behind by a killed run never blocks: the next run locks
//! it and overwrites the holder line.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A held run lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
}

/// Who holds a lock, as written in the lock file.
pub fn holder_line(command: &str) -> String {
    format!(
        "pid {} on host {} since {} ({})",
        std::process::id(),
        hostname(),
        super::timestamp(super::now_secs()),
        command
    )
}

fn hostname() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn open(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| Error::io(path, e))
}

fn read_holder(file: &mut File) -> String {
    let mut s = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_string(&mut s);
    let s = s.trim();
    if s.is_empty() {
        "another process (it has not written its name yet)".into()
    } else {
        s.to_string()
    }
}

impl RunLock {
    /// Takes the lock at `path` without waiting. If another process holds it, the error
    /// names the holder.
    pub fn acquire(path: &Path, command: &str) -> Result<RunLock> {
        let mut file = open(path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let holder = read_holder(&mut file);
                return Err(Error::Locked {
                    path: path.to_path_buf(),
                    holder,
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(Error::io(path, e)),
        }
        let line = holder_line(command);
        let write = (|| -> std::io::Result<()> {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(line.as_bytes())?;
            // Not synced: the line only names the holder; the OS lock is what counts.
            file.write_all(b"\n")
        })();
        write.map_err(|e| Error::io(path, e))?;
        Ok(RunLock {
            file,
            path: path.to_path_buf(),
        })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Leave the file (removing it would race with a run that just opened it); clear
        // the holder line so nobody reads a stale name, then unlock.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// Who holds the lock at `path` right now, if anyone (for `status`). Probes with a
/// shared lock, so it never blocks a run for longer than the probe.
pub fn current_holder(path: &Path) -> Option<String> {
    let mut file = File::open(path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            None
        }
        Err(_) => Some(read_holder(&mut file)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_with_the_first_ones_name() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lock");
        let first = RunLock::acquire(&p, "shiten run corpus").unwrap();
        let err = RunLock::acquire(&p, "shiten add more")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        assert!(err.contains("shiten run corpus"), "{err}");
        assert!(current_holder(&p).unwrap().contains("shiten run corpus"));
        drop(first);
        assert_eq!(current_holder(&p), None);
        // A lock file with a holder line but no OS lock (a killed run) does not block.
        fs::write(
            &p,
            "pid 1 on host gone since 2000-01-01T00:00:00Z (shiten run)\n",
        )
        .unwrap();
        let again = RunLock::acquire(&p, "shiten run corpus").unwrap();
        assert!(
            fs::read_to_string(again.path())
                .unwrap()
                .contains("shiten run corpus")
        );
    }
}
