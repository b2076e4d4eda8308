//! From text to AST: tokens, juxtaposition, the precedence table, the parser.
//!
//! `lexer` (nom) turns text into tokens, `names` splits runs of letters into
//! names and functions, `parser` climbs the levels of `ops` and reads shapes
//! with `decl`. `sexpr` renders an AST compactly for tests.

pub mod ast;
pub mod decl;
pub mod lexer;
pub mod names;
pub mod ops;
pub mod parser;
pub mod sexpr;
pub mod token;

pub use parser::{MAX_DEPTH, parse};
