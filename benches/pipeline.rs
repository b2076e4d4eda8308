//! Parse + derive + print for each example program, with the numeric check
//! (the default) and without it, against a baseline run in the same process:
//! the front end alone (parse, shape inference, lowering).
//!
//! `cargo bench --bench pipeline`; `python3 benches/pipeline_table.py` runs
//! it and prints the Markdown table, each time as a ratio to the front end.

use matdiff::{Format, Options};

fn main() {
    divan::main();
}

/// Every program in `examples/`.
const EXAMPLES: &[&str] = &[
    "attention",
    "batch-softmax-xent",
    "gaussian-loglik",
    "hessian-cross-blocks",
    "kronecker-jacobian",
    "layer-norm",
    "least-squares",
    "linear-chain",
    "logdet",
    "logistic-hessian",
    "logistic-regression",
    "logsoftmax-batch",
    "logsumexp-hessian",
    "nested-activations",
    "one-hidden-layer-jacobian",
    "quadratic-chain",
    "quadratic-form",
    "relu-layer",
    "ridge",
    "sigmoid-mse",
    "softmax-rows",
    "softmax-xent",
    "softmax-xent-rows",
    "trace-cross-hessian",
    "trace-inverse",
    "two-layer-mlp",
];

fn example(name: &str) -> (String, Options) {
    let source = std::fs::read_to_string(format!("examples/{name}.mdiff")).expect("an example");
    let options = Options { format: Format::Latex, ..Options::from_comments(&source) };
    (source, options)
}

/// The baseline: parse, infer shapes, lower.
#[divan::bench(args = EXAMPLES)]
fn front_end(bencher: divan::Bencher, name: &str) {
    let (source, _) = example(name);
    bencher.bench(|| {
        let program = matdiff::syntax::parse(&source).expect("parses");
        let shapes = matdiff::shape::infer::infer(&program, &source).expect("shapes");
        matdiff::lower::lower(&program, &shapes, None).expect("lowers")
    });
}

/// Everything but the numeric check.
#[divan::bench(args = EXAMPLES)]
fn unchecked(bencher: divan::Bencher, name: &str) {
    let (source, options) = example(name);
    let options = Options { check: false, ..options };
    bencher.bench(|| matdiff::run(&source, &options).expect("derives"));
}

/// Everything, as `matdiff` runs it.
#[divan::bench(args = EXAMPLES)]
fn checked(bencher: divan::Bencher, name: &str) {
    let (source, options) = example(name);
    bencher.bench(|| matdiff::run(&source, &options).expect("derives"));
}
