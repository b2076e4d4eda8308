//! The normal form the normalize phase works on, computed directly (an
//! e-graph would keep every partial expansion alive as a class):
//!
//! - products, Hadamard, Frobenius and Kronecker products distribute over
//!   sums, and `ᵀ`, `tr`, `sum`, `Diag`, `diag`, `vec` over their terms
//!   (a product whose expansion exceeds [`EXPANSION_LIMIT`] terms is kept);
//! - products are right-associated chains, numbers in front, then the
//!   scalar factors, each base once (`det(X) det(X)^(-1/2) = det(X)^(1/2)`,
//!   `t sign(t) = abs(t)`), then the matrix factors, adjacent powers of one
//!   base merged (`X²X = X³`, `XX⁻¹ = I`);
//! - a power of a power is one power, for an integer outer exponent, and
//!   the inverse of a product of square factors the product of inverses,
//!   an integer power of a product of scalars the product of powers;
//! - transposes are pushed to the leaves: `(AB)ᵀ = BᵀAᵀ`;
//! - each sum is flattened, like terms collected (`2A − A = A`: hash-consing
//!   makes equal terms one node, so "like" is an id comparison), zeros
//!   dropped, the terms in a fixed order, right-nested.
//!
//! Every identity used is one of the rule tables' (`sum-distribute-*`,
//! `transpose-*`, `product-associate-right`…), applied exhaustively in one
//! direction; `tests/canon.rs` checks the normal form numerically.

use std::collections::{HashMap, HashSet};

use egg::{Id, Language};
use indexmap::IndexMap;

use crate::ir::{Func, Graph, Math};
use crate::num::Number;
use crate::shape::Shape;

/// A product of sums is expanded only up to this many terms.
pub const EXPANSION_LIMIT: usize = 64;

/// `root` in normal form.
pub fn canonical(g: &mut Graph, root: Id) -> Id {
    let reachable = g.reachable(&[root]);
    // A sum nested in a sum is flattened into the outer one; normalizing it
    // on its own too would make a sum of n terms cost n² (one collection per
    // suffix). Only sums that something other than a sum uses are normalized.
    let mut in_sum: HashSet<Id> = HashSet::new();
    let mut elsewhere: HashSet<Id> = HashSet::from([root]);
    for &id in &reachable {
        let is_sum = matches!(g.node(id), Math::Add(_));
        for &c in g.node(id).children() {
            if is_sum {
                in_sum.insert(c)
            } else {
                elsewhere.insert(c)
            };
        }
    }
    let mut map: HashMap<Id, Id> = HashMap::new();
    for id in reachable {
        let new = match *g.node(id) {
            Math::Add(_) if in_sum.contains(&id) && !elsewhere.contains(&id) => continue,
            Math::Add(_) => {
                let shape = g.shape(id).clone();
                let all = g.summands(id).into_iter().flat_map(|t| terms(g, map[&t])).collect();
                sum(g, all, &shape)
            }
            _ => {
                let node = g.node(id).clone().map_children(|c| map[&c]);
                normal(g, node)
            }
        };
        map.insert(id, new);
    }
    map[&root]
}

/// A term: a coefficient times a monomial (`None` for the number alone).
type Term = (Number, Option<Id>);

