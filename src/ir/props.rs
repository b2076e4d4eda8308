//! Facts about a node's value that rewrite guards need: symmetry (so that
//! `Sᵀ = S`) and positivity (so that `a ∘ (b ⊘ a) = b`), columns that sum
//! to one (so that `𝟙ᵀp = 1`). Variables have the facts their declaration
//! states (`Σ : n×n, spd`, see [`Props::declared`]); every other node
//! derives its facts from its children's, in [`Props::of`], the one place
//! both the arena and the e-graph take them from, so declared and derived
//! facts never disagree.

use super::{Constant, Func, Math};
use crate::syntax::ast::Property;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Props {
    /// `Xᵀ = X` (scalars, `Diag(v)`, `I`, sums and powers of such…).
    pub symmetric: bool,
    /// Every entry is positive, hence nonzero (`exp`, `σ`, `softmax`, `𝟙`…).
    pub positive: bool,
    /// Zero off the diagonal (`Diag(v)`, `I`, and sums, products, powers
    /// and inverses of such): diagonal matrices commute.
    pub diagonal: bool,
    /// Symmetric positive definite (declared `spd`, and its inverse and
    /// powers): the check draws such values.
    pub definite: bool,
    /// Nonnegative entries summing to one in each column (declared
    /// `probability`, `softmax`): `𝟙ᵀp = 1`, `𝟙ᵀY = 𝟙ᵀ`. Set for the
    /// softmax of a row vector too, whose entries sum to one along the
    /// row: `Pred::Probability` asks for more than one row.
    pub probability: bool,
    /// Each column sums to zero (`c = x − mean(x)𝟙`): `𝟙ᵀc = 0`. Never
    /// declared; found by evaluation ([`crate::numeric::facts`]) for
    /// definitions, and kept by scalar multiples, sums and products on the
    /// right (`𝟙ᵀcB = 0`).
    pub centered: bool,
}

impl Props {
    pub const NONE: Props =
        Props { symmetric: false, positive: false, diagonal: false, definite: false, probability: false, centered: false };

    /// The facts of a variable declared with `properties`: `spd` is
    /// symmetric too, and a diagonal matrix is symmetric. (A probability
    /// vector's entries may be 0, so it is not `positive`.)
    pub fn declared(properties: impl IntoIterator<Item = Property>) -> Props {
        let mut p = Props::NONE;
        for property in properties {
            match property {
                Property::Symmetric => p.symmetric = true,
                Property::Spd => (p.symmetric, p.definite) = (true, true),
                Property::Diagonal => (p.symmetric, p.diagonal) = (true, true),
                Property::Positive => p.positive = true,
                Property::Probability => p.probability = true,
            }
        }
        p
    }

    /// Every fact of either: what is proven of one of two equal values
    /// holds of both.
    pub fn union(self, other: Props) -> Props {
        Props {
            symmetric: self.symmetric || other.symmetric,
            positive: self.positive || other.positive,
            diagonal: self.diagonal || other.diagonal,
            definite: self.definite || other.definite,
            probability: self.probability || other.probability,
            centered: self.centered || other.centered,
        }
    }

