//! The chain of bindings the differential method walks through: the user's
//! definitions, with names introduced the way the seed answers introduce
//! them (`v = Wx` for the argument of `σ(Wx)`; `s = σ(v)` for an inner
//! `σ(·)` whose derivative `s ∘ (𝟙 − s)` needs its value).
//!
//! The user's definitions keep their original expressions in the name
//! table (they are printed as written, and the numeric check evaluates
//! them); the chain holds the rewritten ones.

use std::collections::HashMap;

use egg::{Id, Language};

use crate::ir::{Func, Graph, Math, NameInfo, NameKind};
use crate::name::{Name, NameParts};

pub struct Chain {
    /// Every binding with the expression the differentiator works on, in
    /// dependency order (a binding only uses earlier ones).
    pub bindings: Vec<(Name, Id)>,
}

impl Chain {
    pub fn expr(&self, name: Name) -> Option<Id> {
        self.bindings.iter().find(|b| b.0 == name).map(|b| b.1)
    }
}

/// Builds the chain for the definitions up to and including `function`.
pub fn prepare(g: &mut Graph, definitions: &[Name], function: Name) -> Chain {
    let mut chain = Chain { bindings: Vec::new() };
    for &def in definitions {
        let root = g.info(def).def.expect("a definition has an expression");
        let rewritten = introduce_names(g, def, root, &mut chain);
        chain.bindings.push((def, rewritten));
        if def == function {
            break;
        }
    }
    chain
}

/// The children of `node` that are arguments of a nonlinear function (and
/// get a name when they are not leaves).
fn nonlinear_arguments(g: &Graph, node: &Math) -> Vec<usize> {
    match node {
        Math::Map(_) => vec![1],
        Math::Softmax(_) | Math::Lse(_) | Math::Det(_) | Math::Logdet(_) | Math::Norm(_) => vec![0],
        // ‖x‖^k is differentiated as a whole (see `differential`)
        Math::Pow([a, _]) if matches!(g.node(*a), Math::Norm(_)) => vec![],
        Math::Pow(_) | Math::EPow(_) => vec![0],
        _ => vec![],
    }
}

/// Whether the derivative of `node` is written with its value, so an inner
/// occurrence deserves a name (`σ' = s ∘ (𝟙 − s)`).
fn output_is_used(node: &Math, g: &Graph) -> bool {
    match node {
        Math::Map([f, _]) => {
            matches!(g.node(*f), Math::Fun(Func::Sigmoid | Func::Tanh | Func::Exp | Func::Sqrt))
        }
        Math::Softmax(_) => true,
        _ => false,
    }
}

fn is_leaf(g: &Graph, id: Id) -> bool {
    matches!(g.node(id), Math::Sym(_) | Math::Num(_) | Math::Const(_))
}

fn introduce_names(g: &mut Graph, binding: Name, root: Id, chain: &mut Chain) -> Id {
    let mut map: HashMap<Id, Id> = HashMap::new();
    for id in g.reachable(&[root]) {
        let node = g.node(id).clone();
        let mut new = node.clone().map_children(|c| map[&c]);
        for i in nonlinear_arguments(g, &node) {
            let arg = new.children()[i];
            if !is_leaf(g, arg) {
                let name = introduce(g, arg, Role::Argument, binding, chain);
                new.children_mut()[i] = g.sym(name);
            }
        }
        let mut built = g.raw(new.clone());
        if id != root && output_is_used(&new, g) {
            let name = introduce(g, built, Role::Output, binding, chain);
            built = g.sym(name);
        }
        map.insert(id, built);
    }
    map[&root]
}

#[derive(Clone, Copy)]
enum Role {
    Argument,
    Output,
}

/// The letters people use for the value of `expr`, if it is an activation:
/// `s` for a sigmoid, `p` for a softmax. (Not `e` for an exponential: it
/// reads as Euler's number.)
pub(crate) fn value_stems(g: &Graph, expr: Id) -> Option<&'static [&'static str]> {
    match g.node(expr) {
        Math::Map([f, _]) => Some(match g.node(*f) {
            Math::Fun(Func::Sigmoid) => &["s", "a"],
            Math::Fun(Func::Tanh) => &["t", "h"],
            _ => &["r", "u"],
        }),
        Math::Softmax(_) => Some(&["p", "q"]),
        _ => None,
    }
}

/// Declares a fresh name for `expr` and appends it to the chain.
fn introduce(g: &mut Graph, expr: Id, role: Role, binding: Name, chain: &mut Chain) -> Name {
    // one name for one value: `sqrt(d)` in two attention heads is `r_1` in both
    let kind = match role {
        Role::Argument => NameKind::Intermediate,
        Role::Output => NameKind::Introduced,
    };
    if let Some(&(name, _)) = chain.bindings.iter().find(|&&(n, e)| e == expr && g.info(n).kind == kind) {
        return name;
    }
    let stems = match role {
        Role::Output => value_stems(g, expr).unwrap_or(&["r"]),
        Role::Argument => &["v", "u", "z", "w"],
    };
    let shape = g.shape(expr).clone();
    let name = fresh_name(g, stems, shape.is_vector() || shape.is_scalar(), &NameParts::split(binding.as_str()));
    let info = NameInfo { shape, props: g.props(expr), kind, def: Some(expr), span: None };
    g.declare(name, info);
    chain.bindings.push((name, expr));
    name
}

/// The first unused name among `stems` (uppercased for matrices), carrying
/// the binding's subscript (`h_2` → `v_2`), then numbered ones. A size's
/// name is used too: `p = softmax(z)` beside `W_2 : p×m` reads as one `p`.
pub fn fresh_name(g: &Graph, stems: &[&str], lowercase: bool, binding: &NameParts) -> Name {
    let case = |s: &str| if lowercase { s.to_string() } else { s.to_uppercase() };
    let sub = binding.subscript.as_ref().map(|s| format!("_{s}")).unwrap_or_default();
    let sizes: std::collections::HashSet<Name> =
        g.names.values().flat_map(|i| i.shape.rows.names().chain(i.shape.cols.names()).collect::<Vec<_>>()).collect();
    let free = |s: &String| {
        let name = Name::new(s);
        !g.names.contains_key(&name) && !sizes.contains(&name)
    };
    stems
        .iter()
        .map(|s| format!("{}{sub}", case(s)))
        .chain((1..).map(|i| format!("{}_{i}", case(stems[0]))))
        .find(free)
        .map(|s| Name::new(&s))
        .expect("some name is free")
}