/// The normal form of `node`, whose children are in normal form.
fn normal(g: &mut Graph, node: Math) -> Id {
    match node {
        Math::Add([a, b]) => {
            let shape = g.shape(a).clone();
            let mut all = terms(g, a);
            all.extend(terms(g, b));
            sum(g, all, &shape)
        }
        Math::Mul([a, b]) => bilinear(g, a, b, chain),
        Math::Had([a, b]) => bilinear(g, a, b, Graph::had),
        Math::Frob([a, b]) => bilinear(g, a, b, Graph::frob),
        Math::Kron([a, b]) => bilinear(g, a, b, Graph::kron),
        Math::Trans(a) => linear(g, a, transpose),
        Math::Tr(a) => linear(g, a, trace),
        Math::Sum(a) => linear(g, a, Graph::sum),
        Math::DiagM(a) => linear(g, a, Graph::diag_m),
        Math::DiagV(a) => linear(g, a, Graph::diag_v),
        Math::Vec(a) => linear(g, a, Graph::vec),
        Math::Pow([a, k_id]) => {
            let k = g.num_value(k_id).expect("a numeric exponent");
            // (aʲ)ᵏ = aʲᵏ for an integer k (`power-of-power`)
            if let Math::Pow([b, j]) = *g.node(a)
                && k.is_integer()
                && let Some(jk) = g.num_value(j).and_then(|j| j.checked_mul(k))
            {
                return g.pow(b, jk);
            }
            // (ab)ᵏ = aᵏbᵏ for scalars and an integer k (`scalar-power-product`)
            if let Math::Mul([x, y]) = *g.node(a)
                && g.is_scalar(x)
                && g.is_scalar(y)
                && k.is_integer()
            {
                let (xk, yk) = (normal(g, Math::Pow([x, k_id])), normal(g, Math::Pow([y, k_id])));
                return chain(g, xk, yk);
            }
            // (AB…Z)⁻¹ = Z⁻¹…B⁻¹A⁻¹ for square factors (`inverse-product`)
            let fs = factors(g, a);
            if k == Number::MINUS_ONE && fs.len() > 1 && fs.iter().all(|&f| !g.is_scalar(f) && g.shape(f).is_square()) {
                let inverses: Vec<Id> = fs.into_iter().rev().map(|f| normal(g, Math::Pow([f, k_id]))).collect();
                return inverses.into_iter().reduce(|acc, f| chain(g, acc, f)).expect("two factors");
            }
            g.pow(a, k)
        }
        Math::EPow([a, k]) => {
            let k = g.num_value(k).expect("a numeric exponent");
            g.epow(a, k)
        }
        other => g.raw(other),
    }
}

/// The terms of a normal-form expression.
fn terms(g: &Graph, id: Id) -> Vec<Term> {
    g.summands(id)
        .into_iter()
        .map(|t| match *g.node(t) {
            Math::Num(n) => (n, None),
            Math::Mul([c, x]) if g.num_value(c).is_some() => (g.num_value(c).expect("a number"), Some(x)),
            _ => (Number::ONE, Some(t)),
        })
        .collect()
}

fn term(g: &mut Graph, (c, x): Term) -> Id {
    let c = g.num(c);
    match x {
        None => c,
        Some(x) => g.mul(c, x),
    }
}

/// The monomial of a term (a number alone is the monomial 1).
fn monomial(g: &mut Graph, x: Option<Id>) -> Id {
    x.unwrap_or_else(|| g.int(1))
}

/// Appends the terms of `body` scaled by `c` to `out`.
fn scaled(g: &mut Graph, body: Id, c: Number, out: &mut Vec<Term>) {
    for (d, x) in terms(g, body) {
        match c.checked_mul(d) {
            Some(cd) => out.push((cd, x)),
            // an overflowing coefficient stays a product
            None => {
                let t = term(g, (d, x));
                let c = g.num(c);
                out.push((Number::ONE, Some(g.mul(c, t))));
            }
        }
    }
}

/// The sum of `all`, like terms collected, in a fixed order.
fn sum(g: &mut Graph, all: Vec<Term>, shape: &Shape) -> Id {
    let mut groups: IndexMap<Option<Id>, Number> = IndexMap::new();
    let mut overflowed: Vec<Term> = Vec::new();
    for (c, x) in all {
        let total = groups.get(&x).copied().unwrap_or(Number::ZERO);
        match total.checked_add(c) {
            Some(t) => {
                groups.insert(x, t);
            }
            None => overflowed.push((c, x)),
        }
    }
    let mut collected: Vec<Term> = groups.into_iter().map(|(x, c)| (c, x)).filter(|(c, _)| !c.is_zero()).collect();
    collected.extend(overflowed);
    // positive terms first, then in the order the monomials were built
    collected.sort_by_key(|&(c, x)| (c.is_negative(), x));
    let built: Vec<Id> = collected.into_iter().map(|t| term(g, t)).collect();
    let Some((&last, init)) = built.split_last() else { return g.zero(shape.clone()) };
    init.iter().rev().fold(last, |acc, &t| g.raw(Math::Add([t, acc])))
}

