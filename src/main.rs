//! The `matdiff` command: arguments → `matdiff::run` → output and exit code,
//! or an interactive session (`repl`). The only place that does IO.

mod cli;
mod repl;

use std::io::Write;

use clap::Parser;

fn main() {
    // A panic is an internal error, reported as one line (exit 1): never a trace.
    std::panic::set_hook(Box::new(|_| {}));
    let args = cli::Args::parse();
    if args.interactive() {
        repl::run(args.options());
        return;
    }
    let (src, origin) = match args.source() {
        Ok(s) => s,
        Err(message) => fail(&format!("error: {message}"), 2),
    };
    match matdiff::run_guarded(&src, &args.options()) {
        Ok(text) => print_out(&text),
        Err(e) => fail(&e.render(&src, origin.as_deref()), e.exit_code()),
    }
}

/// Writes `text` to standard output. A reader that has gone (`matdiff … |
/// head -1`) ends the program quietly with success, as it would a filter
/// killed by SIGPIPE, without a message; any other failure to write is
/// exit 1 with one line.
pub fn print_out(text: &str) {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => fail(&format!("error: cannot write the output: {}", e.to_string().to_lowercase()), 1),
    }
}

/// Prints `message` on standard error (if it can: a closed standard error
/// is not worth a panic) and exits with `code`.
fn fail(message: &str, code: i32) -> ! {
    let _ = writeln!(std::io::stderr(), "{message}");
    std::process::exit(code)
}
