//! The program as written: statements and expressions with their spans.
//!
//! Associative chains (sums, products, Hadamard and Kronecker products,
//! Frobenius products) are flat lists, so the depth of an `Expr` is its
//! nesting depth, which the parser bounds (`parser::MAX_DEPTH`). Passes over
//! the AST may therefore recurse.

use crate::diagnostic::Span;
use crate::num::Number;

#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub stmts: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `W : 5×4`, `x, y : n`, `W ∈ R^{m×n}`, `Σ : n×n, spd`.
    Decl { names: Vec<Ident>, shape: ShapeSpec, properties: Vec<(Property, Span)>, span: Span },
    /// `s = σ(W x)`.
    Def { name: Ident, expr: Expr, span: Span },
    /// A lone expression (the function to differentiate when it comes last).
    Expr(Expr),
}

/// A name as written; `name` is canonical (`W_{12}` → `W_12`, see
/// [`crate::name`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ShapeSpec {
    Scalar(Span),
    /// `n`: a column vector.
    Vector(DimSpec),
    /// `r×c`.
    Matrix(DimSpec, DimSpec),
}

/// A property declared after the shape (`Σ : n×n, spd`): what the
/// variable's values are known to satisfy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Property {
    /// `Xᵀ = X` (square).
    Symmetric,
    /// Symmetric positive definite (square).
    Spd,
    /// Zero off the diagonal (square).
    Diagonal,
    /// Every entry positive.
    Positive,
    /// Entries nonnegative, summing to one; for a matrix, each column.
    Probability,
}

impl Property {
    /// Each property with its spelling, in the order hints list them.
    pub const SPELLINGS: [(&'static str, Property); 5] = [
        ("symmetric", Property::Symmetric),
        ("spd", Property::Spd),
        ("diagonal", Property::Diagonal),
        ("positive", Property::Positive),
        ("probability", Property::Probability),
    ];

    pub fn spelling(self) -> &'static str {
        Property::SPELLINGS.iter().find(|(_, p)| *p == self).map_or("", |(s, _)| s)
    }