/// `op` applied to every pair of terms of `a` and `b`, coefficients pulled
/// out — unless that makes too many terms.
fn bilinear(g: &mut Graph, a: Id, b: Id, op: fn(&mut Graph, Id, Id) -> Id) -> Id {
    let (ta, tb) = (terms(g, a), terms(g, b));
    if ta.len() * tb.len() > EXPANSION_LIMIT {
        return op(g, a, b);
    }
    let mut all: Vec<Term> = Vec::new();
    let mut shape = None;
    for &(ca, xa) in &ta {
        for &(cb, xb) in &tb {
            let (xa, xb) = (monomial(g, xa), monomial(g, xb));
            let body = op(g, xa, xb);
            shape.get_or_insert_with(|| g.shape(body).clone());
            match ca.checked_mul(cb) {
                Some(c) => scaled(g, body, c, &mut all),
                None => {
                    let cb = g.num(cb);
                    let body = g.mul(cb, body);
                    scaled(g, body, ca, &mut all)
                }
            }
        }
    }
    sum(g, all, &shape.expect("at least one term"))
}

/// `f` applied to each term of `a`, coefficients pulled out.
fn linear(g: &mut Graph, a: Id, f: fn(&mut Graph, Id) -> Id) -> Id {
    let mut all: Vec<Term> = Vec::new();
    let mut shape = None;
    for (c, x) in terms(g, a) {
        let x = monomial(g, x);
        let body = f(g, x);
        shape.get_or_insert_with(|| g.shape(body).clone());
        scaled(g, body, c, &mut all);
    }
    sum(g, all, &shape.expect("at least one term"))
}

/// The factors of a monomial, left to right: its scalar factors, then the
/// factors of its chain. A scalar-valued product is one factor: `(𝟙ᵀp)W` is
/// not `𝟙ᵀ(pW)`.
pub fn factors(g: &Graph, id: Id) -> Vec<Id> {
    let mut out = Vec::new();
    let mut t = id;
    loop {
        match *g.node(t) {
            Math::Mul([a, b]) if !g.is_scalar(t) && g.num_value(a).is_none() => {
                out.push(a);
                t = b;
            }
            _ => {
                out.push(t);
                return out;
            }
        }
    }
}

/// The product of two monomials: its scalar factors in front (in a fixed
/// order), then the right-associated chain of its matrix factors.
fn chain(g: &mut Graph, a: Id, b: Id) -> Id {
    let mut fs = factors(g, a);
    fs.extend(factors(g, b));
    let (scalars, matrices): (Vec<Id>, Vec<Id>) = fs.into_iter().partition(|&f| g.is_scalar(f));
    let mut scalars = merge_scalars(g, scalars);
    scalars.sort_unstable();
    let rows = matrices.first().map(|&m| g.shape(m).rows.clone());
    let mut matrices = merge_matrices(g, matrices);
    if let Some(n) = rows.filter(|_| matrices.is_empty()) {
        // the chain cancelled to an identity (`XX⁻¹ = I`)
        matrices.push(g.identity(n));
    }
    if matrices.is_empty() && scalars.is_empty() {
        // the scalars cancelled (`t t⁻¹ = 1`)
        scalars.push(g.int(1));
    }
    let body = match matrices.split_last() {
        Some((&last, init)) => init.iter().rev().fold(last, |acc, &f| g.mul(f, acc)),
        None => scalars.pop().expect("a factor"),
    };
    scalars.into_iter().rev().fold(body, |acc, s| g.mul(s, acc))
}

/// A factor as a power of a base: `aᵏ` as `(a, k)`, anything else as `(f, 1)`.
fn as_power(g: &Graph, f: Id) -> (Id, Number) {
    match *g.node(f) {
        Math::Pow([a, k]) => (a, g.num_value(k).expect("a numeric exponent")),
        _ => (f, Number::ONE),
    }
}

/// `t` if `f` is `sign(t)`.
fn sign_of(g: &Graph, f: Id) -> Option<Id> {
    match *g.node(f) {
        Math::Map([s, t]) if matches!(g.node(s), Math::Fun(Func::Sign)) => Some(t),
        _ => None,
    }
}

