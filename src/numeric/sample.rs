//! Random points for the cross-check that respect what the program needs of
//! its variables: positive entries under `log` and `sqrt`, invertible
//! matrices under an inverse or `det`, symmetric positive definite ones
//! under `logdet`; and sizes for the symbolic dimensions.
//!
//! The domains form a chain, `Any < Positive < WellConditioned < Spd`, and a
//! draw for a domain satisfies every weaker one: well-conditioned and SPD
//! draws have positive entries too. So merging two requirements by taking
//! the stricter one never loses either (a matrix both inverted and under a
//! `log` gets an invertible matrix with positive entries).

use std::collections::HashMap;

use egg::{Id, Language};

use super::eval::{Point, Value, integer_exponent, size_of};
use super::rng::Rng;
use crate::ir::{Func, Graph, Math, Props};
use crate::name::Name;
use crate::num::Number;

/// What a variable's value must satisfy, weakest first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Domain {
    /// Anything: standard normal entries.
    #[default]
    Any,
    /// Positive entries (so `log`, `sqrt`, division by it are defined).
    Positive,
    /// An invertible matrix, far from singular (with positive entries); a
    /// scalar away from zero.
    WellConditioned,
    /// Symmetric positive definite (with positive entries); implies square.
    Spd,
}

impl Domain {
    /// Both requirements at once: the stricter one, since a draw for it
    /// also satisfies the other.
    pub fn merge(self, other: Domain) -> Domain {
        self.max(other)
    }
}

/// What each name under `roots` must satisfy for the expressions to be
/// defined at a point (definitions followed to their expressions):
///
/// - `logdet x`, `log det x` → `x` SPD;
/// - `det x`, `x⁻ᵏ` for a matrix `x` → `x` well-conditioned;
/// - `log a`, `sqrt a`, `a^∘k` with `k` negative or fractional (so the
///   divisor of `b ∘ a^∘-1`), a scalar `a^k` with `k` negative or
///   fractional → every name occurring in `a` positive.
///
/// "`x`" means a name, seen through definitions (`S = X; logdet S` marks
/// both `S` and `X`); anything else is not controllable by drawing and is
/// left to resampling. Names not mentioned are `Any`.
pub fn infer_domains(g: &Graph, roots: &[Id]) -> HashMap<Name, Domain> {
    let mut out: HashMap<Name, Domain> = HashMap::new();
    let mut positive: Vec<Id> = Vec::new();
    for id in reachable(g, roots) {
        match *g.node(id) {
            Math::Logdet(x) => mark(g, x, Domain::Spd, &mut out),
            Math::Det(x) => mark(g, x, Domain::WellConditioned, &mut out),
            Math::Map([f, a]) => {
                if let Math::Fun(Func::Log | Func::Sqrt) = g.node(f) {
                    positive.push(a);
                }
                if let (Math::Fun(Func::Log), Math::Det(x)) = (g.node(f), g.node(through_definitions(g, a))) {
                    mark(g, *x, Domain::Spd, &mut out);
                }
            }
            Math::EPow([a, k]) if g.num_value(k).is_some_and(divides_or_roots) => positive.push(a),
            Math::Pow([a, k]) => {
                let Some(k) = g.num_value(k) else { continue };
                if g.is_scalar(a) {
                    if divides_or_roots(k) {
                        positive.push(a);
                    }
                } else if k.is_negative() {
                    mark(g, a, Domain::WellConditioned, &mut out);
                }
            }
            _ => {}
        }
    }
    for name in names_under(g, &positive) {
        let d = out.entry(name).or_default();
        *d = d.merge(Domain::Positive);
    }
    out
}

/// A power `k` that is negative or fractional: its base must be positive
/// (nonzero would do for a negative integer, but positive is what a draw
/// can promise).
fn divides_or_roots(k: Number) -> bool {
    k.is_negative() || integer_exponent(k).is_none()
}

