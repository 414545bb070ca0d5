//! The `shiten` binary: parse arguments, run, map the result to an exit code
//! (0 all analysed, 2 done with skips, 1 fatal error, 64 usage error; see
//! [`shiten::cli::EXIT_CODES`]).

fn main() -> std::process::ExitCode {
    use std::process::ExitCode;
    shiten::trace::limit_heap_fragmentation();
    let cli = match shiten::cli::parse_args() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors; everything else clap rejects is a
            // usage error, with its own code (clap's own 2 means "done with skips" here).
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(shiten::cli::EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match shiten::cli::run(cli) {
        Ok(shiten::cli::Status::Clean) => ExitCode::SUCCESS,
        Ok(shiten::cli::Status::DoneWithSkips) => ExitCode::from(2),
        Err(e) if shiten::cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Line by line, so a message that shows a file's lines (a lexicon's syntax
            // error) keeps them, while a control character of a file name it quotes
            // cannot rewrite the terminal or fake a line.
            let msg = format!("{e:#}");
            let lines: Vec<_> = msg.split('\n').map(shiten::output::printable).collect();
            eprintln!("error: {}", lines.join("\n"));
            ExitCode::from(1)
        }
    }
}
