//! Results written with the program's own normalized vectors: where the
//! program defines `z = c/σ` (a vector over a scalar), an outer product
//! `σ^k ccᵀ` (k ≤ −2) of a result is `σ^(k+2) zzᵀ`. That turns the Jacobian
//! of `u = x/‖x‖` into `(I − uuᵀ)/‖x‖` and that of layer normalization into
//! `(I − (zzᵀ + 𝟙𝟙ᵀ)/n)/σ`, the forms of the books, which the simplifier
//! cannot reach alone: it never introduces a name.
//!
//! The rewrite only replaces a definition by its name, so it keeps the
//! value; the folded result is simplified again and kept where it is no
//! larger, and is checked like any other.

use egg::Id;

use crate::ir::{Graph, Math, NameKind};
use crate::name::Name;
use crate::num::Number;

/// A definition `z = a·s⁻¹`: the name, the vector `a`, the scalar `s`.
struct Normalized {
    name: Name,
    vector: Id,
    scale: Id,
}

/// The program's definitions that are a non-scalar over a scalar.
fn normalized(g: &Graph) -> Vec<Normalized> {
    let mut out: Vec<Normalized> = g
        .names
        .iter()
        .filter(|(_, i)| i.kind == NameKind::Definition && !i.shape.is_scalar())
        .filter_map(|(&name, i)| {
            let def = i.def?;
            let factors = g.factors(def);
            let [a, b] = factors.as_slice() else { return None };
            let inverse = |f: Id| match *g.node(f) {
                Math::Pow([s, k]) if g.is_scalar(s) && g.num_value(k) == Some(Number::MINUS_ONE) => Some(s),
                _ => None,
            };
            let (vector, scale) = match (inverse(*a), inverse(*b)) {
                (None, Some(s)) => (*a, s),
                (Some(s), None) => (*b, s),
                _ => return None,
            };
            (!g.is_scalar(vector)).then_some(Normalized { name, vector, scale })
        })
        .collect();
    out.sort_by_key(|n| n.name.as_str());
    out
}

/// `root` with each product `s^k · … a aᵀ …` (k ≤ −2) of a normalized
/// `z = a/s` written `s^(k+2) · … z zᵀ …`; `None` where there is none.
pub fn fold(g: &mut Graph, root: Id) -> Option<Id> {
    let folds = normalized(g);
    if folds.is_empty() {
        return None;
    }
    let mut map: std::collections::HashMap<Id, Id> = std::collections::HashMap::new();
    let mut changed = false;
    for id in g.reachable(&[root]) {
        let node = g.node(id).clone();
        let rebuilt = egg::Language::map_children(node.clone(), |c| map[&c]);
        let mut new = if rebuilt == node { id } else { g.raw(rebuilt) };
        if matches!(node, Math::Mul(_))
            && let Some(folded) = folds.iter().find_map(|z| fold_product(g, new, z))
        {
            new = folded;
            changed = true;
        }
        map.insert(id, new);
    }
    changed.then(|| map[&root])
}

/// The product `id` with `s^k … a aᵀ …` written `s^(k+2) … z zᵀ …`.
fn fold_product(g: &mut Graph, id: Id, z: &Normalized) -> Option<Id> {
    let mut factors = g.factors(id);
    let power = factors.iter().position(|&f| match *g.node(f) {
        Math::Pow([s, k]) => s == z.scale && g.num_value(k).is_some_and(|k| k.as_int().is_some_and(|k| k <= -2)),
        _ => false,
    })?;
    let outer = factors.windows(2).position(|w| w[0] == z.vector && *g.node(w[1]) == Math::Trans(z.vector))?;
    let k = match *g.node(factors[power]) {
        Math::Pow([_, k]) => g.num_value(k)?.as_int()?,
        _ => return None,
    };
    let sym = g.sym(z.name);
    factors[outer] = sym;
    factors[outer + 1] = g.trans(sym);
    factors[power] = g.pow(z.scale, Number::int(k + 2));
    factors.into_iter().reduce(|acc, f| g.mul(acc, f))
}
