//! From text to AST: tokens, juxtaposition, the precedence table, the parser.
//!
//! `latex` rewrites LaTeX and matdiff's printed spellings to the plain
//! ones (keeping where each came from), `lexer` (nom) turns text into tokens, `names` splits runs of letters into
//! names and functions, `parser` climbs the levels of `ops` and reads shapes
//! with `decl`. `sexpr` renders an AST compactly for tests.

pub mod ast;
pub mod decl;
pub mod latex;
pub mod lexer;
pub mod names;
pub mod ops;
pub mod parser;
pub mod sexpr;
pub mod token;

pub use parser::{MAX_DEPTH, parse};