    /// The facts of `node`, given those of its children and whether it is a
    /// scalar (every scalar is symmetric). `Sym` leaves take theirs from the
    /// name table, passed in as `leaf`. A `Fun` leaf is "positive" when its
    /// function only returns positive values, which `Map` passes on.
    pub fn of(
        node: &Math,
        child: impl Fn(egg::Id) -> Props,
        child_is_scalar: impl Fn(egg::Id) -> bool,
        is_scalar: bool,
        leaf: Props,
    ) -> Props {
        let both = |a: egg::Id, b: egg::Id, f: fn(Props) -> bool| f(child(a)) && f(child(b));
        let sym = |p: Props| p.symmetric;
        let pos = |p: Props| p.positive;
        let diag = |p: Props| p.diagonal;
        let diagonal = match node {
            Math::Sym(_) => leaf.diagonal,
            Math::Num(_) => true,
            Math::Const(Constant::Identity(_)) => true,
            Math::Const(Constant::Zero(s)) => s.is_square(),
            Math::DiagM(_) => true,
            Math::Add([a, b]) | Math::Mul([a, b]) | Math::Kron([a, b]) => both(*a, *b, diag),
            // a Hadamard product with a diagonal matrix is diagonal
            Math::Had([a, b]) => child(*a).diagonal || child(*b).diagonal,
            Math::Trans(a) | Math::Pow([a, _]) => child(*a).diagonal,
            _ => false,
        };
        let (symmetric, positive) = match node {
            Math::Sym(_) => (leaf.symmetric, leaf.positive),
            Math::Num(n) => (true, !n.is_negative() && !n.is_zero()),
            Math::Fun(f) => (false, matches!(f, Func::Sigmoid | Func::Exp | Func::Softplus)),
            Math::Const(c) => match c {
                Constant::Identity(_) => (true, false),
                Constant::Ones(_) => (false, true),
                Constant::Zero(s) => (s.is_square(), false),
                Constant::Commutation(m, n) => (m == n, false),
                Constant::Size(_) => (true, true),
            },
            Math::Add([a, b]) | Math::Had([a, b]) | Math::Kron([a, b]) => (both(*a, *b, sym), both(*a, *b, pos)),
            // A product of symmetric matrices is not symmetric in general;
            // a scalar times a symmetric one is.
            Math::Mul([a, b]) => {
                let scaled = (child_is_scalar(*a) && child(*b).symmetric) || (child_is_scalar(*b) && child(*a).symmetric);
                (scaled, both(*a, *b, pos))
            }
            Math::Trans(a) => (child(*a).symmetric, child(*a).positive),
            Math::Pow([a, _]) => (child(*a).symmetric, child(*a).positive && is_scalar),
            Math::EPow([a, _]) => (child(*a).symmetric, child(*a).positive),
            Math::Map([f, a]) => (child(*a).symmetric, child(*f).positive),
            Math::Softmax(_) => (false, true),
            Math::DiagM(_) => (true, false),
            Math::Sum(a) => (true, child(*a).positive),
            _ => (false, false),
        };
        let definite = match node {
            Math::Sym(_) => leaf.definite,
            // powers (the inverse, principal roots) and sums of SPD matrices are SPD
            Math::Pow([a, _]) => child(*a).definite,
            Math::Add([a, b]) => both(*a, *b, |p| p.definite),
            _ => false,
        };
        let probability = match node {
            Math::Sym(_) => leaf.probability,
            Math::Softmax(_) => true,
            _ => false,
        };
        let centered = match node {
            Math::Sym(_) => leaf.centered,
            Math::Add([a, b]) => both(*a, *b, |p| p.centered),
            // 𝟙ᵀ(cB) = (𝟙ᵀc)B = 0, and 𝟙ᵀ(αc) = α𝟙ᵀc = 0
            Math::Mul([a, b]) => child(*a).centered || (child_is_scalar(*a) && child(*b).centered),
            _ => false,
        };
        Props {
            symmetric: symmetric || is_scalar || diagonal,
            positive,
            diagonal: diagonal || is_scalar,
            definite,
            probability,
            centered: centered && !is_scalar,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Graph, NameInfo, NameKind};
    use crate::name::Name;
    use crate::shape::{Dim, Shape};

    fn variable(g: &mut Graph, name: &str, shape: Shape, properties: &[Property]) -> egg::Id {
        let n = Name::new(name);
        let props = Props::declared(properties.iter().copied());
        g.declare(n, NameInfo { shape, props, kind: NameKind::Variable, def: None, span: None });
        g.sym(n)
    }

    /// Declared facts feed the derived ones: what is known of `Σ` is known
    /// of `Σ⁻¹`, `Σᵀ` folds to `Σ`, a sum of SPD matrices is SPD.
    #[test]
    fn declared_facts_flow_into_derived_ones() {
        let mut g = Graph::new();
        let n = Dim::named(Name::new("n"));
        let sigma = variable(&mut g, "Σ", Shape::square(n.clone()), &[Property::Spd]);
        let d = variable(&mut g, "D", Shape::square(n.clone()), &[Property::Diagonal]);
        let p = variable(&mut g, "p", Shape::column(n.clone()), &[Property::Probability]);
        let w = variable(&mut g, "w", Shape::column(n.clone()), &[Property::Positive]);
        assert!(g.props(sigma).symmetric && g.props(sigma).definite && !g.props(sigma).positive);
        assert_eq!(g.trans(sigma), sigma, "Σᵀ = Σ when Σ is built");
        let inv = g.inv(sigma);
        assert!(g.props(inv).symmetric && g.props(inv).definite);
        let sum = g.add(sigma, inv);
        assert!(g.props(sum).definite);
        let dinv = g.inv(d);
        assert!(g.props(dinv).diagonal && g.props(dinv).symmetric);
        assert!(g.props(p).probability && !g.props(p).positive, "a probability may have zero entries");
        let q = g.softmax(w);
        assert!(g.props(q).probability && g.props(q).positive);
        let pt = g.trans(p);
        assert!(!g.props(pt).probability, "a transposed probability column is no probability matrix");
        let e = g.map(Func::Exp, w);
        assert!(g.props(e).positive && g.props(w).positive);
    }
}
