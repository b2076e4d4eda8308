//! What a result is written with, shared by the LaTeX, Unicode and JSON
//! printers: which named quantities appear in the `where` list (in the
//! order a reader needs them), which adjoints are small enough to write
//! out in place, and the seeds' shorthand `S = Diag(s)`.
//!
//! Nothing here changes a value: inlining a name replaces it by its own
//! definition.

use std::collections::{HashMap, HashSet};

use egg::{Id, Language};

use crate::diff::Derivative;
use crate::ir::{Constant, Graph, Math, NameKind};
use crate::name::{Name, NameParts};
use crate::shape::Shape;

/// An adjoint is written out in place when its definition is at most this
/// large (as a tree) and it is used at most twice, or twice this large and
/// used once.
const SMALL: usize = 12;

pub struct Presentation {
    /// Remarks the reader needs (where a derivative is taken by convention).
    pub remarks: Vec<String>,
    /// Each result's expression, adjoints inlined where small.
    pub results: Vec<(Name, Id)>,
    /// The names the results use, each with the expression it stands for,
    /// in the order they are first needed: each before the names its
    /// definition uses.
    pub wheres: Vec<(Name, Id)>,
    /// `s` → `S` for vectors whose `Diag(s)` is written `S`.
    pub diag_names: HashMap<Name, Name>,
    /// Printed texts that matdiff's parser could not read back, where that
    /// does not fail the check (see [`crate::readback::unreadable_fails`]).
    pub readback: Vec<String>,
}

/// Counts, over the expressions under `roots`, how often each name is used.
fn uses(g: &Graph, roots: &[Id]) -> HashMap<Name, usize> {
    let mut parents: HashMap<Id, usize> = HashMap::new();
    for id in g.reachable(roots) {
        for &c in g.node(id).children() {
            *parents.entry(c).or_default() += 1;
        }
    }
    for &r in roots {
        *parents.entry(r).or_default() += 1;
    }
    let mut out = HashMap::new();
    for (id, n) in parents {
        if let Math::Sym(name) = g.node(id) {
            *out.entry(*name).or_default() += n;
        }
    }
    out
}

pub fn present(g: &mut Graph, d: &Derivative, steps: Option<&crate::diff::steps::Steps>) -> Presentation {
    let roots: Vec<Id> = d.entries.iter().map(|e| e.readable).collect();
    let defs: Vec<Id> = d.adjoints.iter().map(|a| g.info(*a).def.expect("defined")).collect();
    let all: Vec<Id> = roots.iter().chain(&defs).copied().collect();
    let counts = uses(g, &all);
    // small adjoints, and the intermediate names of the differential method
    // (`v = Wx`), are written out in place
    // (an adjoint defined through another is kept: written out, a chain of
    // them would grow quadratically)
    let refers_to_adjoint = |g: &Graph, def: Id| {
        g.reachable(&[def]).into_iter().any(|id| matches!(g.node(id), Math::Sym(n) if d.adjoints.contains(n)))
    };
    let mut inline: HashMap<Name, Id> = d
        .adjoints
        .iter()
        .zip(&defs)
        .filter(|(a, def)| {
            // used once, a name only adds its `where` line: written out
            // unless that makes one long line
            let uses = counts.get(a).copied().unwrap_or(0);
            let small = crate::diff::gradient::tree_size(g, **def) <= if uses <= 1 { 2 * SMALL } else { SMALL };
            small && (uses <= 2 || !refers_to_adjoint(g, **def))
        })
        .map(|(a, def)| (*a, *def))
        .collect();
    inline.extend(g.names.iter().filter(|(_, i)| i.kind == NameKind::Intermediate).map(|(n, i)| (*n, i.def.expect("defined"))));
    let results: Vec<(Name, Id)> =
        d.entries.iter().map(|e| (e.wrt, g.substitute(e.readable, &|n| inline.get(&n).copied()))).collect();
    let results = name_repeated(g, results);
    // The where list: names reached from the results, breadth first.
    let mut wheres: Vec<(Name, Id)> = Vec::new();
    let mut seen: HashSet<Name> = HashSet::new();
    let mut frontier: Vec<Id> = results.iter().map(|r| r.1).collect();
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for id in g.reachable(&frontier).into_iter().rev() {
            let Math::Sym(n) = *g.node(id) else { continue };
            let info = g.info(n);
            if info.kind == NameKind::Variable || !seen.insert(n) {
                continue;
            }
            let def = match inline.get(&n) {
                Some(&d) => d,
                None => info.def.expect("non-variables are defined"),
            };
            let def = g.substitute(def, &|m| inline.get(&m).copied());
            wheres.push((n, def));
            next.push(def);
            // δ_v = ∂f/∂v needs v, though v itself is written out elsewhere
            if let NameKind::Adjoint(subject) = g.info(n).kind
                && g.info(subject).kind == NameKind::Intermediate
            {
                next.push(g.sym(subject));
                inline.remove(&subject);
            }
        }
        frontier = next;
    }
    // first needed first: each name before the names its definition uses
    // (breadth first almost is; a name the results use directly may also be
    // used by a later one's definition), so the list reads from the result
    // down, and bottom to top as a program (roundtrip.py relies on one of
    // the two)
    let wheres = {
        let mut reversed: Vec<(Name, Id)> = wheres.into_iter().rev().collect();
        reversed = definition_order(g, &reversed);
        reversed.reverse();
        reversed
    };
    let mut remarks = remarks(g, &results, &wheres);
    remarks.extend(d.entries.iter().filter_map(|e| crate::diff::gradient::convention(g, e.wrt, d.kind)));
    // the steps use Diag(s) as the results do: S
    let mut shown = wheres.clone();
    if let Some(steps) = steps {
        let name = d.of;
        for (_, def, diff) in &steps.definitions {
            shown.push((name, *def));
            shown.push((name, *diff));
        }
        shown.extend(steps.sections.iter().flat_map(|s| s.lines.iter().map(|l| (name, l.expr))));
    }
    let diag_names = diag_shorthands(g, &results, &shown);
    Presentation { remarks, results, wheres, diag_names, readback: Vec::new() }
}

