//! `--steps`: the derivation as the differential method writes it, line by
//! line, recorded while the differentiator works (not rebuilt from the
//! answer):
//!
//! - the definitions of the chain (with the names it introduces, `v = Wx`)
//!   and their differentials;
//! - for a gradient, the substitution chain: `df = G : d(b)` becomes
//!   `G : L(d(names))` (substitute `d(b)`), then `G` moves across `:` one
//!   identity at a time (`A : BC = BᵀA : C`, …, reported by
//!   `adjoint::transpose_observed`), and what the rewriter did to the
//!   result is a line of its own, named by the rules it applied;
//! - for a Jacobian, the substitutions forward, then `vec(dF) = J vec(dX)`;
//! - for a Hessian, the gradient's lines, then those of its differential
//!   (`vec d(∂f/∂x) = H_xx vec(dx) + H_xy vec(dy)`: the cross blocks' terms).
//!
//! Every line is an expression equal to the differential on its left,
//! linear in `d(name)` leaves, so it can be evaluated: `verify` checks each
//! line numerically, with each `d(name)` the directional derivative of the
//! name.

use egg::Id;
use indexmap::IndexMap;

use super::adjoint::transpose_observed;
use super::chain::Chain;
use super::differential::differential;
use super::gradient::live_names;
use crate::ir::{Graph, Math};
use crate::name::Name;
use crate::simplify;

/// One line: the expression (equal to the differential being derived) and
/// the rule that produced it.
#[derive(Clone, Debug)]
pub struct Line {
    pub rule: String,
    pub expr: Id,
}

/// A section of a derivation: its lines, each equal to `d(of)` (or to
/// `vec(d(of))` when `vectorized`).
#[derive(Clone, Debug)]
pub struct Section {
    pub title: &'static str,
    pub of: Of,
    pub lines: Vec<Line>,
}

/// What the lines of a section are equal to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Of {
    /// `d(name)`
    Differential(Name),
    /// `vec(d(name))`
    Vectorized(Name),
    /// `d(∂f/∂x)`: the differential of a gradient
    Gradient(Name, Name),
    /// `vec(d(∂f/∂x))`
    VectorizedGradient(Name, Name),
}

#[derive(Clone, Debug)]
pub struct Steps {
    /// Each binding the derivative goes through: its definition (as the
    /// chain has it) and its differential, simplified.
    pub definitions: Vec<(Name, Id, Id)>,
    pub sections: Vec<Section>,
}

/// `G : L` as a line term (a product when both are scalars).
fn term(g: &mut Graph, gi: Id, l: Id) -> Id {
    if g.is_scalar(gi) && g.is_scalar(l) { g.mul(gi, l) } else { g.raw(Math::Frob([gi, l])) }
}

fn sum(g: &mut Graph, terms: Vec<Id>) -> Id {
    let (&last, init) = terms.split_last().expect("a term");
    init.iter().rev().fold(last, |acc, &t| g.raw(Math::Add([t, acc])))
}

/// The readable form of `id`, and the rewrite rules that got there.
fn simplified(g: &mut Graph, id: Id) -> (Id, Vec<String>) {
    simplify::simplify_traced(g, id)
}

/// The definitions of the live part of the chain, with their simplified
/// differentials; a scalar's in the seeds' form `G : d(n) + …` (moved across
/// `:`), which the substitution chain then starts from.
fn definitions(g: &mut Graph, chain: &Chain, live: &[Name]) -> Vec<(Name, Id, Id)> {
    let is_live = |n: Name| live.contains(&n);
    let mut out = Vec::new();
    for &(b, expr) in &chain.bindings {
        if !is_live(b) {
            continue;
        }
        let out_sym = g.sym(b);
        if let Some(d) = differential(g, expr, out_sym, &is_live) {
            let (d, _) = simplified(g, d);
            let d = if g.is_scalar(d) {
                moved(g, d)
            } else if columns_only(g, d) {
                // a vector's differential as the seeds write it: dq = (Q − qqᵀ)dθ
                let names = differential_names(g, d);
                let terms: Vec<Id> = jacobian_terms(g, d, &names)
                    .into_iter()
                    .map(|(n, j)| {
                        let dn = g.diff(n);
                        g.mul(j, dn)
                    })
                    .collect();
                sum(g, terms)
            } else {
                d
            };
            out.push((b, expr, d));
        }
    }
    out
}

