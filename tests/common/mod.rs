//! Shared test helpers: the dictionary (built once, cached, locked against parallel
//! builds), the repository's folders, and `../shared` (required in CI).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use shiten::analyze::Analyzer;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A built IPADIC folder (built on first use, then cached for every later test run).
pub fn dict_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        shiten::tokenize::ipadic::ensure(None, &|m| eprintln!("test setup: {m}"))
            .expect("the IPADIC dictionary must be obtainable (see README)")
            .dir
    })
    .clone()
}

/// The analyzer with the repository's dictionaries.
pub fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(|| {
        Analyzer::load(&dict_dir(), &root().join("dictionaries")).expect("analyzer loads")
    })
}

/// `../shared`, or `None` (with a notice) when it is missing outside CI. In CI
/// (`CI` set) a missing `../shared` fails the test.
pub fn shared() -> Option<PathBuf> {
    let p = root().join("..").join("shared");
    if p.join("seeds").is_dir() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
        panic!(
            "../shared/seeds is required in CI but missing at {}",
            p.display()
        );
    }
    eprintln!(
        "notice: ../shared not found at {}; test skipped",
        p.display()
    );
    None
}

/// The path of the shiten binary built for the tests, or `$SHITEN_BIN` (to measure a
/// release build with tests compiled in debug).
pub fn bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var_os("SHITEN_BIN")
            .filter(|b| !b.is_empty())
            .map_or_else(
                || PathBuf::from(env!("CARGO_BIN_EXE_shiten")),
                PathBuf::from,
            )
    })
}

/// Runs the shiten binary with `args` (plus `--quiet` unless `verbose`), the repository's
/// dictionaries and the cached IPADIC, and returns its output.
pub fn shiten(args: &[&std::ffi::OsStr]) -> std::process::Output {
    dict_dir();
    std::process::Command::new(bin())
        .args(args)
        .env("SHITEN_DICTIONARIES", root().join("dictionaries"))
        .env_remove("SHITEN_TEST_PAUSE_MS")
        .output()
        .expect("shiten runs")
}

/// `shiten CMD CORPUS --out OUT EXTRA...`.
pub fn run_on(cmd: &str, corpus: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    use std::ffi::OsStr;
    let mut args = vec![
        OsStr::new(cmd),
        corpus.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    shiten(&args)
}

/// The stderr of `o`, after checking that it exited with `code`.
pub fn expect_code(o: &std::process::Output, code: i32) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(code), "stderr:\n{err}");
    err
}

/// Copies the article files `names` of `from` (and `metadata.csv` when `with_metadata`)
/// into `to`, creating it.
pub fn copy_files(from: &Path, to: &Path, names: &[String], with_metadata: bool) {
    std::fs::create_dir_all(to).unwrap();
    for n in names {
        std::fs::copy(from.join(n), to.join(n)).unwrap();
    }
    if with_metadata {
        std::fs::copy(from.join("metadata.csv"), to.join("metadata.csv")).unwrap();
    }
}

/// The article file names of the sample corpus, sorted.
pub fn corpus_files() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("corpus"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt") || n.ends_with(".html"))
        .collect();
    v.sort();
    v
}

/// A CSV table: header and rows.
pub type Csv = (Vec<String>, Vec<Vec<String>>);

/// Reads a CSV output table: a file, or a folder of CSV files (a published row table,
/// one file per batch, each with the header), read in name order.
pub fn read_csv(path: &Path) -> Csv {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{}: no CSV file", path.display());
        let mut all: Option<Csv> = None;
        for f in files {
            let (h, rows) = read_csv(&f);
            match &mut all {
                Some((header, all_rows)) => {
                    assert_eq!(*header, h, "{}: header differs", f.display());
                    all_rows.extend(rows);
                }
                None => all = Some((h, rows)),
            }
        }
        return all.unwrap();
    }
    let mut rdr =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows = rdr
        .records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .iter()
                .map(String::from)
                .collect()
        })
        .collect();
    (header, rows)
}

/// A CSV output table (see [`read_csv`]) with each row as a map from column to cell.
pub fn read_records(path: &Path) -> (Vec<String>, Vec<std::collections::HashMap<String, String>>) {
    let (headers, rows) = read_csv(path);
    let rows = rows
        .into_iter()
        .map(|r| headers.iter().cloned().zip(r).collect())
        .collect();
    (headers, rows)
}

/// `python3` when it runs; without it, a notice and `None` (a panic in CI, where the
/// scorers must run). `what` names what is skipped.
pub fn python3(what: &str) -> Option<&'static str> {
    let ok = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some("python3");
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
        panic!("python3 is required in CI for {what}");
    }
    eprintln!("notice: python3 not found; {what} skipped");
    None
}

