//! The one expression language used after lowering: an egg language whose
//! nodes are the mathematics (`Mul`, `Had`, `Kron`, `Trans`…), stored in a
//! hash-consed [`Graph`] and rewritten by `simplify`.
//!
//! `Mul` is the product people write by juxtaposition: a matrix product, or
//! scaling when either side is a scalar. Subtraction is `a + (-1)·b`,
//! division by a scalar `a·b⁻¹`, elementwise division `a ∘ b^∘-1`: fewer
//! operators mean fewer rules; the printers restore the usual notation.

pub mod graph;
mod props;

pub use graph::{Graph, NameInfo, NameKind};
pub use props::Props;

use std::fmt;
use std::str::FromStr;

use egg::{Id, define_language};

use crate::name::Name;
use crate::num::Number;
use crate::shape::{Dim, Shape};

define_language! {
    pub enum Math {
        "+" = Add([Id; 2]),
        "*" = Mul([Id; 2]),
        "∘" = Had([Id; 2]),
        "⊗" = Kron([Id; 2]),
        ":" = Frob([Id; 2]),
        "T" = Trans(Id),
        // Matrix (or scalar) power; the exponent is a `Num` node, -1 the inverse.
        "pow" = Pow([Id; 2]),
        // Elementwise power; the exponent is a `Num` node.
        "epow" = EPow([Id; 2]),
        // An elementwise function: (map σ X).
        "map" = Map([Id; 2]),
        "softmax" = Softmax(Id),
        "lse" = Lse(Id),
        "sum" = Sum(Id),
        "tr" = Tr(Id),
        "det" = Det(Id),
        "logdet" = Logdet(Id),
        // vector → diagonal matrix
        "Diag" = DiagM(Id),
        // square matrix → vector of its diagonal
        "diag" = DiagV(Id),
        "vec" = Vec(Id),
        // (unvec v w): v reshaped, column by column, to the shape of w.
        "unvec" = Unvec([Id; 2]),
        // 2-norm of a vector, Frobenius norm of a matrix
        "norm" = Norm(Id),
        // the differential d(X) of a variable or named quantity
        "d" = Diff(Id),
        Num(Number),
        Fun(Func),
        Const(Constant),
        Sym(Name),
    }
}

/// The operator of a non-leaf node, without its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Mul,
    Had,
    Kron,
    Frob,
    Trans,
    Pow,
    EPow,
    Map,
    Softmax,
    Lse,
    Sum,
    Tr,
    Det,
    Logdet,
    DiagM,
    DiagV,
    Vec,
    Unvec,
    Norm,
    Diff,
}

impl Math {
    pub fn op(&self) -> Option<Op> {
        Some(match self {
            Math::Add(_) => Op::Add,
            Math::Mul(_) => Op::Mul,
            Math::Had(_) => Op::Had,
            Math::Kron(_) => Op::Kron,
            Math::Frob(_) => Op::Frob,
            Math::Trans(_) => Op::Trans,
            Math::Pow(_) => Op::Pow,
            Math::EPow(_) => Op::EPow,
            Math::Map(_) => Op::Map,
            Math::Softmax(_) => Op::Softmax,
            Math::Lse(_) => Op::Lse,
            Math::Sum(_) => Op::Sum,
            Math::Tr(_) => Op::Tr,
            Math::Det(_) => Op::Det,
            Math::Logdet(_) => Op::Logdet,
            Math::DiagM(_) => Op::DiagM,
            Math::DiagV(_) => Op::DiagV,
            Math::Vec(_) => Op::Vec,
            Math::Unvec(_) => Op::Unvec,
            Math::Norm(_) => Op::Norm,
            Math::Diff(_) => Op::Diff,
            Math::Num(_) | Math::Fun(_) | Math::Const(_) | Math::Sym(_) => return None,
        })
    }
}

/// Elementwise functions. `Step` and `Sign` are not in the input language;
/// they appear as derivatives of `relu` and `abs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Func {
    Sigmoid,
    Tanh,
    Exp,
    Log,
    Sqrt,
    Softplus,
    Relu,
    Sin,
    Cos,
    Abs,
    Step,
    Sign,
}

impl Func {
    pub const ALL: [Func; 12] = [
        Func::Sigmoid,
        Func::Tanh,
        Func::Exp,
        Func::Log,
        Func::Sqrt,
        Func::Softplus,
        Func::Relu,
        Func::Sin,
        Func::Cos,
        Func::Abs,
        Func::Step,
        Func::Sign,
    ];

    /// The spelling used in s-expressions, rule tables and Unicode output.
    pub fn name(self) -> &'static str {
        match self {
            Func::Sigmoid => "σ",
            Func::Tanh => "tanh",
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Sqrt => "sqrt",
            Func::Softplus => "softplus",
            Func::Relu => "relu",
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Abs => "abs",
            Func::Step => "step",
            Func::Sign => "sign",
        }
    }
}

impl fmt::Display for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Func {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Func::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| format!("not a function: {s}"))
    }
}

/// Constants whose value is fixed by their shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Constant {
    /// `I_n`
    Identity(Dim),
    /// `𝟙_n`, the all-ones column vector.
    Ones(Dim),
    /// The zero matrix of a shape.
    Zero(Shape),
    /// The commutation matrix `K_{m,n}`: `K vec(X) = vec(Xᵀ)` for `X` `m×n`.
    Commutation(Dim, Dim),
    /// A size as a number, the `n` of `1/n ‖Xw − y‖²` (CONTRACT §1, *Sizes
    /// are numbers*): a positive scalar, never an integer (that is a `Num`).
    Size(Dim),
}

impl Constant {
    pub fn shape(&self) -> Shape {
        match self {
            Constant::Identity(n) => Shape::square(n.clone()),
            Constant::Ones(n) => Shape::column(n.clone()),
            Constant::Zero(s) => s.clone(),
            Constant::Commutation(m, n) => Shape::square(m.times(n).unwrap_or(Dim::ONE)),
            Constant::Size(_) => Shape::scalar(),
        }
    }
}

impl fmt::Display for Constant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Constant::Identity(n) => write!(f, "I[{n}]"),
            Constant::Ones(n) => write!(f, "𝟙[{n}]"),
            Constant::Zero(s) => write!(f, "0[{}×{}]", s.rows, s.cols),
            Constant::Commutation(m, n) => write!(f, "K[{m},{n}]"),
            Constant::Size(n) => write!(f, "size[{n}]"),
        }
    }
}

impl FromStr for Constant {
    type Err = String;
    /// Only integer sizes are read back (`I[3]`, `0[2×3]`); enough for tests.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("not a constant: {s}");
        let (head, rest) = s.split_once('[').ok_or_else(bad)?;
        let args: Vec<Dim> = rest
            .strip_suffix(']')
            .ok_or_else(bad)?
            .split(['×', ','])
            .map(|d| d.parse::<u64>().map(Dim::int).map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        match (head, args.as_slice()) {
            ("I", [n]) => Ok(Constant::Identity(n.clone())),
            ("𝟙", [n]) => Ok(Constant::Ones(n.clone())),
            ("0", [r, c]) => Ok(Constant::Zero(Shape::new(r.clone(), c.clone()))),
            ("K", [m, n]) => Ok(Constant::Commutation(m.clone(), n.clone())),
            ("size", [n]) => Ok(Constant::Size(n.clone())),
            _ => Err(bad()),
        }
    }
}