/// `wheres` in the order a program states them: each definition after the
/// names it uses, otherwise as given. A cycle (which no printed list has)
/// is left in the given order, for the parser to refuse.
pub fn definition_order(g: &Graph, wheres: &[(Name, Id)]) -> Vec<(Name, Id)> {
    let defined: std::collections::HashSet<Name> = wheres.iter().map(|w| w.0).collect();
    let uses = |def: Id| -> Vec<Name> {
        g.reachable(&[def])
            .into_iter()
            .filter_map(|id| match *g.node(id) {
                crate::ir::Math::Sym(n) if defined.contains(&n) => Some(n),
                _ => None,
            })
            .collect()
    };
    let mut pending: Vec<(Name, Id, Vec<Name>)> = wheres.iter().map(|&(n, d)| (n, d, uses(d))).collect();
    let mut done: std::collections::HashSet<Name> = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(wheres.len());
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|(n, d, deps)| {
            if deps.iter().all(|m| done.contains(m) || m == n) {
                out.push((*n, *d));
                done.insert(*n);
                false
            } else {
                true
            }
        });
        // a cycle cannot be read back in any order: leave it to the parser to say so
        if pending.len() == before {
            out.extend(pending.drain(..).map(|(n, d, _)| (n, d)));
        }
    }
    out
}

/// What the reader must know to use the results: what the commutation
/// matrices are, and the conventions of derivatives that exist only almost
/// everywhere (CONTRACT §1).
fn remarks(g: &Graph, results: &[(Name, Id)], wheres: &[(Name, Id)]) -> Vec<String> {
    let roots: Vec<Id> = results.iter().map(|r| r.1).chain(wheres.iter().map(|w| w.1)).collect();
    let reachable = g.reachable(&roots);
    let uses = |f: crate::ir::Func| reachable.iter().any(|&id| matches!(g.node(id), Math::Fun(x) if *x == f));
    let mut out = Vec::new();
    for &id in &reachable {
        if let Math::Const(Constant::Commutation(m, n)) = g.node(id) {
            let note = format!(
                "K_{{{m},{n}}} is the commutation matrix: it maps the vec of every {} matrix to the vec of its transpose",
                Shape::new(m.clone(), n.clone())
            );
            if !out.contains(&note) {
                out.push(note);
            }
        }
    }
    if per_column(g) {
        out.push(
            "softmax and logsumexp of a matrix work column by column (samples are columns): softmax(Z) is the matrix of \
             its columns' softmaxes, logsumexp(Z) the row vector of their logsumexps; for rows, transpose: softmax(Zᵀ)ᵀ"
                .to_string(),
        );
    }
    if uses(crate::ir::Func::Step) {
        out.push("step(x) is 1 where x > 0 and 0 elsewhere: relu′(0) is taken to be 0".to_string());
    }
    if uses(crate::ir::Func::Sign) {
        out.push("sign(0) = 0: abs′(0) is taken to be 0".to_string());
    }
    out
}

/// Whether the program (or anything derived from it) applies softmax or
/// logsumexp to a matrix, which works column by column (CONTRACT §1).
fn per_column(g: &Graph) -> bool {
    let roots: Vec<Id> = g.names.values().filter_map(|i| i.def).collect();
    g.reachable(&roots).into_iter().any(|id| matches!(*g.node(id), Math::Softmax(a) | Math::Lse(a) if !g.shape(a).is_vector()))
}

