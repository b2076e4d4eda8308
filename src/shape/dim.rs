//! Dimensions after inference: a positive integer times a product of named
//! sizes (`3`, `n`, `m·n` for the rows of a Kronecker product or a `vec`).

use std::collections::BTreeMap;
use std::fmt;

use crate::name::Name;

/// `coef · Π name^exp`, normalized so that equal dimensions compare equal.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dim {
    coef: u64,
    factors: Vec<(Name, u32)>,
}

impl Dim {
    pub const ONE: Dim = Dim { coef: 1, factors: Vec::new() };

    pub fn int(n: u64) -> Dim {
        Dim { coef: n, factors: Vec::new() }
    }

    pub fn named(name: Name) -> Dim {
        Dim { coef: 1, factors: vec![(name, 1)] }
    }

    pub fn is_one(&self) -> bool {
        self.coef == 1 && self.factors.is_empty()
    }

    /// The value when no name is involved.
    pub fn as_int(&self) -> Option<u64> {
        self.factors.is_empty().then_some(self.coef)
    }

    /// The product of two dimensions, or `None` if the constant overflows.
    pub fn times(&self, other: &Dim) -> Option<Dim> {
        let mut factors: BTreeMap<Name, u32> = self.factors.iter().copied().collect();
        for &(n, e) in &other.factors {
            *factors.entry(n).or_default() += e;
        }
        Some(Dim { coef: self.coef.checked_mul(other.coef)?, factors: factors.into_iter().collect() })
    }

    /// The named sizes this dimension mentions.
    pub fn names(&self) -> impl Iterator<Item = Name> + '_ {
        self.factors.iter().map(|f| f.0)
    }

    /// The size for given values of the named sizes.
    pub fn eval(&self, size_of: &impl Fn(Name) -> usize) -> usize {
        self.factors.iter().fold(self.coef as usize, |acc, &(n, e)| acc.saturating_mul(size_of(n).saturating_pow(e)))
    }

    /// Plain-text spelling: `3`, `n`, `mn`, `2n`, `n²`… with `sep` between
    /// factors (`""` for Unicode, `" "` for LaTeX).
    pub fn render(&self, name: impl Fn(Name) -> String, sep: &str, power: impl Fn(u32) -> String) -> String {
        let mut parts = Vec::new();
        if self.coef != 1 || self.factors.is_empty() {
            parts.push(self.coef.to_string());
        }
        for &(n, e) in &self.factors {
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
    }
}
