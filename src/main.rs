//! The `shiten` binary: parse arguments, run, map the result to an exit code
//! (0 all analysed, 2 done with skips, 1 fatal error).

use clap::Parser;

fn main() -> std::process::ExitCode {
    shiten::trace::limit_heap_fragmentation();
    let cli = shiten::cli::Cli::parse();
    match shiten::cli::run(cli) {
        Ok(shiten::cli::Status::Clean) => std::process::ExitCode::SUCCESS,
        Ok(shiten::cli::Status::DoneWithSkips) => std::process::ExitCode::from(2),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}
