//! Tokens: what the lexer produces and the parser consumes.
//!
//! The lexer yields raw [`TokenKind::Word`]s (runs of letters and digits);
//! [`super::names`] replaces each by the names, keywords and function it
//! spells before the parser sees it. Errors found while lexing travel as
//! [`TokenKind::Error`] tokens, so the parser reports whichever comes first
//! in the text.

use crate::diagnostic::{Diagnostic, Span};
use crate::syntax::ast::Function;

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    /// `2`, `0.5`, `.5`, `1e-3` (the text is the span).
    Number,
    /// A run of letters and digits starting with a letter, before splitting.
    Word,
    /// One letter and the digits after it (`W`, `W1`, `θ`), after splitting.
    Name,
    /// A function name followed by `(`.
    Func(Function),
    /// `𝟙` or the run `ones`.
    Ones,
    /// The run `unvec` (its shape may follow as a subscript, then `(`).
    Unvec,
    /// The run `scalar` (meaningful in declarations only).
    Scalar,
    /// `_1`, `_{12}`, `_i`: the subscript without `_` and braces.
    Sub(String),
    /// `'`
    Prime,
    /// `ᵀ` or `⊤`.
    TransposeMark,
    /// A run of superscript characters such as `²` or `⁻¹`.
    Superscript,
    /// `+`
    Plus,
    /// `-` or `−`.
    Minus,
    /// `*` `·` `⋅`
    Times,
    /// `/`
    Divide,
    /// `∘` `⊙` `.*`
    Hadamard,
    /// `⊘` `./`
    HadamardDivide,
    /// `⊗`
    Kron,
    /// `:`
    Colon,
    /// `=`
    Equals,
    /// `,`
    Comma,
    LParen,
    RParen,
    LBrace,
    RBrace,
    /// `^`
    Caret,
    /// `.^`
    DotCaret,
    /// `||` or `‖`.
    Bar(BarKind),
    /// `∈` or `\in`.
    In,
    /// `×` or `\times`.
    Cross,
    /// `ℝ`.
    Reals,
    /// `\mathbb`.
    Mathbb,
    /// `;`
    Semicolon,
    /// A line break (comments are dropped, the line break after one is kept).
    Newline,
    Eof,
    /// Something that is not a token; the parser reports it when it gets there.
    Error(Box<Diagnostic>),
}

/// How a norm bar was written; a norm must close the way it opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarKind {
    /// `||`
    Ascii,
    /// `‖`
    Unicode,
}

impl BarKind {
    pub fn spelling(self) -> &'static str {
        match self {
            BarKind::Ascii => "||",
            BarKind::Unicode => "‖",
        }
    }
}
