//! Factoring a normal-form sum back (the inverse of `canon`'s expansion),
//! deterministically, as a multivariate Horner scheme over chains of
//! non-commuting factors:
//!
//! 1. a prefix or suffix common to every term comes out: `AB + AC = A(B + C)`;
//! 2. terms are grouped by their first factor, each group factored;
//! 3. each inner sum takes a canonical sign, so that `X − Y` and `Y − X`
//!    are recognized as one sum up to sign;
//! 4. terms are grouped by their last factor: `HX − H²X = (H − H²)X`;
//! 5. failing that, Hadamard products (which commute) are grouped by the
//!    factor most of them share: `A ∘ B − A ∘ C + A = A ∘ (B − C + 𝟙𝟙ᵀ)`;
//!
//! repeated while the number of terms shrinks. Scalar factors are part of
//! the coefficient side of a chain and never split it.

use egg::Id;
use indexmap::IndexMap;

use crate::ir::{Graph, Math};
use crate::num::Number;

/// A term: a number, scalar factors (`𝟙ᵀp`, `tr A`) and a chain of matrix
/// factors, left to right. Only the chain is factored.
#[derive(Clone, Debug)]
struct Term {
    coef: Number,
    scale: Vec<Id>,
    chain: Vec<Id>,
}

/// Which end of the chains to group by first when factoring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// `A(B + C)` before `(A + B)C`.
    PrefixFirst,
    SuffixFirst,
}

/// `root` (a normal-form expression) factored both ways: grouping by first
/// factors first finds `W_1(H − H²)…`, by last factors first finds
/// `(P − P²)(I − P)⁻¹…`; both go to the e-graph, which picks.
pub fn factorings(g: &mut Graph, root: Id) -> Vec<Id> {
    let mut out = vec![factored(g, root, Order::PrefixFirst)];
    let other = factored(g, root, Order::SuffixFirst);
    if other != out[0] {
        out.push(other);
    }
    out
}
/// `root` (a normal-form expression) with each sum factored.
fn factored(g: &mut Graph, root: Id, order: Order) -> Id {
    let reachable = g.reachable(&[root]);
    // A sum nested in a sum is factored as part of the outer one; factoring
    // it on its own too would make a sum of n terms cost n² (one factoring
    // per suffix). Only sums that something other than a sum uses are
    // factored.
    let mut inner_only: std::collections::HashSet<Id> = std::collections::HashSet::new();
    let mut used_elsewhere: std::collections::HashSet<Id> = std::collections::HashSet::from([root]);
    for &id in &reachable {
        let is_sum = matches!(g.node(id), Math::Add(_));
        for &c in egg::Language::children(g.node(id)) {
            if is_sum {
                inner_only.insert(c)
            } else {
                used_elsewhere.insert(c)
            };
        }
    }
    let mut map = std::collections::HashMap::new();
    for id in reachable {
        if matches!(g.node(id), Math::Add(_)) && inner_only.contains(&id) && !used_elsewhere.contains(&id) {
            continue;
        }
        let new = match *g.node(id) {
            // a whole sum at once: its terms from the nested `+`s as they
            // were, each term already factored inside
            Math::Add(_) => {
                let terms: Vec<Term> = g.summands(id).into_iter().map(|t| term_of(g, map[&t])).collect();
                factor(g, terms, order)
            }
            _ => {
                let node = egg::Language::map_children(g.node(id).clone(), |c| map[&c]);
                g.raw(node)
            }
        };
        map.insert(id, new);
    }
    map[&root]
}

/// A monomial as a term: its numbers multiplied into the coefficient, its
/// scalar factors and its chain of matrix factors.
fn term_of(g: &Graph, id: Id) -> Term {
    let mut term = Term { coef: Number::ONE, scale: Vec::new(), chain: Vec::new() };
    let mut pending = vec![id];
    while let Some(t) = pending.pop() {
        match *g.node(t) {
            // a product of scalars (or a number times anything) splits
            Math::Mul([a, b]) if g.is_scalar(t) || g.num_value(a).is_some() => {
                pending.push(b);
                pending.push(a);
            }
            Math::Num(n) => term.coef = term.coef.checked_mul(n).unwrap_or(term.coef),
            _ if g.is_scalar(t) => term.scale.push(t),
            _ => term.chain.extend(super::canon::factors(g, t)),
        }
    }
    // scalars met inside the chain join the others
    let (scalars, matrices): (Vec<Id>, Vec<Id>) = term.chain.iter().partition(|&&f| g.is_scalar(f));
    term.scale.extend(scalars);
    term.scale.sort_unstable();
    term.chain = matrices;
    term
}

