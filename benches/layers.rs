//! Deep networks: an L-layer tanh MLP differentiated with respect to all its
//! weights at once (`--wrt W_1,…,W_L`), for L = 1, 2, 4, …, 128.
//!
//! ```text
//! x : n, y : n, W_l : n×n, b_l : n
//! h_1 = tanh(W_1 x + b_1)
//! h_l = tanh(W_l h_{l−1} + b_l)          l = 2 … L
//! E   = 1/2 ||h_L − y||^2
//! ```
//!
//! Before the benchmarks it prints the output size against L (bytes of the
//! Unicode, NumPy and LaTeX output, unchecked, so without the one-line
//! check report) as a Markdown table. Then divan times, per L:
//!
//! - `front_end`: parse, shape inference, lowering (the baseline);
//! - `unchecked`: everything but the numeric check (`--no-check`);
//! - `checked`: everything, as `matdiff` runs by default;
//! - `stage_derive`, `stage_check`, `stage_print`: the stages alone (the
//!   previous stages are run untimed, by `with_inputs`), to see where the
//!   time goes.
//!
//! `cargo bench --bench layers`; `python3 benches/layers_table.py` runs it
//! and turns the figures into the Markdown table with the growth ratios
//! time(2L)/time(L).

use std::fmt::Write;

use matdiff::{Format, Options};

const LAYERS: &[usize] = &[1, 2, 4, 8, 16, 32, 64, 128];

/// The L-layer program.
pub fn mlp(layers: usize) -> String {
    let mut s = String::from("x : n\ny : n\n");
    for l in 1..=layers {
        writeln!(s, "W_{{{l}}} : n×n\nb_{{{l}}} : n").unwrap();
    }
    let mut previous = "x".to_string();
    for l in 1..=layers {
        writeln!(s, "h_{{{l}}} = tanh(W_{{{l}}} {previous} + b_{{{l}}})").unwrap();
        previous = format!("h_{{{l}}}");
    }
    writeln!(s, "E = 1/2 ||{previous} - y||^2").unwrap();
    s
}

/// `--wrt W_1,…,W_L`.
fn options(layers: usize, format: Format, check: bool) -> Options {
    Options { wrt: (1..=layers).map(|l| format!("W_{{{l}}}")).collect(), format, check, ..Options::default() }
}

fn main() {
    // Sizes are deterministic: measured once, printed before the timings.
    println!("Output size against L (bytes, --no-check; the check adds one line):\n");
    println!("| L | Unicode | NumPy | LaTeX | Unicode(2L)/Unicode(L) | NumPy(2L)/NumPy(L) |");
    println!("|---:|---:|---:|---:|---:|---:|");
    let mut previous: Option<(usize, usize)> = None;
    for &l in LAYERS {
        let source = mlp(l);
        let size = |format| matdiff::run(&source, &options(l, format, false)).expect("derives").len();
        let (unicode, numpy, latex) = (size(Format::Unicode), size(Format::Numpy), size(Format::Latex));
        let ratio =
            |now: usize, before: Option<usize>| before.map_or("".to_string(), |b| format!("{:.2}", now as f64 / b as f64));
        println!(
            "| {l} | {unicode} | {numpy} | {latex} | {} | {} |",
            ratio(unicode, previous.map(|p| p.0)),
            ratio(numpy, previous.map(|p| p.1))
        );
        previous = Some((unicode, numpy));
    }
    println!();
    divan::main();
}

/// The baseline: parse, infer shapes, lower.
#[divan::bench(args = LAYERS, max_time = 5)]
fn front_end(bencher: divan::Bencher, layers: usize) {
    let source = mlp(layers);
    bencher.bench(|| {
        let program = matdiff::syntax::parse(&source).expect("parses");
        let shapes = matdiff::shape::infer::infer(&program, &source).expect("shapes");
        matdiff::lower::lower(&program, &shapes, None).expect("lowers")
    });
}