/// The scalar factors of a product, each base once with the sum of its
/// exponents (`scalar-powers`, `scalar-power`, `product-square`; a zero
/// exponent drops the factor), and `sign(t)` absorbed by a neighbouring
/// power of `t` (`sign-times`: `t sign(t) = abs(t)`) or of `abs(t)`
/// (`sign-over-abs`: `sign(t) abs(t)⁻¹ = t⁻¹`). Each identity holds wherever
/// its left side is defined (a fractional power asks for a base ≥ 0).
fn merge_scalars(g: &mut Graph, scalars: Vec<Id>) -> Vec<Id> {
    let mut powers: IndexMap<Id, Number> = IndexMap::new();
    let mut kept: Vec<Id> = Vec::new();
    for f in scalars {
        let (base, k) = as_power(g, f);
        if g.num_value(base).is_some() {
            kept.push(f);
            continue;
        }
        match powers.get(&base).copied().unwrap_or(Number::ZERO).checked_add(k) {
            Some(total) => {
                powers.insert(base, total);
            }
            None => kept.push(f),
        }
    }
    let signs: Vec<(Id, Id)> = powers.keys().filter_map(|&b| sign_of(g, b).map(|t| (b, t))).collect();
    for (sign, t) in signs {
        if powers[&sign] != Number::ONE {
            continue;
        }
        let abs = g.map(Func::Abs, t);
        let exponent = |b: Id| powers.get(&b).copied().unwrap_or(Number::ZERO);
        let (te, ae) = (exponent(t), exponent(abs));
        // sign(t) = abs(t) t⁻¹, taken into tᵏ (k > 0) or abs(t)ᵏ (k < 0)
        let into_t = te.is_integer() && !te.is_negative() && !te.is_zero();
        let into_abs = ae.is_integer() && ae.is_negative();
        if !into_t && !into_abs {
            continue;
        }
        let (Some(t2), Some(a2)) = (te.checked_add(Number::MINUS_ONE), ae.checked_add(Number::ONE)) else { continue };
        powers.insert(sign, Number::ZERO);
        powers.insert(t, t2);
        powers.insert(abs, a2);
    }
    for (base, k) in powers {
        if !k.is_zero() {
            kept.push(g.pow(base, k));
        }
    }
    kept
}

/// The matrix factors of a chain, adjacent integer powers of one base
/// merged (`product-powers`, `product-power`, `product-square`), and
/// cancelled where the exponents sum to zero (`inverse-cancel-right`,
/// `inverse-cancel-left`).
fn merge_matrices(g: &mut Graph, matrices: Vec<Id>) -> Vec<Id> {
    let mut out: Vec<Id> = Vec::with_capacity(matrices.len());
    for f in matrices {
        let mut f = f;
        if let Some(&top) = out.last() {
            let ((a, j), (b, k)) = (as_power(g, top), as_power(g, f));
            if a == b
                && j.is_integer()
                && k.is_integer()
                && g.shape(a).is_square()
                && let Some(total) = j.checked_add(k)
            {
                out.pop();
                if total.is_zero() {
                    continue;
                }
                f = g.pow(a, total);
            }
        }
        out.push(f);
    }
    out
}

/// The trace of a monomial; of a Kronecker product, the product of the
/// traces (`kronecker-trace`).
fn trace(g: &mut Graph, x: Id) -> Id {
    match *g.node(x) {
        Math::Kron([a, b]) if g.shape(a).is_square() && g.shape(b).is_square() => {
            let (ta, tb) = (trace(g, a), trace(g, b));
            chain(g, ta, tb)
        }
        _ => g.tr(x),
    }
}

/// The transpose of a monomial, pushed to its leaves.
fn transpose(g: &mut Graph, x: Id) -> Id {
    // a scalar is its own transpose (and `zᵀw` must not be taken apart)
    if g.is_scalar(x) {
        return x;
    }
    match g.node(x).clone() {
        // (AB…Z)ᵀ = Zᵀ…BᵀAᵀ
        Math::Mul([a, b]) if !g.is_scalar(a) && !g.is_scalar(b) => {
            let mut transposed: Vec<Id> = factors(g, x).into_iter().map(|f| transpose(g, f)).collect();
            let first = transposed.remove(0);
            transposed.into_iter().fold(first, |acc, f| g.mul(f, acc))
        }
        Math::Mul([a, b]) => {
            let (a, b) = (transpose(g, a), transpose(g, b));
            g.mul(a, b)
        }
        Math::Had([a, b]) => {
            let (a, b) = (transpose(g, a), transpose(g, b));
            g.had(a, b)
        }
        Math::Kron([a, b]) => {
            let (a, b) = (transpose(g, a), transpose(g, b));
            g.kron(a, b)
        }
        Math::Pow([a, k]) if !g.is_scalar(a) => {
            let k = g.num_value(k).expect("a numeric exponent");
            let a = transpose(g, a);
            g.pow(a, k)
        }
        _ => g.trans(x),
    }
}