fn split_sum(g: &Graph, id: Id) -> Vec<Term> {
    g.summands(id).into_iter().map(|t| term_of(g, t)).collect()
}

/// The product of a chain (`None` for the empty chain).
fn product(g: &mut Graph, chain: &[Id]) -> Option<Id> {
    let (&last, init) = chain.split_last()?;
    Some(init.iter().rev().fold(last, |acc, &f| g.mul(f, acc)))
}

/// A term; an empty chain stands for `identity`.
fn build_term(g: &mut Graph, t: &Term, identity: Id) -> Id {
    let mut body = product(g, &t.chain).unwrap_or(identity);
    for &s in t.scale.iter().rev() {
        body = g.mul(s, body);
    }
    let c = g.num(t.coef);
    g.mul(c, body)
}

/// The plain sum of `terms`, in their order.
fn plain(g: &mut Graph, terms: &[Term], identity: Id) -> Id {
    let built: Vec<Id> = terms.iter().map(|t| build_term(g, t, identity)).collect();
    let (&last, init) = built.split_last().expect("a term");
    init.iter().rev().fold(last, |acc, &t| g.raw(Math::Add([t, acc])))
}

/// The longest common prefix (from the left, or the right when `right`) of
/// all chains.
fn common(terms: &[Term], right: bool) -> usize {
    let at = |t: &Term, i: usize| if right { t.chain[t.chain.len() - 1 - i] } else { t.chain[i] };
    let shortest = terms.iter().map(|t| t.chain.len()).min().unwrap_or(0);
    (0..shortest).take_while(|&i| terms.iter().all(|t| at(t, i) == at(&terms[0], i))).count()
}

/// The sum of `terms` (all of one shape, at least one) factored.
fn factor(g: &mut Graph, terms: Vec<Term>, order: Order) -> Id {
    let shape = {
        let one = g.int(1);
        let t = build_term(g, &terms[0], one);
        g.shape(t).clone()
    };
    factor_shaped(g, terms, &shape, order)
}

fn factor_shaped(g: &mut Graph, mut terms: Vec<Term>, shape: &crate::shape::Shape, order: Order) -> Id {
    // an empty chain stands for the identity of the sum's rows
    let identity = g.identity(shape.rows.clone());
    if terms.len() == 1 {
        return build_term(g, &terms[0], identity);
    }
    // 1. common prefix, common suffix; every chain the same: a scalar sum
    // times the chain, αX + βX = (α + β)X
    if terms.iter().all(|t| t.chain == terms[0].chain) && !terms[0].chain.is_empty() {
        let chain = terms[0].chain.clone();
        let scalars: Vec<Term> = terms.into_iter().map(|t| Term { chain: Vec::new(), ..t }).collect();
        let scalar = factor_shaped(g, scalars, &crate::shape::Shape::scalar(), order);
        let body = product(g, &chain).expect("a chain");
        return g.mul(scalar, body);
    }
    for right in [false, true] {
        let n = common(&terms, right);
        if n > 0 {
            let outer: Vec<Id> =
                if right { terms[0].chain[terms[0].chain.len() - n..].to_vec() } else { terms[0].chain[..n].to_vec() };
            for t in &mut terms {
                if right {
                    t.chain.truncate(t.chain.len() - n);
                } else {
                    t.chain.drain(..n);
                }
            }
            let rest = with_identities(g, terms, &outer, right);
            let inner = factor(g, rest, order);
            let outer = product(g, &outer).expect("a prefix");
            return if right { g.mul(inner, outer) } else { g.mul(outer, inner) };
        }
    }
    // a number common to every coefficient: 2Ax − 2b = 2(Ax − b)
    if let Some(c) = common_coefficient(&terms) {
        for t in &mut terms {
            t.coef = t.coef.checked_mul(c.recip().expect("nonzero")).expect("divides");
        }
        let inner = factor_shaped(g, terms, shape, order);
        let c = g.num(c);
        return g.mul(c, inner);
    }
    // 2–4. group by one end, factor each group, then collect by the other
    let before = terms.len();
    let right_first = order == Order::SuffixFirst;
    let grouped = group(g, terms.clone(), right_first, order);
    let collected = group(g, grouped, !right_first, order);
    if collected.len() < before {
        return factor_shaped(g, collected, shape, order);
    }
    // 5. Hadamard products by a shared factor
    if let Some(grouped) = group_hadamard(g, &terms, shape, order) {
        return factor_shaped(g, grouped, shape, order);
    }
    plain(g, &terms, identity)
}

