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
    /// The shape as a noun phrase in messages, as inference words it:
    /// `a scalar`, `a 5-vector`, `a 1×n row vector`, `an m×n matrix`.
    pub fn noun(&self) -> String {
        let show = |d: &Dim| d.to_string().replace('·', "");
        let (r, c) = (show(&self.rows), show(&self.cols));
        if self.is_scalar() {
            "a scalar".into()
        } else if self.cols.is_one() {
            format!("{} {r}-vector", article(&r))
        } else if self.rows.is_one() {
            format!("a 1×{c} row vector")
        } else {
            format!("{} {r}×{c} matrix", article(&r))
        }
    }
}

/// `a` or `an` before a size as it is read aloud: "an m×n matrix", "an
/// 8-vector", "a 5×4 matrix".
pub fn article(size: &str) -> &'static str {
    let mut chars = size.chars();
    let vowel_sound = match chars.next() {
        Some('a' | 'e' | 'f' | 'h' | 'i' | 'l' | 'm' | 'n' | 'o' | 'r' | 's' | 'x') => {
            // a letter read by its name (`n`), not a word
            !chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        }
        Some('8') => true,
        Some('1') => {
            // eleven, eighteen (and their thousands, millions…)
            let digits = size.chars().take_while(char::is_ascii_digit).count();
            (size.starts_with("11") || size.starts_with("18")) && digits % 3 == 2
        }
        _ => false,
    };
    if vowel_sound { "an" } else { "a" }
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
