//! From text to AST: tokens, juxtaposition, the precedence table, the parser.

pub mod ast;