/// The Hadamard factors of a term's matrix part, in a fixed order: those
/// of `A ∘ (B ∘ C)`, or the whole chain as one factor.
fn hadamard_factors(g: &mut Graph, t: &Term) -> Vec<Id> {
    let mut out = Vec::new();
    if let [only] = t.chain[..] {
        let mut stack = vec![only];
        while let Some(f) = stack.pop() {
            match *g.node(f) {
                Math::Had([a, b]) => stack.extend([b, a]),
                _ => out.push(f),
            }
        }
    } else {
        out.extend(product(g, &t.chain));
    }
    out.sort_unstable();
    out
}

/// The terms with the Hadamard factor that most of them share taken out
/// (`A ∘ B + A ∘ C + A = A ∘ (B + C + 𝟙𝟙ᵀ)`), fewer than before; `None`
/// when no factor of a Hadamard product is shared.
fn group_hadamard(g: &mut Graph, terms: &[Term], shape: &crate::shape::Shape, order: Order) -> Option<Vec<Term>> {
    if shape.is_scalar() {
        return None;
    }
    let bags: Vec<Vec<Id>> = terms.iter().map(|t| hadamard_factors(g, t)).collect();
    // for each factor: the terms that have it, and whether one of them is a
    // Hadamard product (else they are like terms, collected elsewhere)
    let mut sharing: IndexMap<Id, (usize, bool)> = IndexMap::new();
    for bag in &bags {
        let mut distinct = bag.clone();
        distinct.dedup();
        for f in distinct {
            let entry = sharing.entry(f).or_default();
            entry.0 += 1;
            entry.1 |= bag.len() > 1;
        }
    }
    let (shared, _) = sharing
        .into_iter()
        .filter(|&(_, (n, hadamard))| n >= 2 && hadamard)
        .max_by_key(|&(f, (n, _))| (n, std::cmp::Reverse(f)))?;
    let mut out = Vec::new();
    let mut with = Vec::new();
    for (t, mut bag) in terms.iter().zip(bags) {
        let Some(i) = bag.iter().position(|&f| f == shared) else {
            out.push(t.clone());
            continue;
        };
        bag.remove(i);
        let rest = match bag.split_first() {
            Some((&first, others)) => others.iter().fold(first, |acc, &f| g.had(acc, f)),
            None => g.ones_like(shape),
        };
        let rest = term_of(g, rest);
        let mut scale = [t.scale.clone(), rest.scale].concat();
        scale.sort_unstable();
        with.push(Term { coef: t.coef.checked_mul(rest.coef)?, scale, chain: rest.chain });
    }
    let inner = factor_shaped(g, with, shape, order);
    let mut term = term_of(g, inner);
    canonical_signs(g, &mut term);
    let inner = product(g, &term.chain).expect("a matrix");
    term.chain = vec![g.had(shared, inner)];
    out.push(term);
    Some(out)
}

/// The number every coefficient is a multiple of, when it is not 1: their
/// gcd (as fractions), negative when every coefficient is.
fn common_coefficient(terms: &[Term]) -> Option<Number> {
    let gcd = |a: i64, b: i64| -> i64 {
        let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a as i64
    };
    let (mut num, mut den) = (0i64, 1i64);
    for t in terms {
        let Number::Rat(p, q) = t.coef else { return None };
        num = gcd(num, p);
        // lcm of the denominators
        den = den.checked_mul(q / gcd(den, q))?;
    }
    let negative = terms.iter().all(|t| t.coef.is_negative());
    let c = Number::ratio(if negative { -num } else { num }, den)?;
    (!c.is_one() && !c.is_zero()).then_some(c)
}