/// A table's rows as text, from CSV and from Parquet, each sorted: `(header, rows)`. The
/// Parquet rows must equal the CSV rows (modulo the spreadsheet guard's leading `'`).
pub fn read_table(out: &Path, name: &str) -> Csv {
    let (header, mut rows) = read_csv(&out.join(format!("{name}.csv")));
    rows.sort();
    let t = shiten::output::parquet::read_parquet(&out.join(format!("{name}.parquet")), name)
        .unwrap_or_else(|e| panic!("{name}.parquet: {e}"));
    let pq_header: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
    assert_eq!(pq_header, header, "{name}: CSV and Parquet columns differ");
    let mut pq_rows: Vec<Vec<String>> = (0..t.height())
        .map(|i| t.columns.iter().map(|c| c.values.cell(i)).collect())
        .collect();
    pq_rows.sort();
    let unguard = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
        let mut r: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| c.strip_prefix('\'').unwrap_or(c).to_string())
                    .collect()
            })
            .collect();
        r.sort();
        r
    };
    assert_eq!(
        unguard(&pq_rows),
        unguard(&rows),
        "{name}: CSV and Parquet rows differ"
    );
    (header, rows)
}

/// The row and skip tables every output folder has.
pub const TABLES: [&str; 6] = [
    "documents",
    "mentions",
    "entities",
    "facts",
    "frame_hits",
    "skipped",
];

/// Every table of an output folder by name: what "equal outputs" compares.
pub type Snapshot = std::collections::BTreeMap<String, Csv>;

/// Every output table of `out` (by name), sorted: what "equal outputs" compares.
pub fn snapshot(out: &Path) -> Snapshot {
    let mut names: Vec<String> = TABLES.iter().map(|s| s.to_string()).collect();
    for e in std::fs::read_dir(out).unwrap().flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if let Some(stem) = n.strip_suffix(".csv")
            && !names.iter().any(|x| x == stem)
        {
            names.push(stem.to_string());
        }
    }
    names
        .into_iter()
        .map(|n| {
            let t = read_table(out, &n);
            (n, t)
        })
        .collect()
}

/// Every output file a reader sees, with its bytes and modification time: the files of
/// the output folder and, for a row table's folder, each file in it (`mentions.csv/…`),
/// following the output folder's links; hidden entries (the store, the generations) left
/// out. Sorted by path.
pub fn output_files(out: &Path) -> Vec<(String, Vec<u8>, std::time::SystemTime)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(out).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let p = e.path();
        let inner: Vec<(String, PathBuf)> = if p.is_dir() {
            std::fs::read_dir(&p)
                .unwrap()
                .flatten()
                .map(|f| {
                    let n = f.file_name().to_string_lossy().into_owned();
                    (format!("{name}/{n}"), f.path())
                })
                .collect()
        } else {
            vec![(name, p)]
        };
        for (n, p) in inner {
            let md = std::fs::metadata(&p).unwrap();
            v.push((n, std::fs::read(&p).unwrap(), md.modified().unwrap()));
        }
    }
    v.sort();
    v
}

