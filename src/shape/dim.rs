//! Dimensions after inference: a positive integer times a product of named
//! sizes (`3`, `n`, `m·n` for the rows of a Kronecker product or a `vec`).
//!
//! Shapes are cloned in every shape computation of the e-graph, so a `Dim`
//! clones without allocating: an integer, a single name, or a shared product.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::name::Name;

/// `coef · Π name^exp`, normalized so that equal dimensions compare equal.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dim(Repr);

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Repr {
    Int(u64),
    /// One name, to the first power.
    Named(Name),
    /// Anything else: a coefficient and factors sorted by name.
    Product(u64, Arc<[(Name, u32)]>),
}

impl Dim {
    pub const ONE: Dim = Dim(Repr::Int(1));

    pub fn int(n: u64) -> Dim {
        Dim(Repr::Int(n))
    }

    pub fn named(name: Name) -> Dim {
        Dim(Repr::Named(name))
    }

    /// The normal form of `coef · Π factors`.
    fn of(coef: u64, factors: BTreeMap<Name, u32>) -> Dim {
        match (coef, factors.len()) {
            (_, 0) => Dim::int(coef),
            (1, 1) if factors.values().all(|&e| e == 1) => Dim::named(*factors.keys().next().expect("one factor")),
            _ => Dim(Repr::Product(coef, factors.into_iter().collect())),
        }
    }

    fn parts(&self) -> (u64, Vec<(Name, u32)>) {
        match &self.0 {
            Repr::Int(n) => (*n, Vec::new()),
            Repr::Named(n) => (1, vec![(*n, 1)]),
            Repr::Product(c, f) => (*c, f.to_vec()),
        }
    }

    pub fn is_one(&self) -> bool {
        self.0 == Repr::Int(1)
    }

    /// The name when the dimension is one named size (`n`, not `2n` or `mn`).
    pub fn as_name(&self) -> Option<Name> {
        match self.0 {
            Repr::Named(n) => Some(n),
            _ => None,
        }
    }

    /// The value when no name is involved.
    pub fn as_int(&self) -> Option<u64> {
        match self.0 {
            Repr::Int(n) => Some(n),
            _ => None,
        }
    }

    /// The product of two dimensions, or `None` if the constant overflows.
    pub fn times(&self, other: &Dim) -> Option<Dim> {
        let ((a, fa), (b, fb)) = (self.parts(), other.parts());
        let mut factors: BTreeMap<Name, u32> = fa.into_iter().collect();
        for (n, e) in fb {
            *factors.entry(n).or_default() += e;
        }
        Some(Dim::of(a.checked_mul(b)?, factors))
    }

    /// The named sizes this dimension mentions.
    pub fn names(&self) -> impl Iterator<Item = Name> + '_ {
        self.parts().1.into_iter().map(|f| f.0)
    }

    /// The size for given values of the named sizes.
    pub fn eval(&self, size_of: &impl Fn(Name) -> usize) -> usize {
        let (coef, factors) = self.parts();
        factors.iter().fold(coef as usize, |acc, &(n, e)| acc.saturating_mul(size_of(n).saturating_pow(e)))
    }

    /// Plain-text spelling: `3`, `n`, `mn`, `2n`, `n²`… with `sep` between
    /// factors (`""` for Unicode, `" "` for LaTeX).
    pub fn render(&self, name: impl Fn(Name) -> String, sep: &str, power: impl Fn(u32) -> String) -> String {
        let (coef, factors) = self.parts();
        let mut parts = Vec::new();
        if coef != 1 || factors.is_empty() {
            parts.push(coef.to_string());
        }
        for (n, e) in factors {
            parts.push(if e == 1 { name(n) } else { format!("{}{}", name(n), power(e)) });
        }
        parts.join(sep)
    }
}

impl fmt::Debug for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.render(|n| n.to_string(), "·", |e| format!("^{e}")))
    }
}
impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_normalize() {
        let (m, n) = (Dim::named(Name::new("m")), Dim::named(Name::new("n")));
        assert_eq!(m.times(&n), n.times(&m));
        assert_eq!(Dim::int(2).times(&Dim::int(3)), Some(Dim::int(6)));
        assert_eq!(Dim::ONE.times(&m), Some(m.clone()));
        assert_eq!(m.times(&n).unwrap().eval(&|x| if x.as_str() == "m" { 3 } else { 4 }), 12);
        assert_eq!(format!("{}", m.times(&m).unwrap()), "m^2");
        assert_eq!(Dim::int(1).times(&Dim::int(1)), Some(Dim::ONE));
    }
}