/// Everything but the numeric check (`--no-check`), Unicode output.
#[divan::bench(args = LAYERS, max_time = 8)]
fn unchecked(bencher: divan::Bencher, layers: usize) {
    let (source, options) = (mlp(layers), options(layers, Format::Unicode, false));
    bencher.bench(|| matdiff::run(&source, &options).expect("derives"));
}

/// Everything, as `matdiff` runs it, Unicode output.
#[divan::bench(args = LAYERS, max_time = 8)]
fn checked(bencher: divan::Bencher, layers: usize) {
    let (source, options) = (mlp(layers), options(layers, Format::Unicode, true));
    bencher.bench(|| matdiff::run(&source, &options).expect("derives"));
}

/// The program lowered, and the weights.
fn lowered(layers: usize) -> (String, matdiff::lower::Lowered, Vec<matdiff::name::Name>) {
    let source = mlp(layers);
    let program = matdiff::syntax::parse(&source).expect("parses");
    let shapes = matdiff::shape::infer::infer(&program, &source).expect("shapes");
    let lowered = matdiff::lower::lower(&program, &shapes, None).expect("lowers");
    let wrt = (1..=layers).map(|l| matdiff::name::Name::new(&format!("W_{l}"))).collect::<Vec<_>>();
    assert!(wrt.iter().all(|w| lowered.variables.contains(w)), "the weights are variables");
    (source, lowered, wrt)
}

/// `diff::chain::prepare` and `diff::derive` (differentials, reverse
/// accumulation, simplification), as `run` calls them.
fn derived(layers: usize) -> (String, matdiff::lower::Lowered, matdiff::diff::Derivative) {
    let (source, mut lowered, wrt) = lowered(layers);
    let f = lowered.function;
    let chain = matdiff::diff::chain::prepare(&mut lowered.graph, &lowered.definitions, f);
    let derivative = matdiff::diff::derive(&mut lowered.graph, &chain, f, &wrt, matdiff::diff::Kind::Gradient);
    (source, lowered, derivative)
}

/// The derivation alone: chain preparation and `diff::derive`.
#[divan::bench(args = LAYERS, max_time = 8)]
fn stage_derive(bencher: divan::Bencher, layers: usize) {
    bencher.with_inputs(|| lowered(layers)).bench_local_values(|(_, mut lowered, wrt)| {
        let f = lowered.function;
        let chain = matdiff::diff::chain::prepare(&mut lowered.graph, &lowered.definitions, f);
        let d = matdiff::diff::derive(&mut lowered.graph, &chain, f, &wrt, matdiff::diff::Kind::Gradient);
        (lowered, d)
    });
}

/// The numeric cross-check alone (every variable of the MLP is used).
#[divan::bench(args = LAYERS, max_time = 8)]
fn stage_check(bencher: divan::Bencher, layers: usize) {
    bencher.with_inputs(|| derived(layers)).bench_local_refs(|(source, lowered, derivative)| {
        let seed = matdiff::numeric::check::seed_of(source);
        matdiff::numeric::check::check(&lowered.graph, derivative, &lowered.variables, &lowered.dims, seed).expect("agrees")
    });
}

/// Presentation and the Unicode printer alone.
#[divan::bench(args = LAYERS, max_time = 8)]
fn stage_print(bencher: divan::Bencher, layers: usize) {
    bencher.with_inputs(|| derived(layers)).bench_local_values(|(_, mut lowered, derivative)| {
        let presentation = matdiff::present::present(&mut lowered.graph, &derivative, None);
        let out = matdiff::print::Output {
            g: &lowered.graph,
            derivative: &derivative,
            presentation: &presentation,
            report: None,
            variables: &lowered.variables,
            dims: &lowered.dims,
            steps: None,
        };
        let text = matdiff::print::render(Format::Unicode, &out);
        (lowered, derivative, presentation, text)
    });
}