/// Follows `Sym`s to their definitions.
fn through_definitions(g: &Graph, mut id: Id) -> Id {
    while let Math::Sym(name) = g.node(id)
        && let Some(def) = g.names.get(name).and_then(|i| i.def)
        && def < id
    {
        id = def;
    }
    id
}

/// Marks the names on the definition chain from `id` (none if `id` is not
/// a name).
fn mark(g: &Graph, mut id: Id, domain: Domain, out: &mut HashMap<Name, Domain>) {
    while let Math::Sym(name) = g.node(id) {
        let d = out.entry(*name).or_default();
        *d = d.merge(domain);
        match g.names.get(name).and_then(|i| i.def) {
            Some(def) if def < id => id = def,
            _ => break,
        }
    }
}

/// The definition of a `Sym`, when it has one (below it, as it must be).
fn definition(g: &Graph, id: Id) -> Option<Id> {
    match g.node(id) {
        Math::Sym(name) => g.names.get(name).and_then(|i| i.def).filter(|&d| d < id),
        _ => None,
    }
}

/// Every node under `roots`, definitions included, by an explicit stack.
fn reachable(g: &Graph, roots: &[Id]) -> Vec<Id> {
    let mut seen = vec![false; g.len()];
    let mut stack: Vec<Id> = roots.iter().copied().filter(|r| usize::from(*r) < g.len()).collect();
    let mut out = Vec::new();
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[usize::from(id)], true) {
            continue;
        }
        out.push(id);
        // The name under `d` is not a value there.
        if !matches!(g.node(id), Math::Diff(_)) {
            stack.extend(g.node(id).children().iter().copied().filter(|&c| c < id));
        }
        stack.extend(definition(g, id));
    }
    out
}

/// Every name occurring under `roots`, through definitions.
pub(crate) fn names_under(g: &Graph, roots: &[Id]) -> Vec<Name> {
    reachable(g, roots)
        .into_iter()
        .filter_map(|id| match g.node(id) {
            Math::Sym(name) => Some(*name),
            _ => None,
        })
        .collect()
}

/// The smallest and largest size drawn for a dimension.
const SIZES: [usize; 5] = [2, 3, 4, 5, 6];

/// A size in `2..=6` for each dimension, distinct from each other's as long
/// as there are enough sizes (five), so that a transposition mistake changes
/// a shape. The names are sorted first: the draw does not depend on the
/// order they come in.
pub fn draw_sizes(dims: impl IntoIterator<Item = Name>, rng: &mut Rng) -> HashMap<Name, usize> {
    let mut names: Vec<Name> = dims.into_iter().collect();
    names.sort();
    names.dedup();
    let order = rng.permutation(SIZES.len());
    let mut sizes = HashMap::with_capacity(names.len());
    for (i, name) in names.into_iter().enumerate() {
        let size = match order.get(i) {
            Some(&j) => SIZES[j],
            None => SIZES[rng.below(SIZES.len() as u64) as usize],
        };
        sizes.insert(name, size);
    }
    sizes
}

/// A point with a value for each of `variables` (in their order, so the
/// draw is deterministic), each from its domain in `domains` (`Any` if
/// absent), made symmetric or positive where the name's props say it is.
/// A variable the graph does not declare, or whose shape needs a size that
/// `sizes` lacks, is left out: evaluating then reports what is missing.
pub fn draw_point(
    g: &Graph,
    variables: &[Name],
    domains: &HashMap<Name, Domain>,
    sizes: &HashMap<Name, usize>,
    rng: &mut Rng,
) -> Point {
    let mut point = Point { sizes: sizes.clone(), ..Point::default() };
    for &name in variables {
        let Some(info) = g.names.get(&name) else {
            continue;
        };
        let Ok((rows, cols)) = size_of(&info.shape, sizes) else {
            continue;
        };
        let domain = domains.get(&name).copied().unwrap_or_default();
        point.values.insert(name, draw_declared(info.props, domain, rows, cols, rng));
    }
    point
}

