//! One shape rule per operator, written once over an abstract dimension
//! algebra: inference instantiates it with unification variables, the
//! e-graph analysis and the IR builder with plain [`Dim`](super::Dim)s.

use crate::ir::Op;

/// What the rules need from dimensions.
pub trait DimAlgebra {
    type D: Clone;
    fn one(&mut self) -> Self::D;
    /// True when `d` is (already known to be) 1.
    fn is_one(&mut self, d: &Self::D) -> bool;
    fn times(&mut self, a: &Self::D, b: &Self::D) -> Option<Self::D>;
    /// Makes `a` and `b` equal (unification) or checks that they are.
    fn equate(&mut self, a: &Self::D, b: &Self::D) -> bool;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sh<D> {
    pub rows: D,
    pub cols: D,
}

/// Why a rule refused its operands; operands are indices into `args`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// `args[left].cols` must equal `args[right].rows`.
    Inner {
        left: usize,
        right: usize,
    },
    /// `args[left]` and `args[right]` must have the same shape.
    Same {
        left: usize,
        right: usize,
    },
    NotSquare(usize),
    /// A vector (one of its sizes 1, not both) is required.
    NotVector(usize),
    /// A dimension product does not fit in 64 bits.
    TooLarge,
}

fn scalar<A: DimAlgebra>(alg: &mut A) -> Sh<A::D> {
    Sh { rows: alg.one(), cols: alg.one() }
}

pub fn is_scalar<A: DimAlgebra>(alg: &mut A, s: &Sh<A::D>) -> bool {
    alg.is_one(&s.rows) && alg.is_one(&s.cols)
}

fn is_vector<A: DimAlgebra>(alg: &mut A, s: &Sh<A::D>) -> bool {
    let (r, c) = (alg.is_one(&s.rows), alg.is_one(&s.cols));
    r != c
}

fn same<A: DimAlgebra>(alg: &mut A, args: &[Sh<A::D>], left: usize, right: usize) -> Result<(), Mismatch> {
    let (a, b) = (&args[left], &args[right]);
    if alg.equate(&a.rows, &b.rows) && alg.equate(&a.cols, &b.cols) { Ok(()) } else { Err(Mismatch::Same { left, right }) }
}

fn square<A: DimAlgebra>(alg: &mut A, args: &[Sh<A::D>], i: usize) -> Result<A::D, Mismatch> {
    let s = &args[i];
    if alg.equate(&s.rows, &s.cols) { Ok(s.rows.clone()) } else { Err(Mismatch::NotSquare(i)) }
}

/// The shape of `op` applied to operands of shapes `args` (for `Map`, `Pow`
/// and `EPow` the matrix operand is `args[1]` / `args[0]` as in the IR node).
pub fn apply<A: DimAlgebra>(op: Op, args: &[Sh<A::D>], alg: &mut A) -> Result<Sh<A::D>, Mismatch> {
    Ok(match op {
        Op::Add | Op::Had => {
            same(alg, args, 0, 1)?;
            args[0].clone()
        }
        Op::Frob => {
            same(alg, args, 0, 1)?;
            scalar(alg)
        }
        // Juxtaposition: scaling when either side is a scalar, else a matrix product.
        Op::Mul => {
            let (a, b) = (&args[0], &args[1]);
            if is_scalar(alg, a) {
                b.clone()
            } else if is_scalar(alg, b) {
                a.clone()
            } else if alg.equate(&a.cols, &b.rows) {
                Sh { rows: a.rows.clone(), cols: b.cols.clone() }
            } else {
                return Err(Mismatch::Inner { left: 0, right: 1 });
            }
        }
        Op::Kron => {
            let (a, b) = (&args[0], &args[1]);
            Sh {
                rows: alg.times(&a.rows, &b.rows).ok_or(Mismatch::TooLarge)?,
                cols: alg.times(&a.cols, &b.cols).ok_or(Mismatch::TooLarge)?,
            }
        }
        Op::Trans => Sh { rows: args[0].cols.clone(), cols: args[0].rows.clone() },
        Op::Pow => {
            if !is_scalar(alg, &args[0]) {
                square(alg, args, 0)?;
            }
            args[0].clone()
        }
        Op::EPow | Op::Diff => args[0].clone(),
        Op::Map => args[1].clone(),
        // of a vector, over its entries; of a matrix, column by column
        Op::Softmax => {
            if is_scalar(alg, &args[0]) {
                return Err(Mismatch::NotVector(0));
            }
            args[0].clone()
        }
        // a scalar for a vector; for a matrix, a row vector: one per column
        Op::Lse => {
            if is_scalar(alg, &args[0]) {
                return Err(Mismatch::NotVector(0));
            }
            if is_vector(alg, &args[0]) { scalar(alg) } else { Sh { rows: alg.one(), cols: args[0].cols.clone() } }
        }
        Op::Sum | Op::Norm => scalar(alg),
        Op::Tr | Op::Det | Op::Logdet => {
            square(alg, args, 0)?;
            scalar(alg)
        }
        Op::DiagM => {
            let s = &args[0];
            let n = if alg.is_one(&s.cols) && !alg.is_one(&s.rows) {
                s.rows.clone()
            } else if alg.is_one(&s.rows) && !alg.is_one(&s.cols) {
                s.cols.clone()
            } else if is_scalar(alg, s) {
                alg.one()
            } else {
                return Err(Mismatch::NotVector(0));
            };
            Sh { rows: n.clone(), cols: n }
        }
        Op::DiagV => {
            let n = square(alg, args, 0)?;
            Sh { rows: n, cols: alg.one() }
        }
        Op::Vec => {
            // columns times rows: where inference must factor the length
            // against a Kronecker product's (`(A ⊗ B) vec(X)`), factor by
            // factor is then the reading of `(A ⊗ B) vec(X) = vec(B X Aᵀ)`
            let s = &args[0];
            Sh { rows: alg.times(&s.cols, &s.rows).ok_or(Mismatch::TooLarge)?, cols: alg.one() }
        }
        Op::Unvec => args[1].clone(),
    })
}