/// A tiny deterministic random number generator (xorshift).
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Writes `n` articles into `dir` (created), made from the sample corpus: each takes an
/// article, changes its figures (digits), drops or repeats a sentence, adds a dated
/// closing line, and gets a metadata row with a shifted publication date. Deterministic
/// for a `seed`; names are `g00000_<original stem>.txt`.
pub fn generate_corpus(dir: &Path, n: usize, seed: u64) -> Vec<String> {
    std::fs::create_dir_all(dir).unwrap();
    let src = root().join("corpus");
    let (mheader, mrows) = read_csv(&src.join("metadata.csv"));
    let file_col = mheader.iter().position(|h| h == "file").unwrap();
    let pub_col = mheader.iter().position(|h| h == "published").unwrap();
    let title_col = mheader.iter().position(|h| h == "title").unwrap();
    let bases: Vec<(String, String, Vec<String>)> = corpus_files()
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(src.join(&f)).unwrap();
            let text = shiten::corpus::decode(&bytes, None).unwrap().text;
            let row = mrows
                .iter()
                .find(|r| r[file_col] == f)
                .cloned()
                .unwrap_or_default();
            (f, text, row)
        })
        .collect();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut names = Vec::new();
    let mut meta = csv::Writer::from_path(dir.join("metadata.csv")).unwrap();
    meta.write_record(&mheader).unwrap();
    for i in 0..n {
        let (base, text, row) = &bases[i % bases.len()];
        let stem = base.rsplit_once('.').map_or(base.as_str(), |x| x.0);
        let ext = base.rsplit_once('.').map_or("txt", |x| x.1);
        let name = format!("g{i:05}_{stem}.{ext}");
        let mut body = String::with_capacity(text.len() + 64);
        for line in text.split_inclusive('\n') {
            let sentences: Vec<&str> = line.split_inclusive('。').collect();
            for s in sentences {
                match rng.below(20) {
                    0 => continue,
                    1 => body.push_str(s),
                    _ => {}
                }
                for c in s.chars() {
                    if c.is_ascii_digit() && rng.below(3) == 0 {
                        body.push(char::from(b'0' + rng.below(10) as u8));
                    } else {
                        body.push(c);
                    }
                }
            }
        }
        let shift = (i as i64 * 7 + rng.below(30) as i64) % 120;
        let published = row
            .get(pub_col)
            .and_then(|p| shiten::calendar::Date::parse_loose(p))
            .and_then(|d| d.add_days(shift));
        body.push_str(&format!(
            "\n（{}更新、第{}報）\n",
            published.map_or_else(|| "2019-07-04".to_string(), |d| d.to_string()),
            i + 1
        ));
        std::fs::write(dir.join(&name), body).unwrap();
        if !row.is_empty() {
            let mut r = row.clone();
            r[file_col] = name.clone();
            if let Some(d) = published {
                r[pub_col] = d.to_string();
            }
            r[title_col] = format!("{} ({})", r[title_col], i + 1);
            meta.write_record(&r).unwrap();
        }
        names.push(name);
    }
    meta.flush().unwrap();
    names
}

/// Whether the tests run in CI (`CI` set), where a missing tool fails a test instead of
/// skipping it.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

fn imports(python: &Path, modules: &[&str]) -> bool {
    std::process::Command::new(python)
        .args(["-c", &format!("import {}", modules.join(", "))])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A Python that imports every one of `modules` (PyPI package names: `duckdb`, `polars`),
/// set up on first use: a virtual environment under `~/.cache/shiten/py`
/// (`$SHITEN_CACHE_DIR/py`) made by `python3 -m venv`, missing packages added with pip;
/// or `$SHITEN_PYTHON`, a Python that has them. `Err` says why there is none.
pub fn python_with(modules: &[&str]) -> Result<PathBuf, String> {
    use std::process::Command;
    if let Some(p) = std::env::var_os("SHITEN_PYTHON").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if imports(&p, modules) {
            Ok(p)
        } else {
            Err(format!(
                "$SHITEN_PYTHON ({}) cannot import {}",
                p.display(),
                modules.join(", ")
            ))
        };
    }
    let cache = match std::env::var_os("SHITEN_CACHE_DIR").filter(|c| !c.is_empty()) {
        Some(c) => PathBuf::from(c),
        None => {
            PathBuf::from(std::env::var_os("HOME").ok_or("HOME is not set")?).join(".cache/shiten")
        }
    };
    let venv = cache.join("py");
    let python = venv.join("bin/python");
    if imports(&python, modules) {
        return Ok(python);
    }
    let run = |cmd: &mut Command, what: &str| -> Result<(), String> {
        let o = cmd.output().map_err(|e| format!("{what}: {e}"))?;
        if o.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{what} failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
    };
    let missing: Vec<&str> = modules
        .iter()
        .copied()
        .filter(|m| !imports(&python, &[m]))
        .collect();
    if !python.exists() {
        // Several test binaries may get here at once: build into a temporary folder and
        // rename.
        let tmp = venv.with_extension(format!("tmp{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        run(
            Command::new("python3").arg("-m").arg("venv").arg(&tmp),
            "python3 -m venv (install python3-venv)",
        )?;
        run(
            Command::new(tmp.join("bin/python"))
                .args(["-m", "pip", "install", "--quiet"])
                .args(&missing),
            &format!("pip install {}", missing.join(" ")),
        )?;
        if std::fs::rename(&tmp, &venv).is_err() && !imports(&python, modules) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(format!("cannot move the venv into {}", venv.display()));
        }
        let _ = std::fs::remove_dir_all(&tmp);
    } else {
        // Only bin/python is used (`python -m pip`: pip's shebangs name the folder the venv
        // was made in). pip installs what another test binary installs at the same time
        // twice at worst.
        run(
            Command::new(&python)
                .args(["-m", "pip", "install", "--quiet"])
                .args(&missing),
            &format!("pip install {}", missing.join(" ")),
        )?;
    }
    if imports(&python, modules) {
        Ok(python)
    } else {
        Err(format!(
            "{} cannot import {} after setup",
            python.display(),
            modules.join(", ")
        ))
    }
}
