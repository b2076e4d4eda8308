//! THE precedence table (CONTRACT §1), loosest to tightest, in one place.
//!
//! The parser climbs these levels, the grammar and its README list them,
//! and printers can use [`Level::of`] to decide where parentheses go.

use crate::syntax::ast::{ExprKind, HadOp, ProdOp, Sign};
use crate::syntax::token::TokenKind;

/// Binding strength, loosest first; a derived `Ord` compares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `a + b`, `a - b`
    Sum,
    /// `A : B`: an inner product, so tighter than a sum (`A : dX + B : dY`
    /// is `(A : dX) + (B : dY)`) and looser than `⊗`.
    Frobenius,
    /// `A ⊗ B`
    Kronecker,
    /// `A ∘ B`, `A ⊘ B`
    Hadamard,
    /// `A B`, `A * B`, `A / 2`
    Product,
    /// `-A`
    Negation,
    /// `Aᵀ`, `A⁻¹`, `A²`, `A.^2`
    Postfix,
    /// Numbers, names, `( … )`, calls, norms.
    Atom,
}

/// One row of the table: a level, how its operators are written, what they mean.
pub struct Row {
    pub level: Level,
    pub spellings: &'static [&'static str],
    pub meaning: &'static str,
}

/// The table itself; `grammar/README.md` must list every spelling (a test checks).
pub const TABLE: &[Row] = &[
    Row { level: Level::Sum, spellings: &["+", "-", "−"], meaning: "sum, difference" },
    Row { level: Level::Frobenius, spellings: &[":"], meaning: "Frobenius product tr(AᵀB)" },
    Row { level: Level::Kronecker, spellings: &["⊗"], meaning: "Kronecker product" },
    Row { level: Level::Hadamard, spellings: &["∘", "⊙", ".*", "⊘", "./"], meaning: "elementwise product ; division" },
    Row {
        level: Level::Product,
        spellings: &["*", "·", "⋅", "/"],
        meaning: "matrix product (also side by side) ; division by a scalar",
    },
    Row { level: Level::Negation, spellings: &["-", "−"], meaning: "negation (prefix)" },
    Row {
        level: Level::Postfix,
        spellings: &["^T", "^{T}", "^⊤", "ᵀ", "'", "^{-1}", "^-1", "⁻¹", "^k", "^{k}", "^{-k}", "^{p/q}", "²", ".^k", ".^{k}"],
        meaning: "transpose ; inverse ; power ; elementwise power",
    },
];

impl Level {
    /// The level whose operands a chain at `self` is made of.
    pub fn tighter(self) -> Level {
        match self {
            Level::Sum => Level::Frobenius,
            Level::Frobenius => Level::Kronecker,
            Level::Kronecker => Level::Hadamard,
            Level::Hadamard => Level::Product,
            Level::Product => Level::Negation,
            Level::Negation => Level::Postfix,
            Level::Postfix | Level::Atom => Level::Atom,
        }
    }

    /// The level of an expression's outermost operator.
    pub fn of(kind: &ExprKind) -> Level {
        match kind {
            ExprKind::Frob(_) => Level::Frobenius,
            ExprKind::Sum(..) => Level::Sum,
            ExprKind::Kron(_) => Level::Kronecker,
            ExprKind::Hadamard(..) => Level::Hadamard,
            ExprKind::Product(..) => Level::Product,
            ExprKind::Neg(_) => Level::Negation,
            ExprKind::Postfix(..) => Level::Postfix,
            ExprKind::Num(_)
            | ExprKind::Name(_)
            | ExprKind::Identity(_)
            | ExprKind::Ones(_)
            | ExprKind::Commutation(..)
            | ExprKind::Unvec(..)
            | ExprKind::Zero(..)
            | ExprKind::Call(..)
            | ExprKind::Norm(..) => Level::Atom,
        }
    }
}

/// A binary operator as the parser meets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Frob,
    Sum(Sign),
    Kron,
    Hadamard(HadOp),
    Product(ProdOp),
}

impl BinOp {
    pub fn level(self) -> Level {
        match self {
            BinOp::Frob => Level::Frobenius,
            BinOp::Sum(_) => Level::Sum,
            BinOp::Kron => Level::Kronecker,
            BinOp::Hadamard(_) => Level::Hadamard,
            BinOp::Product(_) => Level::Product,
        }
    }

    /// The operator a token spells; juxtaposition has no token and is
    /// decided by the parser.
    pub fn of_token(kind: &TokenKind) -> Option<BinOp> {
        Some(match kind {
            TokenKind::Colon => BinOp::Frob,
            TokenKind::Plus => BinOp::Sum(Sign::Plus),
            TokenKind::Minus => BinOp::Sum(Sign::Minus),
            TokenKind::Kron => BinOp::Kron,
            TokenKind::Hadamard => BinOp::Hadamard(HadOp::Times),
            TokenKind::HadamardDivide => BinOp::Hadamard(HadOp::Divide),
            TokenKind::Times => BinOp::Product(ProdOp::Times),
            TokenKind::Divide => BinOp::Product(ProdOp::Divide),
            _ => return None,
        })
    }
}

/// Tokens after which a line break does not end the statement: binary
/// operators and the other separators that need something after them.
pub fn continues_line(kind: &TokenKind) -> bool {
    BinOp::of_token(kind).is_some() || matches!(kind, TokenKind::Equals | TokenKind::Comma | TokenKind::In)
}