/// After taking `outer` off every chain, an emptied chain stands for the
/// identity it was multiplied by.
fn with_identities(g: &mut Graph, mut terms: Vec<Term>, outer: &[Id], right: bool) -> Vec<Term> {
    let edge = if right { outer[0] } else { *outer.last().expect("a factor") };
    let n = if right { g.shape(edge).rows.clone() } else { g.shape(edge).cols.clone() };
    for t in &mut terms {
        if t.chain.is_empty() {
            t.chain.push(g.identity(n.clone()));
        }
    }
    terms
}

/// Terms grouped by their first (or last) factor: each group of two or
/// more becomes one term, the factor times the group's factored rest, the
/// rest taken with a canonical sign.
fn group(g: &mut Graph, terms: Vec<Term>, right: bool, order: Order) -> Vec<Term> {
    let mut groups: IndexMap<Option<Id>, Vec<Term>> = IndexMap::new();
    for t in terms {
        let key = if right { t.chain.last().copied() } else { t.chain.first().copied() };
        let key = key.filter(|_| t.chain.len() > 1);
        groups.entry(key).or_default().push(t);
    }
    let mut out = Vec::new();
    for (key, members) in groups {
        match key {
            Some(f) if members.len() > 1 => {
                let rest: Vec<Term> = members
                    .into_iter()
                    .map(|mut t| {
                        if right {
                            t.chain.pop();
                        } else {
                            t.chain.remove(0);
                        }
                        t
                    })
                    .collect();
                // the factored rest, as a term again, each sum in its chain
                // with its canonical sign (so that rests equal up to sign meet)
                let inner = factor(g, rest, order);
                let mut term = term_of(g, inner);
                canonical_signs(g, &mut term);
                if right {
                    term.chain.push(f);
                } else {
                    term.chain.insert(0, f);
                }
                out.push(term);
            }
            _ => out.extend(members),
        }
    }
    out
}

/// Each factor of `term`'s chain with its canonical sign (see [`signed`]),
/// the signs moved into the coefficient.
fn canonical_signs(g: &mut Graph, term: &mut Term) {
    for i in 0..term.chain.len() {
        let (sign, canonical) = signed(g, term.chain[i]);
        if let Some(coef) = term.coef.checked_mul(sign) {
            term.chain[i] = canonical;
            term.coef = coef;
        }
    }
}

/// `(s, e')` with `e = s·e'` and the sums in `e` (as a factor of a product
/// or a Hadamard product, or `e` itself) with their canonical sign: `X − Y`
/// and `Y − X` then build one node, and so do `A(X − Y)` and `A(Y − X)`.
fn signed(g: &mut Graph, e: Id) -> (Number, Id) {
    match *g.node(e) {
        Math::Add(_) => canonical_sign(g, e),
        Math::Mul([a, b]) | Math::Had([a, b]) if !g.is_scalar(a) && !g.is_scalar(b) => {
            let ((sa, a2), (sb, b2)) = (signed(g, a), signed(g, b));
            let rebuilt = if matches!(g.node(e), Math::Mul(_)) { g.mul(a2, b2) } else { g.had(a2, b2) };
            (sa.checked_mul(sb).expect("a sign"), rebuilt)
        }
        _ => (Number::ONE, e),
    }
}

/// `(s, e')` with `e = s·e'`, `e'` the representative of `±e`: its terms
/// (factored monomials, kept as they are) in a fixed order, the first with
/// a positive coefficient. `X − Y` and `Y − X` then build one node.
fn canonical_sign(g: &mut Graph, e: Id) -> (Number, Id) {
    let shape = g.shape(e).clone();
    let mut terms = split_sum(g, e);
    terms.sort_by(|a, b| (&a.chain, &a.scale).cmp(&(&b.chain, &b.scale)));
    let sign = if terms[0].coef.is_negative() { Number::MINUS_ONE } else { Number::ONE };
    for t in &mut terms {
        t.coef = t.coef.checked_mul(sign).unwrap_or(t.coef);
    }
    if sign == Number::MINUS_ONE && terms.iter().any(|t| t.coef.is_negative() && t.coef.checked_neg().is_none()) {
        return (Number::ONE, e);
    }
    let identity = g.identity(shape.rows);
    (sign, plain(g, &terms, identity))
}
