//! Simplification with an e-graph: the expression is added to an egg
//! e-graph whose analysis carries shapes, the rule tables of `rules` are run
//! under fixed limits, and a term is extracted by one of two costs
//! (`Goal::Readable` for people, `Goal::Flops` for the NumPy module).
//!
//! Names (definitions, introduced names, adjoints) are leaves here: each
//! binding is simplified on its own, which keeps e-graphs small.
//!
//! Architecture invariant: runs are bounded by iterations and nodes, never
//! by wall-clock time, and egg's maps are insertion-ordered (its
//! `deterministic` feature), so the same input always gives the same output.

pub mod analysis;
pub mod apply;
pub mod canon;
pub mod cost;
pub mod factor;
pub mod rules;

use std::sync::OnceLock;

use egg::{Extractor, Id, Rewrite, Runner};

use crate::ir::{Graph, Math};
use analysis::{MathGraph, MatrixAnalysis};
use rules::Phase;

/// Which term to extract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// The form a person would write.
    Readable,
    /// The cheapest to compute.
    Flops,
}

/// Limits of one round: a few iterations, so that associativity and
/// commutativity cannot blow the e-graph up; rounds repeat from the best
/// term found, as long as it keeps improving (iterated saturation).
pub const ITERATIONS: usize = 4;
/// The factor phase starts from factored terms and chooses notation; its
/// e-graphs grow fastest (associativity both ways), so its rounds are shorter.
pub const FACTOR_ITERATIONS: usize = 3;
pub const NODES: usize = 2_000;
pub const ROUNDS: usize = 8;

fn rewrites(phase: Phase) -> &'static [Rewrite<Math, MatrixAnalysis>] {
    static NORMALIZE: OnceLock<Vec<Rewrite<Math, MatrixAnalysis>>> = OnceLock::new();
    static FACTOR: OnceLock<Vec<Rewrite<Math, MatrixAnalysis>>> = OnceLock::new();
    match phase {
        Phase::Normalize => NORMALIZE.get_or_init(|| rules::phase(Phase::Normalize)),
        Phase::Factor => FACTOR.get_or_init(|| rules::phase(Phase::Factor)),
    }
}

/// Runs one phase's rules on an e-graph holding `roots` (already added).
///
/// egg reads the time through `quanta` for its time limit and reports. Runs
/// here are bounded by iterations and nodes only, so they read a mock clock
/// that never moves: no time limit can cut a run short (same input, same
/// output), and `quanta` never calibrates (up to 200 ms per process on a VM).
pub fn saturate(egraph: MathGraph, roots: &[Id], phase: Phase) -> Runner<Math, MatrixAnalysis> {
    let (clock, _) = quanta::Clock::mock();
    let iterations = if phase == Phase::Factor { FACTOR_ITERATIONS } else { ITERATIONS };
    let mut runner = Runner::default().with_egraph(egraph).with_iter_limit(iterations).with_node_limit(NODES);
    runner.roots = roots.to_vec();
    let start = std::time::Instant::now();
    let runner = quanta::with_clock(&clock, || runner.run(rewrites(phase)));
    // MATDIFF_DEBUG_EGG=1: what each run did, on standard error
    if std::env::var_os("MATDIFF_DEBUG_EGG").is_some() {
        eprintln!(
            "{phase:?}: {:?} after {} iterations, {} nodes, {:?}",
            runner.stop_reason,
            runner.iterations.len(),
            runner.egraph.total_number_of_nodes(),
            start.elapsed()
        );
        for it in &runner.iterations {
            let mut top: Vec<_> = it.applied.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1));
            eprintln!("  nodes {:5} applied {:?}", it.egraph_nodes, &top[..top.len().min(8)]);
        }
    }
    runner
}

/// A fresh e-graph holding, for each root, its equivalent forms in one
/// class; returns the classes.
fn egraph_of_forms(g: &Graph, forms: &[Vec<Id>]) -> (MathGraph, Vec<Id>) {
    let roots: Vec<Id> = forms.iter().flatten().copied().collect();
    let (expr, positions) = g.extract(&roots);
    let mut egraph = MathGraph::new(MatrixAnalysis::of(g, expr.as_ref()));
    let mut ids: Vec<Id> = Vec::with_capacity(expr.len());
    for node in expr.as_ref() {
        let node = egg::Language::map_children(node.clone(), |c| ids[usize::from(c)]);
        ids.push(egraph.add(node));
    }
    let mut classes = positions.iter().map(|p| ids[usize::from(*p)]);
    let eroots: Vec<Id> = forms
        .iter()
        .map(|f| {
            let first = classes.next().expect("a form");
            for _ in 1..f.len() {
                let other = classes.next().expect("a form");
                egraph.union(first, other);
            }
            first
        })
        .collect();
    egraph.rebuild();
    let eroots = eroots.into_iter().map(|r| egraph.find(r)).collect();
    (egraph, eroots)
}

