//! Shapes: every value is an `r×c` matrix; a column vector is `n×1`, a
//! scalar `1×1`. Inference (`infer`) assigns one to every expression of the
//! program; after it, shapes are plain data ([`Shape`]).

mod dim;
pub mod infer;
pub mod rule;

pub use dim::Dim;

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shape {
    pub rows: Dim,
    pub cols: Dim,
}

impl Shape {
    pub fn new(rows: Dim, cols: Dim) -> Shape {
        Shape { rows, cols }
    }
    pub fn scalar() -> Shape {
        Shape::new(Dim::ONE, Dim::ONE)
    }
    pub fn column(n: Dim) -> Shape {
        Shape::new(n, Dim::ONE)
    }
    pub fn square(n: Dim) -> Shape {
        Shape::new(n.clone(), n)
    }
    pub fn is_scalar(&self) -> bool {
        self.rows.is_one() && self.cols.is_one()
    }
    /// `n×1` with `n ≠ 1`.
    pub fn is_column(&self) -> bool {
        self.cols.is_one() && !self.rows.is_one()
    }
    /// `1×n` with `n ≠ 1`.
    pub fn is_row(&self) -> bool {
        self.rows.is_one() && !self.cols.is_one()
    }
    pub fn is_vector(&self) -> bool {
        self.is_column() || self.is_row()
    }
    pub fn is_square(&self) -> bool {
        self.rows == self.cols
    }
    pub fn transposed(&self) -> Shape {
        Shape::new(self.cols.clone(), self.rows.clone())
    }
    /// The number of entries, `rows·cols`.
    pub fn len(&self) -> Option<Dim> {
        self.rows.times(&self.cols)
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_scalar() { write!(f, "scalar") } else { write!(f, "{}×{}", self.rows, self.cols) }
    }
}
impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
