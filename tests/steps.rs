//! `--steps`: every line of every derivation verified numerically, for the
//! public acceptance cases and every example (each line evaluated at random
//! points, every `d(name)` in it the directional derivative of that name,
//! must equal the differential its section derives); and the seeds'
//! derivations, snapshotted in LaTeX and Unicode.

use std::path::PathBuf;

use matdiff::{Format, Options};

/// The options a program's header comments ask for.
fn options(source: &str) -> Options {
    Options { steps: true, ..Options::from_comments(source) }
}

fn programs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["examples", "tests/latex/acceptance"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.expect("an entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "mdiff"))
            .collect();
        files.sort();
        out.extend(files);
    }
    out
}

#[test]
fn every_line_of_every_derivation_is_verified() {
    let mut failures = Vec::new();
    let mut lines = 0;
    for path in programs() {
        let source = std::fs::read_to_string(&path).expect("readable");
        let opts = options(&source);
        let derived = matdiff::derive(&source, &opts).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let steps = derived.steps.as_ref().expect("steps were asked for");
        lines += steps.definitions.len() + steps.sections.iter().map(|s| s.lines.len()).sum::<usize>();
        let seed = matdiff::numeric::check::seed_of(&source);
        if let Err(why) =
            matdiff::numeric::check::verify_steps(&derived.graph, steps, &derived.variables, &derived.dims, &derived.wrt, seed)
        {
            failures.push(format!("{}: {why}", path.display()));
        }
    }
    assert!(lines > 200, "only {lines} lines were checked");
    assert!(failures.is_empty(), "lines that disagree:\n{}", failures.join("\n"));
}

#[test]
fn seed_derivations_read_like_the_seeds() {
    for name in ["sigmoid-mse", "linear-chain", "nested-activations", "one-hidden-layer-jacobian", "softmax-xent"] {
        let source = std::fs::read_to_string(format!("examples/{name}.mdiff")).expect("an example");
        for (format, tag) in [(Format::Unicode, "unicode"), (Format::Latex, "latex")] {
            let opts = Options { format, ..options(&source) };
            let out = matdiff::run(&source, &opts).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let out: String = out.lines().filter(|l| !l.contains("max relative error")).collect::<Vec<_>>().join("\n");
            insta::assert_snapshot!(format!("{name}@steps-{tag}"), out);
        }
    }
}