/// One `rows×cols` value from `domain` that also has the facts `props`
/// states (a variable's declared properties):
///
/// - `definite` (spd): from `Spd`;
/// - `positive`: from `Positive` at least;
/// - `probability`: positive entries, each column divided by its sum (a
///   point inside the simplex, where `log p` is defined too);
/// - `centered`: each column minus its mean;
/// - `diagonal`: `Diag(v)` with `v` drawn from `domain` (positive entries
///   when the domain asks for more than `Any`, so invertible);
/// - otherwise (and for `symmetric`) as [`draw`].
pub fn draw_declared(props: Props, domain: Domain, rows: usize, cols: usize, rng: &mut Rng) -> Value {
    let mut domain = domain;
    if props.positive {
        domain = domain.merge(Domain::Positive);
    }
    if props.definite {
        domain = domain.merge(Domain::Spd);
    }
    if props.probability {
        let mut v = entries(rows, cols, false, rng, positive_entry);
        for mut column in v.column_iter_mut() {
            let total: f64 = column.iter().sum();
            column /= total;
        }
        return v;
    }
    if props.centered {
        let mut v = draw(domain, rows, cols, false, rng);
        for mut column in v.column_iter_mut() {
            let mean = column.mean();
            column.add_scalar_mut(-mean);
        }
        return v;
    }
    if props.diagonal && rows == cols && rows > 1 {
        let d = draw(domain.min(Domain::Positive), rows, 1, false, rng);
        return Value::from_diagonal(&d.column(0).into_owned());
    }
    draw(domain, rows, cols, props.symmetric, rng)
}

/// A random direction (standard normal entries) in which a variable with
/// the facts `props` may move: symmetric for a symmetric one, diagonal for
/// a diagonal one, any otherwise (a positive or probability variable's
/// derivatives are the unconstrained ones).
pub fn draw_direction(props: Props, rows: usize, cols: usize, rng: &mut Rng) -> Value {
    if props.diagonal && rows == cols && rows > 1 {
        let d = entries(rows, 1, false, rng, Rng::normal);
        return Value::from_diagonal(&d.column(0).into_owned());
    }
    draw(Domain::Any, rows, cols, props.symmetric, rng)
}

/// Accept a well-conditioned draw when its 1-norm condition number is at
/// most this.
const GOOD_CONDITION: f64 = 1e3;

/// One `rows×cols` value from `domain`; symmetric if asked and square.
///
/// - `Any`: standard normal entries;
/// - `Positive`: entries uniform in `[0.5, 2)`;
/// - `WellConditioned`: `P + c·I` with `P` positive as above and `c = 2√n`,
///   doubled until the condition number is at most 10³ (it rarely is not);
/// - `Spd`: `B Bᵀ + n·I` with `B` positive as above.
///
/// A scalar from any domain but `Any` is uniform in `[0.5, 2)`; a
/// non-square value asked to be `WellConditioned` or `Spd` is `Positive`.
pub fn draw(domain: Domain, rows: usize, cols: usize, symmetric: bool, rng: &mut Rng) -> Value {
    let symmetric = symmetric && rows == cols;
    let domain = if rows != cols && domain > Domain::Positive { Domain::Positive } else { domain };
    let n = rows;
    match domain {
        Domain::Any => entries(rows, cols, symmetric, rng, Rng::normal),
        Domain::Positive => entries(rows, cols, symmetric, rng, positive_entry),
        _ if rows * cols == 1 => entries(1, 1, false, rng, positive_entry),
        Domain::WellConditioned => {
            let p = entries(n, n, symmetric, rng, positive_entry);
            let mut c = 2.0 * (n as f64).sqrt();
            loop {
                let a = &p + Value::identity(n, n) * c;
                if condition(&a) <= GOOD_CONDITION || c > 1e6 {
                    return a;
                }
                c *= 2.0;
            }
        }
        Domain::Spd => {
            let b = entries(n, n, false, rng, positive_entry);
            let mut s = &b * b.transpose() + Value::identity(n, n) * n as f64;
            // exactly symmetric, whatever order the product summed in
            for i in 0..n {
                for j in 0..i {
                    s[(i, j)] = s[(j, i)];
                }
            }
            s
        }
    }
}

