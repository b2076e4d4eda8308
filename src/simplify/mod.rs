//! Simplification with an e-graph: the expression is added to an egg
//! e-graph whose analysis carries shapes, the rule tables of `rules` are run
//! under fixed limits, and a term is extracted by one of two costs
//! (`Goal::Readable` for people, `Goal::Flops` for the NumPy module).
//!
//! Names (definitions, introduced names, adjoints) are leaves here: each
//! binding is simplified on its own, which keeps e-graphs small.
//!
//! Architecture invariant: runs are bounded by iterations and nodes, never
//! by wall-clock time, and egg's maps hash with the unseeded FxHash (a
//! `Name` hashes its spelling), so the same input always gives the same
//! output.

pub mod analysis;
pub mod apply;
pub mod canon;
pub mod cost;
pub mod extract;
pub mod factor;
pub mod rules;

use std::collections::HashMap;
use std::sync::OnceLock;

use egg::{Extractor, Id, Language, Rewrite, Runner};

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

/// `f` with egg reading a mock clock that never moves.
///
/// egg reads the time through `quanta` for its time limit and reports (in
/// `Runner::run`, and in `EGraph::rebuild`). Runs here are bounded by
/// iterations and nodes only, so no time limit can cut a run short (same
/// input, same output), and `quanta` never calibrates its global clock,
/// which takes up to 200 ms per process on a VM (a quarter of the CLI's
/// time on a seed example, when one `rebuild` was left outside).
fn on_mock_clock<R>(f: impl FnOnce() -> R) -> R {
    let (clock, _) = quanta::Clock::mock();
    quanta::with_clock(&clock, f)
}

/// Runs one phase's rules on an e-graph holding `roots` (already added).
pub fn saturate(egraph: MathGraph, roots: &[Id], phase: Phase) -> Runner<Math, MatrixAnalysis> {
    let iterations = if phase == Phase::Factor { FACTOR_ITERATIONS } else { ITERATIONS };
    let mut runner = Runner::default().with_egraph(egraph).with_iter_limit(iterations).with_node_limit(NODES);
    runner.roots = roots.to_vec();
    let start = std::time::Instant::now();
    let runner = on_mock_clock(|| runner.run(rewrites(phase)));
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
    on_mock_clock(|| egraph.rebuild());
    let eroots = eroots.into_iter().map(|r| egraph.find(r)).collect();
    (egraph, eroots)
}

/// Terms deeper than this are extracted by [`extract::Ordered`]: egg's
/// extractor takes a sweep over the whole e-graph per level of depth.
pub const EGG_EXTRACT_DEPTH: usize = 48;

/// The depth of the deepest of `forms` (a leaf is 1).
fn depth_of(g: &Graph, forms: &[Vec<Id>]) -> usize {
    let roots: Vec<Id> = forms.iter().flatten().copied().collect();
    let mut depth: HashMap<Id, usize> = HashMap::new();
    let mut deepest = 0;
    // children have smaller ids: in id order, each node after its children
    for id in g.reachable(&roots) {
        let d = 1 + g.node(id).children().iter().map(|c| depth[c]).max().unwrap_or(0);
        depth.insert(id, d);
        deepest = deepest.max(d);
    }
    deepest
}

