//! The `matdiff` command: arguments → `matdiff::run` → output and exit code.
//! The only place that does IO.

mod cli;

use clap::Parser;

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
            eprintln!("{}", e.render(&src, origin.as_deref()));
            std::process::exit(e.exit_code());
        }
    }
}
