//! The `matdiff` command: arguments → `matdiff::run` → output and exit code.
//! The only place that does IO.

mod cli;

use clap::Parser;
use matdiff::Error;

fn main() {
    // A panic is an internal error, reported as one line (exit 1): never a trace.
    std::panic::set_hook(Box::new(|_| {}));
    let args = cli::Args::parse();
    let (src, origin) = match args.source() {
        Ok(s) => s,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    };
    match matdiff::run_guarded(&src, &args.options()) {
        Ok(text) => print!("{text}"),
        Err(e) => {
            match &e {
                Error::Program(d) => {
                    let mut text = d.render(&src);
                    if let Some(file) = origin {
                        text = text.replacen(" --> ", &format!(" --> {file}:"), 1);
                    }
                    eprintln!("{text}");
                }
                Error::Usage(m) => eprintln!("error: {m}"),
                Error::CheckFailed(m) => eprintln!("error: {m}"),
                Error::Internal(m) => {
                    eprintln!("internal error: {m}\nThis is a bug in matdiff; please report it with the program that caused it.")
                }
            }
            std::process::exit(e.exit_code());
        }
    }
}