/// The best terms of `roots` for `goal`, added to `g`; by egg's extractor
/// unless the terms are `deep`.
fn extract(g: &mut Graph, egraph: &MathGraph, roots: &[Id], goal: Goal, deep: bool) -> Vec<Id> {
    let best: Vec<egg::RecExpr<Math>> = match (goal, deep) {
        (Goal::Readable, false) => {
            let ex = Extractor::new(egraph, cost::Readable { egraph });
            roots.iter().map(|&r| ex.find_best(r).1).collect()
        }
        (Goal::Flops, false) => {
            let ex = Extractor::new(egraph, cost::Flops { egraph });
            roots.iter().map(|&r| ex.find_best(r).1).collect()
        }
        (Goal::Readable, true) => {
            let ex = extract::Ordered::new(egraph, cost::Readable { egraph });
            roots.iter().map(|&r| ex.find_best(egraph, r)).collect()
        }
        (Goal::Flops, true) => {
            let ex = extract::Ordered::new(egraph, cost::Flops { egraph });
            roots.iter().map(|&r| ex.find_best(egraph, r)).collect()
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
fn costs(egraph: &MathGraph, roots: &[Id], deep: bool) -> f64 {
    if deep {
        let ex = extract::Ordered::new(egraph, cost::Readable { egraph });
        return roots.iter().map(|&r| ex.find_best_cost(egraph, r)).sum();
    }
    let ex = Extractor::new(egraph, cost::Readable { egraph });
    roots.iter().map(|&r| ex.find_best_cost(r)).sum()
}

/// The number of distinct nodes under `forms`: what an e-graph of them
/// would start with.
fn size_of(g: &Graph, forms: &[Vec<Id>]) -> usize {
    let roots: Vec<Id> = forms.iter().flatten().copied().collect();
    g.reachable(&roots).len()
}

/// The e-graph of a phase's last round, its roots, and whether its terms
/// were deep (see [`extract`]).
type LastRound = (MathGraph, Vec<Id>, bool);

/// Rounds of one phase from `roots`: returns the best terms, added to `g`,
/// and the e-graph of the last round, if there was one.
///
/// Terms larger than [`NODES`] are not put in an e-graph: the runner would
/// stop at its node limit before its first iteration, so an e-graph would
/// only cost time (a sum of 20 000 terms builds hundreds of thousands of
/// nodes). Such terms stay as the normal form and factoring made them; of
/// several forms, the first.
fn rounds(g: &mut Graph, forms: &[Vec<Id>], phase: Phase, applied: &mut Vec<String>) -> (Vec<Id>, Option<LastRound>) {
    // normalize works on the normal form (it has no distribution, nor
    // commutativity of `+`)
    let canonical = |g: &mut Graph, ids: Vec<Id>| -> Vec<Id> {
        if phase == Phase::Normalize { ids.into_iter().map(|r| canon::canonical(g, r)).collect() } else { ids }
    };
    let mut best = f64::INFINITY;
    let mut round = 0;
    let mut current: Vec<Vec<Id>> = forms.iter().map(|f| canonical(g, f.clone())).collect();
    loop {
        if size_of(g, &current) > NODES {
            return (current.iter().map(|f| f[0]).collect(), None);
        }
        let deep = depth_of(g, &current) > EGG_EXTRACT_DEPTH;
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
        let cost = costs(&runner.egraph, &eroots, deep);
        let saturated = matches!(runner.stop_reason, Some(egg::StopReason::Saturated));
        round += 1;
        let next = extract(g, &runner.egraph, &eroots, Goal::Readable, deep);
        if saturated || cost >= best || round == ROUNDS {
            return (next, Some((runner.egraph, eroots, deep)));
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
    // A leaf is its own simplest form: no rule's left side is a leaf, so the
    // phases would return it unchanged, after building two e-graphs for it
    // (thousands of results that are `1` or `0` made that the bulk of the
    // work).
    if roots.iter().all(|&r| matches!(g.node(r), Math::Num(_) | Math::Sym(_) | Math::Const(_))) {
        return Simplified { readable: roots.to_vec(), flops: roots.to_vec() };
    }
    let forms: Vec<Vec<Id>> = roots.iter().map(|&r| vec![r]).collect();
    let (normal, _) = rounds(g, &forms, Phase::Normalize, applied);
    let normal: Vec<Id> = normal.into_iter().map(|r| canon::canonical(g, r)).collect();
    let factored: Vec<Vec<Id>> = normal.iter().map(|&r| factor::factorings(g, r)).collect();
    let (readable, last) = rounds(g, &factored, Phase::Factor, applied);
    let flops = match last {
        Some((egraph, eroots, deep)) => extract(g, &egraph, &eroots, Goal::Flops, deep),
        None => readable.clone(),
    };
    Simplified { readable, flops: cheaper(g, &flops, &normal) }
}

/// Of each pair `(a[i], b[i])`, the cheaper to compute (`a[i]` on a tie).
/// The unfactored normal form competes with the factored forms only here,
/// not in the factor phase, where it would only offer people longer terms:
/// `Ax + Aᵀx` computes faster than `(A + Aᵀ)x`, which allocates a matrix.
fn cheaper(g: &Graph, a: &[Id], b: &[Id]) -> Vec<Id> {
    // factoring changes only sums: without one, there is nothing to compare
    let sums = |r: Id| g.reachable(&[r]).into_iter().any(|id| matches!(g.node(id), Math::Add(_)));
    if a.iter().zip(b).all(|(&x, &y)| x == y || !sums(y)) {
        return a.to_vec();
    }
    let forms: Vec<Vec<Id>> = a.iter().chain(b).map(|&r| vec![r]).collect();
    if size_of(g, &forms) > NODES {
        return a.to_vec();
    }
    let deep = depth_of(g, &forms) > EGG_EXTRACT_DEPTH;
    let (egraph, eroots) = egraph_of_forms(g, &forms);
    let costs: Vec<f64> = if deep {
        let ex = extract::Ordered::new(&egraph, cost::Flops { egraph: &egraph });
        eroots.iter().map(|&r| ex.find_best_cost(&egraph, r)).collect()
    } else {
        let ex = Extractor::new(&egraph, cost::Flops { egraph: &egraph });
        eroots.iter().map(|&r| ex.find_best_cost(r)).collect()
    };
    let (ca, cb) = costs.split_at(a.len());
    a.iter().zip(b).zip(ca.iter().zip(cb)).map(|((&x, &y), (&cx, &cy))| if cy < cx { y } else { x }).collect()
}
