//! Every program in `examples/`: its LaTeX and Unicode output, snapshotted
//! (running it is also its numeric check: `run` fails on a disagreement),
//! and the `# result:` lines it documents, which must appear as printed.
//!
//! Header comments give the options: `# wrt: A, B`, `# of: s`, `# hessian`.

use std::path::Path;

use matdiff::{Format, Options};

/// An example program and the options its header asks for.
struct Example {
    name: String,
    source: String,
    options: Options,
    results: Vec<String>,
}

fn header(source: &str, key: &str) -> Vec<String> {
    source.lines().filter_map(|l| l.strip_prefix(&format!("# {key}:")).map(|v| v.trim().to_string())).collect()
}

fn load(path: &Path) -> Example {
    let source = std::fs::read_to_string(path).expect("readable example");
    let options = Options::from_comments(&source);
    let name = path.file_stem().expect("a file name").to_string_lossy().into_owned();
    Example { name, results: header(&source, "result"), source, options }
}

fn examples() -> Vec<Example> {
    let mut paths: Vec<_> = std::fs::read_dir("examples")
        .expect("the examples folder")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "mdiff"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load(p)).collect()
}

#[path = "support/redact.rs"]
mod support;
use support::redact;

#[test]
fn examples_print_what_they_document() {
    let examples = examples();
    assert!(examples.len() >= 10, "the examples folder is missing programs");
    for ex in examples {
        for (format, tag) in [(Format::Unicode, "unicode"), (Format::Latex, "latex")] {
            let opts = Options { format, ..ex.options.clone() };
            let out = matdiff::run(&ex.source, &opts).unwrap_or_else(|e| panic!("{}: {e:?}", ex.name));
            if format == Format::Unicode {
                for want in &ex.results {
                    assert!(out.lines().any(|l| l == want), "{}: documents `{want}`, but prints\n{out}", ex.name);
                }
                assert!(!ex.results.is_empty(), "{}: document its result in a `# result:` line", ex.name);
            }
            insta::assert_snapshot!(format!("{}@{tag}", ex.name), redact(&out));
        }
    }
}