/// The names whose differentials `lin` uses, in order.
fn differential_names(g: &Graph, lin: Id) -> Vec<Name> {
    g.reachable(&[lin])
        .into_iter()
        .filter_map(|id| match *g.node(id) {
            Math::Diff(s) => match *g.node(s) {
                Math::Sym(n) => Some(n),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Whether `lin` is a column vector in the differentials of column vectors.
fn columns_only(g: &Graph, lin: Id) -> bool {
    g.shape(lin).is_column() && differential_names(g, lin).iter().all(|&n| g.info(n).shape.is_column())
}

/// `lin` (linear in the `d(n)` of `names`) as `Σ Jₙ vec(d(n))`: each `Jₙ`
/// read off with the others' differentials set to zero, simplified.
fn jacobian_terms(g: &mut Graph, lin: Id, names: &[Name]) -> Vec<(Name, Id)> {
    let mut out = Vec::new();
    for &x in names {
        let zeros: Vec<(Name, Id)> = names.iter().filter(|&&y| y != x).map(|&y| (y, g.zero(g.info(y).shape.clone()))).collect();
        let only_x = substitute_differentials(g, lin, &zeros);
        let only_x = crate::simplify::canon::canonical(g, only_x);
        if differential_names(g, only_x).is_empty() {
            continue;
        }
        let n = g.info(x).shape.len().expect("size fits");
        let jac = std::collections::HashMap::from([(x, g.identity(n))]);
        let j = super::jacobian::vec_read(g, only_x, &jac);
        let (j, _) = simplified(g, j);
        out.push((x, j));
    }
    out
}

/// A scalar differential as `Σ Gₙ : d(n)`, each `Gₙ` simplified.
fn moved(g: &mut Graph, lin: Id) -> Id {
    let one = g.int(1);
    let parts = super::adjoint::transpose(g, lin, one);
    let terms: Vec<Id> = parts
        .into_iter()
        .map(|(n, gn)| {
            let (gn, _) = simplified(g, gn);
            let dn = g.diff(n);
            term(g, gn, dn)
        })
        .collect();
    sum(g, terms)
}

/// The steps of the gradient of `f` with respect to `wrt`.
pub fn gradient(g: &mut Graph, chain: &Chain, f: Name, wrt: &[Name]) -> Steps {
    let live = live_names(g, chain, wrt);
    let definitions = definitions(g, chain, &live);
    // Every line lists its terms in one order, so that no line merely
    // reorders them: by the place of their name in the chain, latest first,
    // then the variables; a term still being moved takes its binding's place.
    let place = |n: Name| -> usize {
        match chain.bindings.iter().position(|b| b.0 == n) {
            Some(i) => wrt.len() + i,
            None => wrt.len() - 1 - wrt.iter().position(|&x| x == n).unwrap_or(0),
        }
    };
    let line = |g: &mut Graph, mut terms: Vec<(usize, Id, Id)>| -> Id {
        terms.sort_by_key(|t| std::cmp::Reverse(t.0));
        let built: Vec<Id> = terms.into_iter().map(|(_, gi, l)| term(g, gi, l)).collect();
        sum(g, built)
    };
    let named = |g: &mut Graph, pending: &IndexMap<Name, Id>| -> Vec<(usize, Id, Id)> {
        pending.iter().map(|(&n, &a)| (place(n), a, g.diff(n))).collect()
    };
    let intermediates = super::intermediates(g);
    let mut substituted: std::collections::HashMap<Name, Id> = std::collections::HashMap::new();
    let mut lines: Vec<Line> = Vec::new();
    let mut pending: IndexMap<Name, Id> = IndexMap::new();
    pending.insert(f, g.int(1));
    for &(b, _) in chain.bindings.iter().rev() {
        let Some(gb) = pending.shift_remove(&b) else { continue };
        let Some(&(_, _, lb)) = definitions.iter().find(|d| d.0 == b) else { continue };
        let others = named(g, &pending);
        // substitute d(b) by its differential (for f, the differential is
        // the first line: it is already G : d(n) terms)
        let mut terms = others.clone();
        if b == f {
            let one = g.int(1);
            terms.push((place(b), one, lb));
        } else {
            terms.push((place(b), gb, lb));
        }
        let rule = if b == f { format!("the differential of {b}") } else { format!("substitute d{b}") };
        let expr = if b == f { lb } else { line(g, terms) };
        lines.push(Line { rule, expr });
        // move G across ':', one identity at a time
        let mut moved: Vec<Line> = Vec::new();
        let contributions = transpose_observed(g, lb, gb, &mut |g, rule, pending_terms, reached| {
            let mut terms = others.clone();
            // a pending d(n) is already n's term
            terms.extend(pending_terms.iter().map(|&(node, a)| {
                let key = match *g.node(node) {
                    Math::Diff(s) => match *g.node(s) {
                        Math::Sym(n) => place(n),
                        _ => place(b),
                    },
                    _ => place(b),
                };
                (key, a, node)
            }));
            terms.extend(reached.iter().map(|(&n, &a)| (place(n), a, g.diff(n))));
            moved.push(Line { rule: rule.to_string(), expr: line(g, terms) });
        });
        lines.append(&mut moved);
        // collect, then let the rewriter tidy each G, through the
        // intermediate names already substituted (`u = 𝟙 − p`, once `du`
        // is), as a person would
        if let Some(&def) = intermediates.get(&b) {
            substituted.insert(b, def);
        }
        let (mut collected, mut rules): (Vec<Name>, Vec<String>) = (Vec::new(), Vec::new());
        let mut inlined = false;
        for (n, c) in contributions {
            let total = match pending.get(&n) {
                Some(&prev) => {
                    collected.push(n);
                    g.add(prev, c)
                }
                None => c,
            };
            let before = total;
            let total = super::inline_intermediates(g, &substituted, total);
            inlined |= total != before;
            let (total, applied) = simplified(g, total);
            rules.extend(applied);
            pending.insert(n, total);
        }
        if (!rules.is_empty() || !collected.is_empty()) && !pending.is_empty() {
            let mut said: Vec<String> = collected.iter().map(|n| format!("collect the d{n} terms")).collect();
            if inlined {
                let mut names: Vec<String> = substituted.keys().map(|n| n.to_string()).collect();
                names.sort();
                said.push(format!("write out {}", names.join(", ")));
            }
            said.push(format!("simplify ({})", simplify::rules::describe(&rules)));
            let terms = named(g, &pending);
            lines.push(Line { rule: said.join("; "), expr: line(g, terms) });
        }
    }
    // a symmetric (diagonal) variable moves only so: G : dX = ½(G + Gᵀ) : dX
    use super::gradient::{Moves, moves};
    let restricted: Vec<Name> = pending.keys().copied().filter(|&n| wrt.contains(&n) && moves(g, n) != Moves::Freely).collect();
    if !restricted.is_empty() {
        let mut why: Vec<String> = Vec::new();
        for &x in &restricted {
            let s = super::gradient::restrict(g, x, pending[&x]);
            let (s, _) = simplified(g, s);
            pending.insert(x, s);
            why.push(match moves(g, x) {
                Moves::Diagonally => format!("d{x} diagonal, so G : d{x} = Diag(diag G) : d{x}"),
                _ => format!("d{x} symmetric, so G : d{x} = ½(G + Gᵀ) : d{x}"),
            });
        }
        let terms = named(g, &pending);
        lines.push(Line { rule: format!("symmetrize: {}", why.join("; ")), expr: line(g, terms) });
    }
    Steps { definitions, sections: vec![Section { title: "Substituting", of: Of::Differential(f), lines }] }
}

/// `expr` with each `d(name)` of `subs` replaced.
fn substitute_differentials(g: &mut Graph, expr: Id, subs: &[(Name, Id)]) -> Id {
    let mut map = std::collections::HashMap::new();
    for id in g.reachable(&[expr]) {
        let new = match *g.node(id) {
            Math::Diff(s) => match *g.node(s) {
                Math::Sym(n) => subs.iter().find(|x| x.0 == n).map(|x| x.1).unwrap_or(id),
                _ => id,
            },
            _ => {
                let node = egg::Language::map_children(g.node(id).clone(), |c| map[&c]);
                g.raw(node)
            }
        };
        map.insert(id, new);
    }
    map[&expr]
}

/// Forward substitution: from `start` (linear in `d(names)`), each `d(b)`
/// of the chain replaced by `b`'s differential, latest binding first, the
/// rewriter tidying after each; then `vec(d·) = Σ J vec(dX)`.
fn forward(
    g: &mut Graph,
    chain: &Chain,
    definitions: &[(Name, Id, Id)],
    start: Id,
    first_rule: String,
    wrt: &[Name],
) -> (Vec<Line>, Line) {
    let mut lines = vec![Line { rule: first_rule, expr: start }];
    let mut current = start;
    for &(b, _) in chain.bindings.iter().rev() {
        let Some(&(_, _, db)) = definitions.iter().find(|d| d.0 == b) else { continue };
        let mentions =
            g.reachable(&[current]).into_iter().any(|id| matches!(g.node(id), Math::Diff(s) if *g.node(*s) == Math::Sym(b)));
        if !mentions {
            continue;
        }
        current = substitute_differentials(g, current, &[(b, db)]);
        lines.push(Line { rule: format!("substitute d{b}"), expr: current });
        let (tidy, applied) = simplified(g, current);
        if tidy != current {
            current = tidy;
            lines.push(Line { rule: format!("simplify ({})", simplify::rules::describe(&applied)), expr: current });
        }
    }
    // vec(dF) = Σ J_X vec(dX)
    let terms: Vec<Id> = jacobian_terms(g, current, wrt)
        .into_iter()
        .map(|(x, j)| {
            let dx = g.diff(x);
            let vdx = if g.info(x).shape.cols.is_one() { dx } else { g.raw(Math::Vec(dx)) };
            g.mul(j, vdx)
        })
        .collect();
    let vectorized = Line {
        rule: "read off vec(d·) = J vec(dX): vec(AXB) = (Bᵀ ⊗ A) vec(X), vec(A ∘ X) = Diag(vec A) vec(X)".into(),
        expr: sum(g, terms),
    };
    (lines, vectorized)
}

/// The steps of the Jacobian of `f` (a vector or matrix) forward.
pub fn jacobian(g: &mut Graph, chain: &Chain, f: Name, wrt: &[Name]) -> Steps {
    let live = live_names(g, chain, wrt);
    let definitions = definitions(g, chain, &live);
    let df = definitions.iter().find(|d| d.0 == f).map(|d| d.2).unwrap_or_else(|| g.diff(f));
    let (lines, vectorized) = forward(g, chain, &definitions, df, format!("the differential of {f}"), wrt);
    let sections = vec![
        Section { title: "Substituting", of: Of::Differential(f), lines },
        Section { title: "Vectorizing", of: Of::Vectorized(f), lines: vec![vectorized] },
    ];
    Steps { definitions, sections }
}

/// The steps of the Hessian: the gradient's, then the differential of the
/// gradient forward, vectorized.
pub fn hessian(g: &mut Graph, chain: &Chain, f: Name, wrt: &[Name]) -> Steps {
    let mut steps = gradient(g, chain, f, wrt);
    let live = live_names(g, chain, wrt);
    let is_live = |n: Name| live.contains(&n);
    for &x in wrt {
        // the gradient, as the main derivation gives it
        let grad = super::gradient::gradients(g, chain, f, &[x]);
        let gx = grad.results[0].1;
        let adjoint_defs: Vec<(Name, Id)> = grad.adjoints.iter().map(|&a| (a, g.info(a).def.expect("defined"))).collect();
        let gx = g.substitute(gx, &|n| adjoint_defs.iter().find(|d| d.0 == n).map(|d| d.1));
        // simplified as the derivation simplifies it: through the
        // intermediate names (`u = 𝟙 − p`), so that Xᵀ(p − y) appears
        let gx = super::inline_intermediates(g, &super::intermediates(g), gx);
        let (gx, _) = simplified(g, gx);
        let Some(dg) = differential(g, gx, gx, &is_live) else { continue };
        let (dg, _) = simplified(g, dg);
        // with several variables, d(∂f/∂x) has a term for each: the cross blocks
        let (lines, vectorized) = forward(g, chain, &steps.definitions, dg, format!("the differential of ∂{f}/∂{x}"), wrt);
        steps.sections.push(Section { title: "Differentiating the gradient", of: Of::Gradient(f, x), lines });
        steps.sections.push(Section { title: "Vectorizing", of: Of::VectorizedGradient(f, x), lines: vec![vectorized] });
    }
    steps
}

/// The steps of the derivative of kind `kind`.
pub fn derive(g: &mut Graph, chain: &Chain, f: Name, wrt: &[Name], kind: super::Kind) -> Steps {
    match kind {
        super::Kind::Gradient => gradient(g, chain, f, wrt),
        super::Kind::Jacobian => jacobian(g, chain, f, wrt),
        super::Kind::Hessian => hessian(g, chain, f, wrt),
    }
}