fn extract(g: &mut Graph, egraph: &MathGraph, roots: &[Id], goal: Goal) -> Vec<Id> {
    let best: Vec<egg::RecExpr<Math>> = match goal {
        Goal::Readable => {
            let ex = Extractor::new(egraph, cost::Readable { egraph });
            roots.iter().map(|&r| ex.find_best(r).1).collect()
        }
        Goal::Flops => {
            let ex = Extractor::new(egraph, cost::Flops { egraph });
            roots.iter().map(|&r| ex.find_best(r).1).collect()
        }
    };
    best.iter().map(|e| g.add_expr(e)).collect()
}

/// The simplified forms of some expressions: for people and for NumPy.
pub struct Simplified {
    pub readable: Vec<Id>,
    pub flops: Vec<Id>,
}

/// The cost of each root's best term under the readable cost.
fn costs(egraph: &MathGraph, roots: &[Id]) -> f64 {
    let ex = Extractor::new(egraph, cost::Readable { egraph });
    roots.iter().map(|&r| ex.find_best_cost(r)).sum()
}

/// Rounds of one phase from `roots`: returns the best terms, added to `g`,
/// and the e-graph of the last round.
fn rounds(g: &mut Graph, forms: &[Vec<Id>], phase: Phase, applied: &mut Vec<String>) -> (Vec<Id>, MathGraph, Vec<Id>) {
    // normalize works on the normal form (it has no distribution, nor
    // commutativity of `+`)
    let canonical = |g: &mut Graph, ids: Vec<Id>| -> Vec<Id> {
        if phase == Phase::Normalize { ids.into_iter().map(|r| canon::canonical(g, r)).collect() } else { ids }
    };
    let mut best = f64::INFINITY;
    let mut round = 0;
    let mut current: Vec<Vec<Id>> = forms.iter().map(|f| canonical(g, f.clone())).collect();
    loop {
        let (egraph, eroots) = egraph_of_forms(g, &current);
        let runner = saturate(egraph, &eroots, phase);
        for it in &runner.iterations {
            for rule in it.applied.keys() {
                let rule = rule.to_string();
                if !applied.contains(&rule) {
                    applied.push(rule);
                }
            }
        }
        let cost = costs(&runner.egraph, &eroots);
        let saturated = matches!(runner.stop_reason, Some(egg::StopReason::Saturated));
        round += 1;
        let next = extract(g, &runner.egraph, &eroots, Goal::Readable);
        if saturated || cost >= best || round == ROUNDS {
            return (next, runner.egraph, eroots);
        }
        best = cost;
        current = canonical(g, next).into_iter().map(|r| vec![r]).collect();
    }
}

/// Simplifies `roots` together (sharing their common parts): a normalize
/// phase, then a factor phase; adds the results to `g`.
pub fn simplify(g: &mut Graph, roots: &[Id]) -> Simplified {
    simplify_recording(g, roots, &mut Vec::new())
}

/// The readable form of `root`, and the names of the rewrite rules applied
/// on the way (for `--steps`).
pub fn simplify_traced(g: &mut Graph, root: Id) -> (Id, Vec<String>) {
    let mut applied = Vec::new();
    let s = simplify_recording(g, &[root], &mut applied);
    (s.readable[0], applied)
}

fn simplify_recording(g: &mut Graph, roots: &[Id], applied: &mut Vec<String>) -> Simplified {
    let forms: Vec<Vec<Id>> = roots.iter().map(|&r| vec![r]).collect();
    let (normal, _, _) = rounds(g, &forms, Phase::Normalize, applied);
    let normal: Vec<Id> = normal.into_iter().map(|r| canon::canonical(g, r)).collect();
    let factored: Vec<Vec<Id>> = normal.into_iter().map(|r| factor::factorings(g, r)).collect();
    let (readable, egraph, eroots) = rounds(g, &factored, Phase::Factor, applied);
    let flops = extract(g, &egraph, &eroots, Goal::Flops);
    Simplified { readable, flops }
}