    /// Whether it needs a square matrix (a scalar is one).
    pub fn needs_square(self) -> bool {
        matches!(self, Property::Symmetric | Property::Spd | Property::Diagonal)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum DimSpec {
    Int(u64, Span),
    /// A named size: `n`, `d_1` (canonical spelling).
    Name(String, Span),
    /// A product of sizes, as matdiff prints them: `I_{mn}`, `I_{m n}`,
    /// `I_{n^{2}}`, `I_{2n}` (at least two factors; constants only).
    Product(Vec<DimSpec>, Span),
}

impl DimSpec {
    pub fn span(&self) -> Span {
        match self {
            DimSpec::Int(_, s) | DimSpec::Name(_, s) | DimSpec::Product(_, s) => *s,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Num(Number),
    /// A variable or a defined name (canonical spelling).
    Name(String),
    /// `I`, `I_n`, `I_3`.
    Identity(Option<DimSpec>),
    /// `𝟙`, `ones`, `1_n`: the all-ones column vector.
    Ones(Option<DimSpec>),
    /// `0_n`, `0_{m×n}`: a zero vector or matrix of that size, as matdiff
    /// prints the derivative with respect to a variable not used.
    Zero(DimSpec, Option<DimSpec>),
    /// `unvec(v)`, `unvec_{m×n}(v)`: v reshaped column by column to m×n
    /// (the inverse of `vec`); without a written shape, what is around it
    /// must fix it.
    Unvec(Box<Expr>, Option<(DimSpec, DimSpec)>),
    /// `K_{m,n}`: the commutation matrix, mn×mn, with K vec(A) = vec(Aᵀ)
    /// for an m×n matrix A (Magnus & Neudecker).
    Commutation(DimSpec, DimSpec),
    /// `A : B : …`, at least two operands.
    Frob(Vec<Expr>),
    /// `a + b − c`: the first term and signed further terms.
    Sum(Box<Expr>, Vec<(Sign, Span, Expr)>),
    /// `A ⊗ B ⊗ …`.
    Kron(Vec<Expr>),
    /// `A ∘ B ⊘ C`: the first factor and further ones, each with its operator.
    Hadamard(Box<Expr>, Vec<(HadOp, Span, Expr)>),
    /// `W x`, `2x`, `A * B`, `A / 2`: the first factor and further ones.
    /// The span of a juxtaposition is empty, at the start of the factor.
    Product(Box<Expr>, Vec<(ProdOp, Span, Expr)>),
    /// Unary minus.
    Neg(Box<Expr>),
    /// `Xᵀ`, `X⁻¹`, `X²`, `X.^k`; the span of the operator is kept.
    Postfix(Box<Expr>, Postfix, Span),
    /// `f(a, b)`; the span of the function name is kept.
    Call(Function, Span, Vec<Expr>),
    /// `‖x‖`, `‖X‖_F`.
    Norm(Box<Expr>, NormKind),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    Plus,
    Minus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HadOp {
    /// `∘` `⊙` `.*`
    Times,
    /// `⊘` `./`
    Divide,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProdOp {
    /// Written side by side.
    Juxtapose,
    /// `*` `·` `⋅`
    Times,
    /// `/`
    Divide,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Postfix {
    /// `^T` `ᵀ` `'` `^{T}` `^⊤`
    Transpose,
    /// `^{-1}` `⁻¹` `^-1`
    Inverse,
    /// `^k` `²` `^{k}`: a power (integer for matrices).
    Power(Number),
    /// `.^k`
    ElemPower(Number),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NormKind {
    /// `‖x‖`: the 2-norm (of a vector).
    Two,
    /// `‖X‖_F`.
    Frobenius,
}

/// Every function of CONTRACT §1, by what it computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
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
    /// `sign(x)`, elementwise; its derivative is 0 almost everywhere (it
    /// is taken to be 0 at 0, where there is none).
    Sign,
    /// `step(x)`: 1 where x > 0, else 0, elementwise (the derivative of
    /// `relu`); its derivative is 0 almost everywhere, taken as 0 at 0.
    Step,
    Softmax,
    /// `logsoftmax(z) = z − 𝟙 logsumexp(z)`, column by column for a matrix.
    LogSoftmax,
    LogSumExp,
    Sum,
    /// `mean(X)`: the sum of the entries over their number.
    Mean,
    Trace,
    Det,
    LogDet,
    Inv,
    /// `Diag(v)`: vector → diagonal matrix.
    DiagMatrix,
    /// `diag(X)`: diagonal → vector.
    DiagVector,
    Vec,
    Kron,
}

impl Function {
    /// Spellings accepted in programs; the first is the canonical one.
    pub const SPELLINGS: &'static [(&'static str, Function)] = &[
        ("σ", Function::Sigmoid),
        ("sigma", Function::Sigmoid),
        ("sigmoid", Function::Sigmoid),
        ("logistic", Function::Sigmoid),
        ("tanh", Function::Tanh),
        ("exp", Function::Exp),
        ("log", Function::Log),
        ("ln", Function::Log),
        ("sqrt", Function::Sqrt),
        ("softplus", Function::Softplus),
        ("relu", Function::Relu),
        ("sin", Function::Sin),
        ("cos", Function::Cos),
        ("abs", Function::Abs),
        ("sign", Function::Sign),
        ("step", Function::Step),
        ("softmax", Function::Softmax),
        ("logsoftmax", Function::LogSoftmax),
        ("logsumexp", Function::LogSumExp),
        ("lse", Function::LogSumExp),
        ("sum", Function::Sum),
        ("mean", Function::Mean),
        ("tr", Function::Trace),
        ("trace", Function::Trace),
        ("det", Function::Det),
        ("logdet", Function::LogDet),
        ("inv", Function::Inv),
        ("Diag", Function::DiagMatrix),
        ("diag", Function::DiagVector),
        ("vec", Function::Vec),
        ("kron", Function::Kron),
    ];

    pub fn from_name(s: &str) -> Option<Function> {
        Function::SPELLINGS.iter().find(|(n, _)| *n == s).map(|(_, f)| *f)
    }

    /// How many arguments it takes.
    pub fn arity(self) -> usize {
        if self == Function::Kron { 2 } else { 1 }
    }

    pub fn name(self) -> &'static str {
        Function::SPELLINGS.iter().find(|(_, f)| *f == self).map(|(n, _)| *n).unwrap_or("?")
    }
}