fn positive_entry(rng: &mut Rng) -> f64 {
    rng.uniform(0.5, 2.0)
}

/// Entries drawn column by column; for a symmetric value, only the upper
/// triangle is drawn, each entry mirrored as it is.
fn entries(rows: usize, cols: usize, symmetric: bool, rng: &mut Rng, draw: fn(&mut Rng) -> f64) -> Value {
    let mut v = Value::zeros(rows, cols);
    for j in 0..cols {
        for i in 0..rows {
            if !symmetric {
                v[(i, j)] = draw(rng);
            } else if i <= j {
                let x = draw(rng);
                v[(i, j)] = x;
                v[(j, i)] = x;
            }
        }
    }
    v
}

/// `‖A‖₁ ‖A⁻¹‖₁`, infinite for a singular matrix.
fn condition(a: &Value) -> f64 {
    let norm1 = |m: &Value| m.column_iter().map(|c| c.iter().map(|x| x.abs()).sum::<f64>()).fold(0.0, f64::max);
    match a.clone().try_inverse() {
        Some(inv) => norm1(a) * norm1(&inv),
        None => f64::INFINITY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{NameInfo, NameKind};
    use crate::shape::{Dim, Shape};

    fn declare(g: &mut Graph, name: &str, shape: Shape) -> (Name, Id) {
        let n = Name::new(name);
        g.declare(n, NameInfo { shape, props: Props::NONE, kind: NameKind::Variable, def: None, span: None });
        (n, g.sym(n))
    }

    fn define(g: &mut Graph, name: &str, def: Id) -> (Name, Id) {
        let n = Name::new(name);
        let shape = g.shape(def).clone();
        g.declare(n, NameInfo { shape, props: Props::NONE, kind: NameKind::Definition, def: Some(def), span: None });
        (n, g.sym(n))
    }

    fn sq(n: &str) -> Shape {
        Shape::square(Dim::named(Name::new(n)))
    }

    #[test]
    fn domains_follow_the_operations() {
        let mut g = Graph::new();
        let (a, xa) = declare(&mut g, "A", sq("n"));
        let (b, xb) = declare(&mut g, "B", sq("n"));
        let (c, xc) = declare(&mut g, "C", sq("n"));
        let (s, xs) = declare(&mut g, "S", sq("n"));
        let (u, xu) = declare(&mut g, "u", Shape::column(Dim::named(Name::new("n"))));
        let (v, xv) = declare(&mut g, "v", Shape::column(Dim::named(Name::new("n"))));
        let (w, xw) = declare(&mut g, "w", Shape::column(Dim::named(Name::new("n"))));
        let (t, xt) = declare(&mut g, "t", Shape::column(Dim::named(Name::new("n"))));
        let (y, _) = declare(&mut g, "y", Shape::column(Dim::named(Name::new("n"))));
        // logdet S + det A + tr(B⁻¹) + sum(log(C u)) + sum(v ∘ w^∘-1) + sum(sqrt t)
        let ld = g.logdet(xs);
        let det = g.det(xa);
        let binv = g.inv(xb);
        let tr = g.tr(binv);
        let cu = g.mul(xc, xu);
        let lg = g.map(Func::Log, cu);
        let lg = g.sum(lg);
        let winv = g.epow(xw, Number::MINUS_ONE);
        let ratio = g.had(xv, winv);
        let ratio = g.sum(ratio);
        let rt = g.map(Func::Sqrt, xt);
        let rt = g.sum(rt);
        let mut f = ld;
        for term in [det, tr, lg, ratio, rt] {
            f = g.add(f, term);
        }
        let d = infer_domains(&g, &[f]);
        assert_eq!(d.get(&s), Some(&Domain::Spd));
        assert_eq!(d.get(&a), Some(&Domain::WellConditioned));
        assert_eq!(d.get(&b), Some(&Domain::WellConditioned));
        assert_eq!(d.get(&c), Some(&Domain::Positive));
        assert_eq!(d.get(&u), Some(&Domain::Positive));
        assert_eq!(d.get(&w), Some(&Domain::Positive));
        assert_eq!(d.get(&t), Some(&Domain::Positive));
        assert_eq!(d.get(&v), None, "the dividend needs nothing");
        assert_eq!(d.get(&y), None, "not under the roots");
    }

    #[test]
    fn domains_see_through_definitions_and_merge() {
        let mut g = Graph::new();
        let (x, xx) = declare(&mut g, "X", sq("n"));
        let (k, xk) = declare(&mut g, "κ", Shape::scalar());
        let (h, xh) = declare(&mut g, "η", Shape::scalar());
        // D = det X; log D — and X also under a log: Spd wins.
        let det = g.det(xx);
        let (dn, dsym) = define(&mut g, "D", det);
        let logd = g.map(Func::Log, dsym);
        let lx = g.map(Func::Log, xx);
        let lx = g.sum(lx);
        // κ^½ and 1/η
        let root = g.pow(xk, Number::Rat(1, 2));
        let recip = g.pow(xh, Number::MINUS_ONE);
        let mut f = g.add(logd, lx);
        f = g.add(f, root);
        f = g.add(f, recip);
        let d = infer_domains(&g, &[f]);
        assert_eq!(d.get(&x), Some(&Domain::Spd));
        assert_eq!(d.get(&dn), Some(&Domain::Positive));
        assert_eq!(d.get(&k), Some(&Domain::Positive));
        assert_eq!(d.get(&h), Some(&Domain::Positive));
        assert_eq!(Domain::Positive.merge(Domain::WellConditioned), Domain::WellConditioned);
        assert_eq!(Domain::Spd.merge(Domain::Any), Domain::Spd);
    }

    #[test]
    fn sizes_are_small_distinct_and_order_free() {
        let names: Vec<Name> = ["m", "n", "p", "k"].iter().map(|s| Name::new(s)).collect();
        let a = draw_sizes(names.clone(), &mut Rng::new(5));
        let b = draw_sizes(names.iter().rev().copied().chain([names[0]]), &mut Rng::new(5));
        assert_eq!(a, b);
        let mut values: Vec<usize> = a.values().copied().collect();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), 4);
        assert!(values.iter().all(|s| (2..=6).contains(s)));
        let many: Vec<Name> = (0..9).map(|i| Name::new(&format!("d_{i}"))).collect();
        let sizes = draw_sizes(many, &mut Rng::new(6));
        assert_eq!(sizes.len(), 9);
        assert!(sizes.values().all(|s| (2..=6).contains(s)));
    }

    fn is_spd(a: &Value) -> bool {
        a == &a.transpose() && a.clone().cholesky().is_some()
    }

    #[test]
    fn draws_respect_every_domain() {
        let mut rng = Rng::new(11);
        for n in 1..=6 {
            for _ in 0..50 {
                let any = draw(Domain::Any, n, n + 1, false, &mut rng);
                assert_eq!(any.shape(), (n, n + 1));
                let pos = draw(Domain::Positive, n, 2, false, &mut rng);
                assert!(pos.iter().all(|&x| (0.5..2.0).contains(&x)));
                let wc = draw(Domain::WellConditioned, n, n, false, &mut rng);
                assert!(wc.iter().all(|&x| x > 0.0));
                assert!(condition(&wc) <= GOOD_CONDITION, "{wc}");
                let spd = draw(Domain::Spd, n, n, false, &mut rng);
                assert!(is_spd(&spd) && spd.iter().all(|&x| x > 0.0), "{spd}");
                let sym = draw(Domain::Any, n, n, true, &mut rng);
                assert_eq!(sym, sym.transpose());
                let sym = draw(Domain::WellConditioned, n, n, true, &mut rng);
                assert_eq!(sym, sym.transpose());
            }
        }
        // non-square: the strict domains fall back to positive entries
        let v = draw(Domain::Spd, 4, 1, false, &mut rng);
        assert!(v.iter().all(|&x| x > 0.0));
    }

    #[test]
    fn draw_point_uses_domains_props_and_sizes() {
        let mut g = Graph::new();
        let (s, _) = declare(&mut g, "S", sq("n"));
        let (w, _) = declare(&mut g, "W", Shape::new(Dim::named(Name::new("m")), Dim::named(Name::new("n"))));
        let (a, _) = declare(&mut g, "A", sq("n"));
        let p = Name::new("P");
        g.declare(
            p,
            NameInfo {
                shape: sq("n"),
                props: Props { symmetric: true, positive: true, ..Props::NONE },
                kind: NameKind::Variable,
                def: None,
                span: None,
            },
        );
        let (z, _) = declare(&mut g, "z", Shape::column(Dim::named(Name::new("q"))));
        let domains = HashMap::from([(s, Domain::Spd), (a, Domain::WellConditioned)]);
        let mut rng = Rng::new(3);
        let sizes = draw_sizes([Name::new("m"), Name::new("n")], &mut rng);
        let (m, n) = (sizes[&Name::new("m")], sizes[&Name::new("n")]);
        for _ in 0..20 {
            let pt = draw_point(&g, &[s, w, a, p, z], &domains, &sizes, &mut rng);
            assert!(is_spd(&pt.values[&s]));
            assert_eq!(pt.values[&w].shape(), (m, n));
            assert!(pt.values[&a].clone().try_inverse().is_some());
            let pv = &pt.values[&p];
            assert!(pv == &pv.transpose() && pv.iter().all(|&x| x > 0.0));
            assert!(!pt.values.contains_key(&z), "no size for q");
            assert_eq!(pt.sizes, sizes);
        }
        let again = draw_point(&g, &[s, w], &domains, &sizes, &mut Rng::new(9));
        let twice = draw_point(&g, &[s, w], &domains, &sizes, &mut Rng::new(9));
        assert_eq!(again.values, twice.values);
    }

    #[test]
    fn declared_draws_have_their_properties() {
        let mut rng = Rng::new(17);
        let declared = |p: &[crate::syntax::ast::Property]| Props::declared(p.iter().copied());
        use crate::syntax::ast::Property::*;
        for n in 2..=6 {
            let spd = draw_declared(declared(&[Spd]), Domain::Any, n, n, &mut rng);
            assert!(is_spd(&spd), "{spd}");
            let sym = draw_declared(declared(&[Symmetric]), Domain::Any, n, n, &mut rng);
            assert_eq!(sym, sym.transpose());
            let d = draw_declared(declared(&[Diagonal]), Domain::WellConditioned, n, n, &mut rng);
            assert!((0..n).all(|i| (0..n).all(|j| i == j || d[(i, j)] == 0.0)) && (0..n).all(|i| d[(i, i)] > 0.0), "{d}");
            let w = draw_declared(declared(&[Positive]), Domain::Any, n, 3, &mut rng);
            assert!(w.iter().all(|&x| x > 0.0));
            let p = draw_declared(declared(&[Probability]), Domain::Positive, n, 3, &mut rng);
            for column in p.column_iter() {
                assert!(column.iter().all(|&x| x > 0.0) && (column.sum() - 1.0).abs() < 1e-12, "{p}");
            }
        }
    }
}
