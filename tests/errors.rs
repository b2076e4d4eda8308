//! Bad input beyond syntax, one case per file, and the message matdiff
//! gives for each (syntax errors are `tests/parse.rs`'s):
//!
//! - `tests/errors/names/`: what names mean (self-reference, use before
//!   definition, redefinition, declarations that disagree, arity, nothing
//!   or only constants to differentiate);
//! - `tests/errors/shapes/`: every operator's shape mismatch, and (as
//!   `reinterpret_*`) the programs whose only reading would change the
//!   shape of an undeclared name (CONTRACT §1, *Read as typed, or
//!   refused*; their declared readings are checked in `tests/shapes.rs`);
//! - `tests/errors/cli/`: misuse of the command line. A `# args:` line gives
//!   the arguments, `$FILE` standing for the case's own path; the program is
//!   whatever the arguments say (usually `$FILE`), standard input is empty.
//!
//! Programs go through [`matdiff::run`], CLI cases through the built binary.
//! Every case must fail with exit status 2 and one message (`error: …`
//! once); a program's message must name its place (` --> line:column` and a
//! caret), a shape error both places (two carets), unless the file says
//! `# no place` (an empty program has nothing to point at). The rendered
//! messages are snapshotted: reading them is the review of the wording.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use matdiff::Options;

fn cases(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/errors").join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "mdiff"))
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Lines of a rendered message that hold carets (`  |     ^^^ label`).
fn caret_lines(rendered: &str) -> usize {
    rendered
        .lines()
        .filter(|l| {
            l.split_once('|').is_some_and(|(gutter, rest)| gutter.trim().is_empty() && rest.trim_start().starts_with('^'))
        })
        .count()
}

/// What every message must be: one `error:`, no trace of a panic.
fn assert_one_message(name: &str, rendered: &str) {
    assert!(rendered.starts_with("error: "), "{name}: not an error message:\n{rendered}");
    let errors = rendered.lines().filter(|l| l.starts_with("error")).count();
    assert_eq!(errors, 1, "{name}: {errors} messages:\n{rendered}");
    for bad in ["panicked", "internal error", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(!rendered.contains(bad), "{name}: {bad}:\n{rendered}");
    }
}

/// A bad program through the pipeline: its rendered message, checked for
/// exit status 2, one message, and `places` carets at least (unless the
/// file says it has no place).
fn program_error(path: &Path, places: usize) -> String {
    let name = stem(path);
    let src = std::fs::read_to_string(path).unwrap();
    let error = match matdiff::run(&src, &Options::default()) {
        Ok(out) => panic!("{name}.mdiff succeeded:\n{out}"),
        Err(e) => e,
    };
    let rendered = error.render(&src, None);
    assert_eq!(error.exit_code(), 2, "{name}: exit {} for\n{rendered}", error.exit_code());
    assert_one_message(&name, &rendered);
    if src.lines().any(|l| l.trim() == "# no place") {
        assert_eq!(caret_lines(&rendered), 0, "{name}: says it has no place, but\n{rendered}");
    } else {
        assert!(
            rendered.lines().nth(1).is_some_and(|l| l.trim_start().starts_with("--> ")),
            "{name}: no line:column\n{rendered}"
        );
        let carets = caret_lines(&rendered);
        assert!(carets >= places, "{name}: {carets} places, {places} wanted:\n{rendered}");
    }
    rendered
}

fn snapshot(prefix: &str, path: &Path, rendered: &str) {
    insta::with_settings!({ input_file => path, prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("{prefix}__{}", stem(path)), rendered);
    });
}

#[test]
fn name_errors() {
    for path in cases("names") {
        let rendered = program_error(&path, 1);
        snapshot("name_error", &path, &rendered);
    }
}

#[test]
fn shape_errors_point_at_both_places() {
    for path in cases("shapes") {
        let rendered = program_error(&path, 2);
        snapshot("shape_error", &path, &rendered);
    }
}

/// The arguments of a CLI case, `$FILE` replaced by its path (relative to
/// the package, where the binary runs).
fn arguments(path: &Path) -> Vec<String> {
    let src = std::fs::read_to_string(path).unwrap();
    let line =
        src.lines().find_map(|l| l.strip_prefix("# args:")).unwrap_or_else(|| panic!("{}: no `# args:` line", path.display()));
    let relative = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().to_string_lossy().into_owned();
    line.split_whitespace().map(|a| a.replace("$FILE", &relative)).collect()
}

#[test]
fn command_line_errors() {
    for path in cases("cli") {
        let name = stem(&path);
        let args = arguments(&path);
        let out = Command::new(env!("CARGO_BIN_EXE_matdiff"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}: matdiff {args:?}\n{stderr}");
        assert!(out.stdout.is_empty(), "{name}: printed to standard output");
        assert_one_message(&name, &stderr);
        snapshot("cli_error", &path, &format!("$ matdiff {}\n{stderr}", args.join(" ")));
    }
}

#[test]
fn the_catalogue_is_large_enough() {
    let counts = ["names", "shapes", "cli"].map(|f| cases(f).len());
    assert!(counts.iter().sum::<usize>() >= 40, "{counts:?}");
    assert!(counts.iter().all(|&n| n >= 10), "{counts:?}");
}
