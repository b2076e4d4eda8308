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
use crate::ir::{Graph, Math, NameKind};
use crate::name::{Name, NameParts};

/// An adjoint is written out in place when its definition is at most this
/// large (as a tree) and it is used at most twice.
const SMALL: usize = 12;

pub struct Presentation {
    /// Each result's expression, adjoints inlined where small.
    pub results: Vec<(Name, Id)>,
    /// The names the results use, each with the expression it stands for,
    /// in the order they are first needed.
    pub wheres: Vec<(Name, Id)>,
    /// `s` → `S` for vectors whose `Diag(s)` is written `S`.
    pub diag_names: HashMap<Name, Name>,
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

pub fn present(g: &mut Graph, d: &Derivative) -> Presentation {
    let roots: Vec<Id> = d.entries.iter().map(|e| e.readable).collect();
    let defs: Vec<Id> = d.adjoints.iter().map(|a| g.info(*a).def.expect("defined")).collect();
    let all: Vec<Id> = roots.iter().chain(&defs).copied().collect();
    let counts = uses(g, &all);
    let inline: HashMap<Name, Id> = d
        .adjoints
        .iter()
        .zip(&defs)
        .filter(|(a, def)| counts.get(a).copied().unwrap_or(0) <= 2 && crate::diff::gradient::tree_size(g, **def) <= SMALL)
        .map(|(a, def)| (*a, *def))
        .collect();
    let results: Vec<(Name, Id)> = d.entries.iter().map(|e| (e.wrt, g.substitute(e.readable, &|n| inline.get(&n).copied()))).collect();
    // The where list: names reached from the results, breadth first, so a
    // name comes before the names its definition uses.
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
        }
        frontier = next;
    }
    let diag_names = diag_shorthands(g, &results, &wheres);
    Presentation { results, wheres, diag_names }
}

/// `S` for `Diag(s)` wherever `s` is a lowercase column-vector name whose
/// capital is not taken.
fn diag_shorthands(g: &Graph, results: &[(Name, Id)], wheres: &[(Name, Id)]) -> HashMap<Name, Name> {
    let roots: Vec<Id> = results.iter().map(|r| r.1).chain(wheres.iter().map(|w| w.1)).collect();
    let mut out = HashMap::new();
    let mut used_capitals: HashSet<String> = HashSet::new();
    for id in g.reachable(&roots) {
        let Math::DiagM(a) = *g.node(id) else { continue };
        let Math::Sym(s) = *g.node(a) else { continue };
        if out.contains_key(&s) || !g.shape(a).is_column() {
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
