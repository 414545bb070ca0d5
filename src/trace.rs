//! Phase timings and memory for tuning: with `SHITEN_TIMINGS` set, [`lap`] prints on
//! stderr how long the phase since the previous lap took and the process's resident
//! memory (anonymous, file-backed, peak) when it ended. Costs one environment lookup
//! otherwise.

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// The time and the process's CPU time at the last lap.
fn last() -> Option<&'static Mutex<(Instant, f64)>> {
    static LAST: OnceLock<Option<Mutex<(Instant, f64)>>> = OnceLock::new();
    LAST.get_or_init(|| {
        std::env::var_os("SHITEN_TIMINGS").map(|_| Mutex::new((Instant::now(), cpu_secs())))
    })
    .as_ref()
}

/// Starts the clock (so the first lap does not include what ran before).
pub fn start() {
    if let Some(m) = last() {
        *m.lock().unwrap_or_else(|p| p.into_inner()) = (Instant::now(), cpu_secs());
    }
}

/// Ends the phase `what`: its wall time and the CPU time of all threads (which, on a
/// shared machine, does not grow while other processes hold the cores).
pub fn lap(what: &str) {
    let Some(m) = last() else { return };
    let (now, cpu) = (Instant::now(), cpu_secs());
    let (took, used) = {
        let mut l = m.lock().unwrap_or_else(|p| p.into_inner());
        let d = (now - l.0, cpu - l.1);
        *l = (now, cpu);
        d
    };
    let mem = memory().map_or_else(String::new, |[anon, file, peak]| {
        format!("  (rss anon {anon} MiB, file {file} MiB, peak {peak} MiB)")
    });
    eprintln!(
        "shiten-timing: {:>8.1} ms ({:>7.1} ms CPU)  {what}{mem}",
        took.as_secs_f64() * 1000.0,
        used * 1000.0
    );
}

/// User + system CPU time of the process so far, in seconds (Linux; 0 elsewhere).
pub fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces), from field 3 on.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux).
    (ticks(11) + ticks(12)) / 100.0
}

/// Resident anonymous and file-backed memory and the peak resident size, in MiB (Linux).
fn memory() -> Option<[u64; 3]> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let mib = |name: &str| Some(status_kib(&status, name)? / 1024);
    Some([mib("RssAnon:")?, mib("RssFile:")?, mib("VmHWM:")?])
}

/// The value in KiB of the field `name` (with its colon) of a Linux `/proc/*/status` text.
pub fn status_kib(status: &str, name: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(name))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Returns memory freed by the phase that just ended to the operating system. glibc keeps
/// freed memory in each thread's arena for reuse; between phases that use memory
/// differently (the scan's per-file lists, then the analysis, then publishing) that would
/// make the peak the sum of the phases' high-water marks instead of the largest one.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only releases free pages of glibc's own arenas; it takes no
        // pointers and is safe to call at any time from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// Large buffers (1 MiB and more) get memory of their own from the operating system and
/// give it back when freed. By default glibc raises that threshold each time such a
/// buffer is freed, until batch tables of several MiB are carved out of the threads'
/// arenas, where the holes they leave fragment them: over a 200 MB corpus the arenas grew
/// to twice the memory in use and the peak kept rising with the length of the run.
/// Call once at start, before other threads exist (it sets a process-wide option).
pub fn limit_heap_fragmentation() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const M_MMAP_THRESHOLD: i32 = -3;
        unsafe extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: mallopt only sets an option of glibc's allocator; called before any
        // other thread runs.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 1 << 20);
        }
    }
}

/// CPU time the calling thread has used, in nanoseconds (Linux; `None` elsewhere). Unlike
/// wall-clock time it does not grow while other processes hold the cores, which is what
/// a comparison of two measurements on a shared machine needs.
pub fn thread_cpu_ns() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    {
        #[repr(C)]
        struct Timespec {
            tv_sec: i64,
            tv_nsec: i64,
        }
        const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
        unsafe extern "C" {
            fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
        }
        let mut ts = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec (two 64-bit fields on the 64-bit
        // targets this is built for) through a pointer to a live local.
        let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
    }
    #[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
    {
        None
    }
}