/// Subexpressions written more than once (function applications, or ones
/// whose name saves more than its `where` entry costs) get a name, largest
/// first: `Diag(p) − ppᵀ` with `p = softmax(x)`
/// rather than `softmax(x)` three times.
fn name_repeated(g: &mut Graph, mut results: Vec<(Name, Id)>) -> Vec<(Name, Id)> {
    loop {
        let roots: Vec<Id> = results.iter().map(|r| r.1).collect();
        let nodes = g.reachable(&roots);
        // occurrences in the written-out trees: paths from the roots
        let mut occurrences: HashMap<Id, usize> = HashMap::new();
        for &r in &roots {
            *occurrences.entry(r).or_default() += 1;
        }
        for &id in nodes.iter().rev() {
            let n = occurrences.get(&id).copied().unwrap_or(0);
            for &c in g.node(id).children() {
                *occurrences.entry(c).or_default() += n;
            }
        }
        // a function application, or what naming shortens by about a `where`
        // entry's length (`(CΣCᵀ)⁻¹` three times), but not a small term a
        // reader takes in at a glance (`x − μ`)
        let worth = |id: Id, k: usize| match g.node(id) {
            Math::Map(_) | Math::Softmax(_) | Math::Lse(_) => true,
            Math::Sym(_) | Math::Num(_) | Math::Const(_) | Math::Fun(_) => false,
            _ => {
                let size = crate::diff::gradient::tree_size(g, id);
                size >= 20 || (size >= 8 && (k - 1) * size >= 12)
            }
        };
        let Some(&target) = nodes
            .iter()
            .filter(|&&id| {
                let k = occurrences.get(&id).copied().unwrap_or(0);
                k >= 2 && worth(id, k)
            })
            .max_by_key(|&&id| (crate::diff::gradient::tree_size(g, id), std::cmp::Reverse(id)))
        else {
            return results;
        };
        let stems = match g.node(target) {
            Math::Pow([_, k]) if !g.is_scalar(target) && g.num_value(*k) == Some(crate::num::Number::MINUS_ONE) => {
                &["m", "n", "r"]
            }
            _ => crate::diff::chain::value_stems(g, target).unwrap_or(&["u", "w", "r"]),
        };
        let shape = g.shape(target).clone();
        let lowercase = shape.is_vector() || shape.is_scalar();
        let name = crate::diff::chain::fresh_name(g, stems, lowercase, &NameParts::split("x"));
        let info =
            crate::ir::NameInfo { shape, props: g.props(target), kind: NameKind::Introduced, def: Some(target), span: None };
        g.declare(name, info);
        let sym = g.sym(name);
        results = results.into_iter().map(|(w, r)| (w, replace(g, r, target, sym))).collect();
    }
}

/// `root` with the node `from` replaced by `to`.
fn replace(g: &mut Graph, root: Id, from: Id, to: Id) -> Id {
    let mut map: HashMap<Id, Id> = HashMap::new();
    for id in g.reachable(&[root]) {
        let new = if id == from {
            to
        } else {
            let node = g.node(id).clone().map_children(|c| map[&c]);
            g.raw(node)
        };
        map.insert(id, new);
    }
    map[&root]
}

/// `S` for `Diag(s)` wherever `s` is a defined lowercase column-vector
/// name whose capital is not taken.
fn diag_shorthands(g: &Graph, results: &[(Name, Id)], wheres: &[(Name, Id)]) -> HashMap<Name, Name> {
    let roots: Vec<Id> = results.iter().map(|r| r.1).chain(wheres.iter().map(|w| w.1)).collect();
    let mut out = HashMap::new();
    let mut used_capitals: HashSet<String> = HashSet::new();
    for id in g.reachable(&roots) {
        let Math::DiagM(a) = *g.node(id) else { continue };
        let Math::Sym(s) = *g.node(a) else { continue };
        if out.contains_key(&s) || !g.shape(a).is_column() || g.info(s).def.is_none() {
            continue;
        }
        let p: NameParts = s.parts();
        if p.is_upper() {
            continue;
        }
        let upper: String = p.letter.to_uppercase().collect();
        let mut chars = upper.chars();
        let (Some(cap), None) = (chars.next(), chars.next()) else { continue };
        let capital = NameParts { letter: cap, ..p.clone() }.canonical();
        if g.names.contains_key(&Name::new(&capital)) || !used_capitals.insert(capital.clone()) {
            continue;
        }
        out.insert(s, Name::new(&capital));
    }
    out
}

/// How a name's shape differs from its letter's convention (CONTRACT §1:
/// uppercase letters are matrices, lowercase Latin letters column vectors,
/// lowercase Greek letters scalars), said in words; `None` when it does not.
pub fn unconventional(name: Name, shape: &Shape) -> Option<&'static str> {
    let p = name.parts();
    let matrix = !shape.rows.is_one() && !shape.cols.is_one();
    if p.is_upper() {
        return match () {
            _ if shape.is_scalar() => Some("uppercase, but a scalar"),
            _ if shape.is_row() => Some("uppercase, but a row vector"),
            _ if shape.is_column() => Some("uppercase, but a column vector"),
            _ => None,
        };
    }
    if p.is_greek() {
        return match () {
            _ if matrix => Some("Greek lowercase, but a matrix"),
            _ if shape.is_row() => Some("Greek lowercase, but a row vector"),
            _ if shape.is_column() && !shape.is_scalar() => Some("Greek lowercase, but a vector"),
            _ => None,
        };
    }
    match () {
        _ if shape.is_scalar() => Some("lowercase, but a scalar"),
        _ if matrix => Some("lowercase, but a matrix"),
        _ if shape.is_row() => Some("a row vector"),
        _ => None,
    }
}
