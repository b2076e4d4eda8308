//! Tokens → AST: statements, then expressions by precedence climbing.
//!
//! Each production of `grammar/matdiff.ebnf` is parsed by the function of
//! the same name: here for statements and expressions, in `decl.rs`,
//! `lexer.rs` and `names.rs` for shapes, tokens and runs of letters.
//! Binary levels are climbed in one loop (`Parser::binary`) rather than
//! one function per level, prefix minus and postfix operators are loops, so
//! the stack grows only with bracket nesting, which [`MAX_DEPTH`] bounds.

use crate::diagnostic::{Diagnostic, Span};
use crate::name::is_name_letter;
use crate::num::Number;
use crate::syntax::ast::{
    DimSpec, Expr, ExprKind, Function, HadOp, Ident, NormKind, Postfix, ProdOp, Program, ShapeSpec, Sign, Stmt,
};
use crate::syntax::decl::{self, DeclForm};
use crate::syntax::latex;
use crate::syntax::lexer::{self, superscript_value};
use crate::syntax::names::{self, Heads};
use crate::syntax::ops::{BinOp, Level};
use crate::syntax::token::{BarKind, Token, TokenKind};

/// How deeply brackets, calls, norms, minus signs and postfix operators may
/// nest. Deeper input is refused, never a stack overflow.
pub const MAX_DEPTH: usize = 256;

/// Parses a whole program. An empty program (or one of comments) is `Ok`
/// with no statements; later stages say there is nothing to differentiate.
///
/// The parser runs on a thread of its own with [`STACK_SIZE`] of stack, so
/// that how deep it may recurse does not depend on the caller's thread.
pub fn parse(src: &str) -> Result<Program, Diagnostic> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("matdiff-parser".to_string())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, || parse_here(src));
        match worker {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: the caller's stack is enough for any
            // realistic nesting, and this keeps parsing possible.
            Err(_) => parse_here(src),
        }
    })
}

/// The parser's stack. Nesting is bounded by [`MAX_DEPTH`] and one level
/// costs at most about 12 KiB in an unoptimised build (measured with the
/// deepest mixtures of operators), so 3 MiB would do; the rest is margin,
/// and it is address space, not memory, until used.
pub const STACK_SIZE: usize = 64 << 20;

/// LaTeX and printed spellings are rewritten to plain text first
/// ([`latex::translate`]); the program and its errors point at the source.
fn parse_here(src: &str) -> Result<Program, Diagnostic> {
    match latex::translate(src) {
        None => parse_plain(src),
        Some(plain) => parse_plain(&plain.text).map(|p| plain.program(p)).map_err(|d| plain.diagnostic(d)),
    }
}

fn parse_plain(src: &str) -> Result<Program, Diagnostic> {
    let tokens = names::split_words(src, lexer::lex(src));
    let heads = Heads::scan(src, &tokens);
    let mut parser = Parser { src, tokens, heads, pos: 0, depth: 0, nested: false, in_norm: false, last_end: 0 };
    parser.program().map_err(|e| *e)
}

type PResult<T> = Result<T, Box<Diagnostic>>;

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    heads: Heads,
    pos: usize,
    /// Current nesting, checked against [`MAX_DEPTH`].
    depth: usize,
    /// Inside `( )` or a norm, where line breaks do not end anything.
    nested: bool,
    /// Directly inside a norm, where a bar after an operand closes it.
    in_norm: bool,
    /// End of the last token taken, to tell `x'` from `x '`.
    last_end: usize,
}

/// Where the parser was, to try a statement a second way.
#[derive(Clone, Copy)]
struct Checkpoint {
    pos: usize,
    last_end: usize,
}

fn boxed(d: Diagnostic) -> Box<Diagnostic> {
    Box::new(d)
}

impl<'a> Parser<'a> {
    // ---- the token cursor ----

    fn peek(&mut self) -> &Token {
        if self.nested {
            self.skip_newlines();
        }
        &self.tokens[self.pos]
    }

    fn peek_kind(&mut self) -> &TokenKind {
        &self.peek().kind
    }

    /// The token after the current one, as is.
    fn peek_second(&self) -> &Token {
        &self.tokens[(self.pos + 1).min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let token = self.peek().clone();
        if token.kind != TokenKind::Eof {
            self.pos += 1;
            self.last_end = token.span.end;
        }
        token
    }

    fn skip_newlines(&mut self) {
        while self.tokens[self.pos].kind == TokenKind::Newline {
            self.pos += 1;
        }
    }

    /// The current token if it directly follows the last one taken.
    fn adjacent(&mut self) -> Option<&Token> {
        let last_end = self.last_end;
        let token = &self.tokens[self.pos];
        (token.span.start == last_end && token.kind != TokenKind::Eof).then_some(token)
    }

    fn text(&self, span: Span) -> &'a str {
        self.src.get(span.start..span.end).unwrap_or("")
    }

    fn checkpoint(&self) -> Checkpoint {
        Checkpoint { pos: self.pos, last_end: self.last_end }
    }

    fn restore(&mut self, c: Checkpoint) {
        (self.pos, self.last_end) = (c.pos, c.last_end);
        (self.depth, self.nested, self.in_norm) = (0, false, false);
    }

    /// How a token reads in a message: "`+`", "end of input", "a line break".
    fn describe(&self, token: &Token) -> String {
        match token.kind {
            TokenKind::Eof => "end of input".to_string(),
            TokenKind::Newline => "a line break".to_string(),
            _ => format!("`{}`", self.text(token.span)),
        }
    }

    /// Enters one level of nesting at `span`, refusing to go too deep.
    fn enter(&mut self, span: Span) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err(too_deep(span)) } else { Ok(()) }
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ---- statements ----

    fn program(&mut self) -> PResult<Program> {
        let mut stmts = Vec::new();
        // Where the last statement started, when it was `NAME : …`.
        let mut last_colon_decl = None;
        loop {
            while matches!(self.peek_kind(), TokenKind::Newline | TokenKind::Semicolon) {
                self.bump();
            }
            if *self.peek_kind() == TokenKind::Eof {
                break;
            }
            let start = self.checkpoint();
            let (stmt, colon_decl) = self.statement()?;
            last_colon_decl = colon_decl.then_some(start);
            stmts.push(stmt);
            self.statement_end()?;
        }
        // `x : y` alone is the Frobenius product to differentiate, not a
        // declaration of x with y entries.
        // Only when the "shape" is a name: `x : 4`, `W : 5×4` and `c : scalar`
        // declare, and a program of them has nothing to differentiate.
        let only_decls = stmts.iter().all(|s| matches!(s, Stmt::Decl { .. }));
        let a_name = matches!(stmts.last(), Some(Stmt::Decl { shape: ShapeSpec::Vector(DimSpec::Name(..)), .. }));
        if let Some(start) = last_colon_decl.filter(|_| only_decls && a_name) {
            self.restore(start);
            if let Ok(stmt) = self.expression_statement()
                && self.statement_end().is_ok()
            {
                stmts.pop();
                stmts.push(stmt);
            }
        }
        Ok(Program { stmts })
    }

    /// One statement; the flag says it is a declaration written with `:`.
    fn statement(&mut self) -> PResult<(Stmt, bool)> {
        if let Some((names, sep, form)) = self.declaration_head() {
            return self.declaration(names, sep, form);
        }
        if let Some((name, next)) = self.definition_head() {
            return Ok((self.definition(name, next)?, false));
        }
        Ok((self.expression_statement()?, false))
    }

    fn statement_end(&mut self) -> PResult<()> {
        let token = self.peek().clone();
        let text = self.text(token.span);
        let error = match &token.kind {
            TokenKind::Newline | TokenKind::Semicolon | TokenKind::Eof => return Ok(()),
            TokenKind::Error(d) => return Err(d.clone()),
            TokenKind::RParen => Diagnostic::at(token.span, "unmatched `)`").hint("no `(` before it is left open"),
            TokenKind::RBrace => Diagnostic::at(token.span, "unmatched `}`"),
            TokenKind::Equals => Diagnostic::at(token.span, "unexpected `=`").hint("a statement has at most one `=`"),
            TokenKind::Comma => Diagnostic::at(token.span, "unexpected `,`")
                .hint("commas separate function arguments and declared names; separate statements with `;` or a new line"),
            TokenKind::Cross => Diagnostic::at(token.span, format!("unexpected `{text}`"))
                .hint("`×` is for shapes (`W : 5×4`); write `*`, `·` or nothing for a product"),
            TokenKind::Sub(_) => Diagnostic::at(token.span, format!("unexpected subscript `{text}`"))
                .hint("a subscript follows its name directly: `x_1`"),
            TokenKind::Prime => {
                Diagnostic::at(token.span, "unexpected `'`").hint("a prime or transpose follows its operand directly: `x'`")
            }
            TokenKind::In => Diagnostic::at(token.span, format!("unexpected `{text}`"))
                .hint("only names can be declared: `x ∈ R^n`, `x, y ∈ R^n`"),
            _ => Diagnostic::at(token.span, format!("unexpected {}", self.describe(&token))),
        };
        Err(boxed(error))
    }

    /// `NAME (, NAME)* :` or `… ∈`: the names, the separator's index, the form.
    fn declaration_head(&self) -> Option<(Vec<Ident>, usize, DeclForm)> {
        let mut names = Vec::new();
        let mut i = self.pos;
        loop {
            let (name, primes, next) = names::head_name(self.src, &self.tokens, i)?;
            let span = Span::new(self.tokens[i].span.start, self.tokens[next - 1].span.end);
            names.push(Ident { name: format!("{name}{}", "'".repeat(primes)), span });
            match self.tokens[next].kind {
                TokenKind::Colon => return Some((names, next, DeclForm::Colon)),
                TokenKind::In => return Some((names, next, DeclForm::In)),
                TokenKind::Comma => {
                    i = next + 1;
                    while self.tokens[i].kind == TokenKind::Newline {
                        i += 1;
                    }
                }
                _ => return None,
            }
        }
    }

    fn declaration(&mut self, names: Vec<Ident>, sep: usize, form: DeclForm) -> PResult<(Stmt, bool)> {
        let start = self.checkpoint();
        for name in &names {
            refuse_keyword_head(name, "declared")?;
        }
        // The shape runs from after the separator to the end of the statement.
        let mut first = sep + 1;
        while self.tokens[first].kind == TokenKind::Newline {
            first += 1;
        }
        let mut end = first;
        while !matches!(self.tokens[end].kind, TokenKind::Newline | TokenKind::Semicolon | TokenKind::Eof | TokenKind::Error(_)) {
            end += 1;
        }
        let sep_span = self.tokens[sep].span;
        let sep_text = self.text(sep_span);
        let result = if end == first {
            let at = self.tokens[end].span.start;
            let error = Diagnostic::new(format!("expected a shape after `{sep_text}`"))
                .label(Span::new(at, at), format!("found {}", self.describe(&self.tokens[end])))
                .hint("a shape is `scalar`, a size (`n`, `3`) or `rows×cols` (`5×4`, `m x n`)");
            Err(decl::ShapeError { diagnostic: error, parsed: false })
        } else {
            let text_span = Span::new(self.tokens[first].span.start, self.tokens[end - 1].span.end);
            decl::parse_shape(self.text(text_span), text_span.start, form)
        };
        match result {
            Ok((shape, properties)) => {
                self.pos = end;
                self.last_end = self.tokens[end - 1].span.end;
                let span = names[0].span.to(self.tokens[end - 1].span);
                Ok((Stmt::Decl { names, shape, properties, span }, form == DeclForm::Colon))
            }
            // `x : y + z` is not a shape, but it is an expression.
            Err(e) if form == DeclForm::Colon && !e.parsed && names.len() == 1 => {
                self.restore(start);
                match self.expression_statement() {
                    Ok(stmt) if matches!(self.peek_kind(), TokenKind::Newline | TokenKind::Semicolon | TokenKind::Eof) => {
                        Ok((stmt, false))
                    }
                    Ok(_) => Err(boxed(e.diagnostic)),
                    Err(expr_error) => {
                        let at = |d: &Diagnostic| d.labels.first().map_or(0, |l| l.span.start);
                        Err(if at(&expr_error) > at(&e.diagnostic) { expr_error } else { boxed(e.diagnostic) })
                    }
                }
            }
            Err(e) => Err(boxed(e.diagnostic)),
        }
    }

    /// `NAME =`: the name and the index of `=`.
    fn definition_head(&self) -> Option<(Ident, usize)> {
        let (name, primes, next) = names::head_name(self.src, &self.tokens, self.pos)?;
        if self.tokens[next].kind != TokenKind::Equals {
            return None;
        }
        let span = Span::new(self.tokens[self.pos].span.start, self.tokens[next - 1].span.end);
        Some((Ident { name: format!("{name}{}", "'".repeat(primes)), span }, next))
    }

    fn definition(&mut self, name: Ident, equals: usize) -> PResult<Stmt> {
        refuse_keyword_head(&name, "defined")?;
        self.pos = equals;
        let eq = self.bump();
        self.skip_newlines();
        if !starts_operand(self.peek_kind()) {
            return Err(self.expected_expression(Some(&eq)));
        }
        let expr = self.expr()?;
        let span = name.span.to(expr.span);
        Ok(Stmt::Def { name, expr, span })
    }

    fn expression_statement(&mut self) -> PResult<Stmt> {
        let starts_like_call = self.tokens[self.pos].kind == TokenKind::Name && self.peek_second().kind == TokenKind::LParen;
        let expr = self.expr()?;
        if *self.peek_kind() == TokenKind::Equals {
            let lhs = self.text(expr.span);
            let mut error = Diagnostic::at(expr.span, format!("only a name can be defined, not `{lhs}`"));
            error = if starts_like_call {
                error.hint("functions cannot be defined; name the value instead: `y = …`")
            } else if matches!(&expr.kind, ExprKind::Product(first, rest)
                if matches!(first.kind, ExprKind::Name(_)) && rest.iter().all(|(op, _, e)| *op == ProdOp::Juxtapose && matches!(e.kind, ExprKind::Name(_))))
            {
                error.hint(format!(
                    "`{lhs}` is a product of one-letter names; a name is one letter, then digits, a subscript or primes (`W1`, `x_i`, `b'`)"
                ))
            } else {
                error.hint("the left of `=` is the name being defined: `y = …`")
            };
            return Err(boxed(error));
        }
        Ok(Stmt::Expr(expr))
    }

    // ---- expressions ----

    fn expr(&mut self) -> PResult<Expr> {
        self.binary(Level::Sum)
    }

    // The functions from here to `norm` recurse with the nesting of the
    // input. They are kept small, with errors built in separate functions,
    // because every local of a live frame costs stack at every level.

    /// Precedence climbing over the binary levels of [`crate::syntax::ops`]:
    /// each loop turn gathers one flat chain of operators of one level.
    fn binary(&mut self, min: Level) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.binary_operator() {
            if op.level() < min {
                break;
            }
            lhs = self.chain(lhs, op.level())?;
        }
        Ok(lhs)
    }

    /// The operator at the cursor, juxtaposition included.
    fn binary_operator(&mut self) -> Option<BinOp> {
        let in_norm = self.in_norm;
        let kind = self.peek_kind();
        BinOp::of_token(kind).or_else(|| starts_atom(kind, in_norm).then_some(BinOp::Product(ProdOp::Juxtapose)))
    }

    /// `first op operand op operand …` for the operators of one level.
    fn chain(&mut self, first: Expr, level: Level) -> PResult<Expr> {
        let mut rest: Vec<(BinOp, Span, Expr)> = Vec::new();
        while let Some(op) = self.binary_operator().filter(|op| op.level() == level) {
            let op_span = self.operator(op)?;
            let operand = if level == Level::Product { self.unary()? } else { self.binary(level.tighter())? };
            rest.push((op, op_span, operand));
        }
        Ok(build_chain(level, first, rest))
    }

    /// Takes a binary operator and the line breaks after it; juxtaposition
    /// has an empty span where its factor starts.
    fn operator(&mut self, op: BinOp) -> PResult<Span> {
        if op == BinOp::Product(ProdOp::Juxtapose) {
            let at = self.peek().span.start;
            return Ok(Span::new(at, at));
        }
        let token = self.bump();
        self.skip_newlines();
        if !starts_operand(self.peek_kind()) {
            return Err(self.expected_expression(Some(&token)));
        }
        Ok(token.span)
    }

    /// Prefix minus signs (a loop, so `- - - x` costs no stack), then a
    /// postfix expression.
    fn unary(&mut self) -> PResult<Expr> {
        if *self.peek_kind() != TokenKind::Minus {
            return self.postfix();
        }
        let minus = self.minus_signs()?;
        self.depth += minus.len();
        let operand = self.postfix();
        self.depth -= minus.len();
        Ok(negate(operand?, &minus))
    }

    fn minus_signs(&mut self) -> PResult<Vec<Span>> {
        let mut minus = Vec::new();
        while *self.peek_kind() == TokenKind::Minus {
            let token = self.bump();
            if self.depth + minus.len() + 1 > MAX_DEPTH {
                return Err(too_deep(token.span));
            }
            minus.push(token.span);
            self.skip_newlines();
            if !starts_operand(self.peek_kind()) {
                return Err(self.expected_expression(Some(&token)));
            }
        }
        Ok(minus)
    }

    /// An atom and the postfix operators after it, in a loop.
    fn postfix(&mut self) -> PResult<Expr> {
        let mut expr = self.atom()?;
        let mut count = 0;
        while let Some((ops, span)) = self.postfix_operator()? {
            for op in ops {
                count += 1;
                if self.depth + count > MAX_DEPTH {
                    return Err(too_deep(span));
                }
                expr = Expr { span: expr.span.to(span), kind: ExprKind::Postfix(Box::new(expr), op, span) };
            }
        }
        Ok(expr)
    }

    /// The postfix operator at the cursor, if any (`^{-T}` is two), and its span.
    fn postfix_operator(&mut self) -> PResult<Option<(Vec<Postfix>, Span)>> {
        let token = self.peek().clone();
        let adjacent = token.span.start == self.last_end;
        let ops = match &token.kind {
            TokenKind::Caret => {
                self.bump();
                self.exponent(&token, false)?
            }
            TokenKind::DotCaret => {
                self.bump();
                self.exponent(&token, true)?
            }
            TokenKind::Prime if adjacent => {
                self.bump();
                vec![Postfix::Transpose]
            }
            TokenKind::TransposeMark => {
                self.bump();
                vec![Postfix::Transpose]
            }
            TokenKind::Superscript => {
                self.bump();
                let text = self.text(token.span);
                match superscript_value(text) {
                    Some(-1) => vec![Postfix::Inverse],
                    Some(k) => vec![Postfix::Power(Number::int(k))],
                    None => {
                        return Err(boxed(
                            Diagnostic::at(token.span, format!("malformed superscript `{text}`")).hint("write `²`, `⁻¹` or `^k`"),
                        ));
                    }
                }
            }
            _ => return Ok(None),
        };
        Ok(Some((ops, token.span.to(Span::new(self.last_end, self.last_end)))))
    }

    /// What follows `^` (or `.^`): `T`, `⊤`, a number, `-1`, `-k`, or any of
    /// these in braces, where `p/q` and `-T` are allowed too.
    fn exponent(&mut self, caret: &Token, elementwise: bool) -> PResult<Vec<Postfix>> {
        let op = self.text(caret.span);
        let hint = if elementwise {
            "an elementwise power is a number: `x.^2`, `x.^{-1}`, `x.^{1/2}`"
        } else {
            "write `^T` (transpose), `^{-1}` (inverse) or `^2`, `^{1/2}` (powers)"
        };
        // `^(1/2)`, `^∘(1/2)`: how the Unicode printer writes a fraction
        let braced = matches!(self.peek_kind(), TokenKind::LBrace | TokenKind::LParen);
        let open = if braced { Some(self.bump()) } else { None };
        let negative = *self.peek_kind() == TokenKind::Minus;
        if negative {
            self.bump();
        }
        let token = self.peek().clone();
        let text = self.text(token.span);
        let ops = match &token.kind {
            TokenKind::Name | TokenKind::TransposeMark if (text == "T" || text == "⊤") && !elementwise => {
                self.bump();
                if negative { vec![Postfix::Inverse, Postfix::Transpose] } else { vec![Postfix::Transpose] }
            }
            TokenKind::Number => {
                self.bump();
                let mut value = self.number(&token)?;
                if braced && *self.peek_kind() == TokenKind::Divide {
                    self.bump();
                    let denominator = self.peek().clone();
                    if denominator.kind != TokenKind::Number {
                        return Err(boxed(
                            Diagnostic::at(
                                denominator.span,
                                format!("expected a number after `/`, found {}", self.describe(&denominator)),
                            )
                            .hint(hint),
                        ));
                    }
                    self.bump();
                    let d = self.number(&denominator)?;
                    value = d
                        .recip()
                        .and_then(|r| value.checked_mul(r))
                        .ok_or_else(|| boxed(Diagnostic::at(denominator.span, "division by zero in an exponent")))?;
                }
                if negative {
                    value = value
                        .checked_neg()
                        .ok_or_else(|| boxed(Diagnostic::at(token.span, format!("exponent `-{text}` is out of range"))))?;
                }
                if elementwise {
                    vec![Postfix::ElemPower(value)]
                } else if value == Number::MINUS_ONE {
                    vec![Postfix::Inverse]
                } else {
                    vec![Postfix::Power(value)]
                }
            }
            TokenKind::Error(d) => return Err(d.clone()),
            TokenKind::Name => {
                return Err(boxed(Diagnostic::at(token.span, format!("unsupported exponent `{text}`")).hint(hint)));
            }
            _ => {
                return Err(boxed(
                    Diagnostic::at(token.span, format!("expected an exponent after `{op}`, found {}", self.describe(&token)))
                        .hint(hint),
                ));
            }
        };
        if let Some(open) = open {
            let close = self.peek().clone();
            let (want, closer) = if open.kind == TokenKind::LParen { (TokenKind::RParen, ")") } else { (TokenKind::RBrace, "}") };
            if close.kind != want {
                let opener = self.text(open.span);
                return Err(boxed(
                    Diagnostic::at(close.span, format!("expected `{closer}`, found {}", self.describe(&close)))
                        .label(open.span, format!("to close this `{opener}`"))
                        .hint(hint),
                ));
            }
            self.bump();
        }
        Ok(ops)
    }

    fn number(&self, token: &Token) -> PResult<Number> {
        let text = self.text(token.span);
        Number::parse_decimal(text).ok_or_else(|| boxed(Diagnostic::at(token.span, format!("number `{text}` is out of range"))))
    }

    fn atom(&mut self) -> PResult<Expr> {
        match *self.peek_kind() {
            TokenKind::Func(f) => self.call(f),
            TokenKind::Unvec => self.unvec(),
            TokenKind::LParen => self.parenthesized(),
            TokenKind::Bar(kind) => self.norm(kind),
            _ => self.leaf(),
        }
    }

    /// Atoms that do not nest: numbers, names, constants (and the errors).
    fn leaf(&mut self) -> PResult<Expr> {
        let token = self.peek().clone();
        match &token.kind {
            TokenKind::Number => {
                self.bump();
                let value = self.number(&token)?;
                match self.subscript() {
                    None => Ok(Expr { kind: ExprKind::Num(value), span: token.span }),
                    Some((_, sub_span)) if self.text(token.span) == "1" => {
                        let dim = self.size_subscript(sub_span)?;
                        Ok(Expr { kind: ExprKind::Ones(Some(dim)), span: token.span.to(sub_span) })
                    }
                    Some((sub, sub_span)) if self.text(token.span) == "0" => {
                        let kind = match sub.split_once('×') {
                            None => ExprKind::Zero(self.size_subscript(sub_span)?, None),
                            Some(_) => {
                                let (r, c) = self.unvec_shape(sub_span)?;
                                ExprKind::Zero(r, Some(c))
                            }
                        };
                        Ok(Expr { kind, span: token.span.to(sub_span) })
                    }
                    Some((_, sub_span)) => Err(boxed(
                        Diagnostic::at(
                            sub_span,
                            format!("a number cannot have a subscript: `{}`", self.text(token.span.to(sub_span))),
                        )
                        .hint("`1_n` is the all-ones vector of size n, `0_n`, `0_{m×n}` zeros; other numbers take none"),
                    )),
                }
            }
            TokenKind::Name => self.name(),
            TokenKind::Ones => {
                self.bump();
                match self.subscript() {
                    None => Ok(Expr { kind: ExprKind::Ones(None), span: token.span }),
                    Some((_, sub_span)) => {
                        let dim = self.size_subscript(sub_span)?;
                        Ok(Expr { kind: ExprKind::Ones(Some(dim)), span: token.span.to(sub_span) })
                    }
                }
            }
            TokenKind::Scalar => Err(boxed(
                Diagnostic::at(token.span, "`scalar` is only used in declarations").hint("declare a scalar with `a : scalar`"),
            )),
            TokenKind::LBrace => Err(boxed(
                Diagnostic::at(token.span, "unexpected `{`")
                    .hint("braces are only for exponents and subscripts (`^{-1}`, `x_{12}`); use ( ) for grouping"),
            )),
            TokenKind::Error(d) => Err(d.clone()),
            _ => Err(self.expected_expression(None)),
        }
    }

    /// "expected an expression after `+`", pointing where it should be.
    fn expected_expression(&mut self, after: Option<&Token>) -> Box<Diagnostic> {
        let found = self.peek().clone();
        if let TokenKind::Error(d) = found.kind {
            return d;
        }
        let what = self.describe(&found);
        let error = match after {
            Some(op) => Diagnostic::new(format!("expected an expression after `{}`", self.text(op.span)))
                .label(found.span, format!("found {what}")),
            None => Diagnostic::at(found.span, format!("expected an expression, found {what}")),
        };
        let error = match found.kind {
            TokenKind::Plus => error.hint("there is no unary `+`; to continue a line, end it with the operator"),
            TokenKind::Times
            | TokenKind::Divide
            | TokenKind::Hadamard
            | TokenKind::HadamardDivide
            | TokenKind::Kron
            | TokenKind::Colon
            | TokenKind::Caret
            | TokenKind::DotCaret
            | TokenKind::Equals => {
                error.hint("an operator needs an operand on each side; to continue a line, end it with the operator")
            }
            _ => error,
        };
        boxed(error)
    }

    /// A subscript directly after the last token: its text and span.
    fn subscript(&mut self) -> Option<(String, Span)> {
        match self.adjacent() {
            Some(Token { kind: TokenKind::Sub(sub), span }) => {
                let found = (sub.clone(), *span);
                self.bump();
                Some(found)
            }
            _ => None,
        }
    }

    /// The size in `I_n`, `1_3`, `I_{mn}`: a positive integer, a size name,
    /// or a product of them as matdiff prints it.
    fn size_subscript(&self, span: Span) -> PResult<DimSpec> {
        let written = self.text(span);
        let inner = written.strip_prefix('_').unwrap_or(written);
        let (text, at) = match inner.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            Some(t) => (t, span.start + written.len() - inner.len() + 1),
            None => (inner, span.start + written.len() - inner.len()),
        };
        size(text, at).map_err(boxed)
    }

    /// `K_{m,n}`: the commutation matrix, its two sizes apart.
    fn commutation(&self, span: Span, sub_span: Span) -> PResult<Expr> {
        let written = self.text(sub_span);
        let open = written.find('{').map_or(1, |i| i + 1);
        let inner = &written[open..written.len() - usize::from(written.ends_with('}'))];
        let Some((m, n)) = inner.split_once(',') else {
            return Err(boxed(Diagnostic::at(sub_span, "a commutation matrix has two sizes: `K_{m,n}`")));
        };
        let at = sub_span.start + open;
        let m = size(m, at).map_err(boxed)?;
        let n = size(n, at + inner.find(',').map_or(0, |i| i + 1)).map_err(boxed)?;
        Ok(Expr { kind: ExprKind::Commutation(m, n), span: span.to(sub_span) })
    }

    /// A name with its subscript and the primes that belong to it; `I` is
    /// the identity.
    fn name(&mut self) -> PResult<Expr> {
        let token = self.bump();
        let base = self.text(token.span);
        let subscript = self.subscript();
        let mut span = subscript.as_ref().map_or(token.span, |(_, s)| token.span.to(*s));
        if base == "I" {
            let dim = match &subscript {
                Some((_, sub_span)) => Some(self.size_subscript(*sub_span)?),
                None => None,
            };
            return Ok(Expr { kind: ExprKind::Identity(dim), span });
        }
        // a subscript that is a name with a braced subscript of its own,
        // as LaTeX writes the adjoint `δ_{U_1}` (`\delta_{U_{1}}`), is that
        // name: `δ_{U_{1}}` is `δ_{U_1}`
        let subscript = subscript.map(|(sub, sub_span)| match names::flat_subscript(&sub) {
            Some(flat) if !names::is_plain_subscript(&sub) => (flat, sub_span),
            _ => (sub, sub_span),
        });
        if let Some((sub, sub_span)) = &subscript
            && !names::is_plain_subscript(sub)
        {
            if base == "K" && sub.contains(',') {
                return self.commutation(token.span, *sub_span);
            }
            let digits_first =
                sub.split_once(',').is_some_and(|(d, s)| d.bytes().all(|b| b.is_ascii_digit()) && names::is_plain_subscript(s));
            if !digits_first {
                return Err(boxed(Diagnostic::at(*sub_span, format!("malformed subscript `{}`", self.text(*sub_span))).hint(
                    "write `x_1`, `x_i` or `x_{12}`; `K_{m,n}` is the commutation matrix, `I_{mn}` an identity of size mn",
                )));
            }
        }
        let mut name = names::canonical(base, subscript.as_ref().map(|(s, _)| s.as_str()));
        let available = self.tokens[self.pos..]
            .iter()
            .scan(span.end, |end, t| {
                (t.kind == TokenKind::Prime && t.span.start == *end).then(|| {
                    *end = t.span.end;
                })
            })
            .count();
        let primes = self.heads.primes_of(&name, available);
        for _ in 0..primes {
            span = span.to(self.bump().span);
            name.push('\'');
        }
        Ok(Expr { kind: ExprKind::Name(name), span })
    }

    /// Brackets: line breaks no longer end anything; returns what to restore.
    fn open_bracket(&mut self, in_norm: bool) -> (bool, bool) {
        let saved = (self.nested, self.in_norm);
        (self.nested, self.in_norm) = (true, in_norm);
        saved
    }

    fn close_bracket(&mut self, saved: (bool, bool)) {
        (self.nested, self.in_norm) = saved;
        self.leave();
    }

    /// `f(a)`, `kron(A, B)`.
    fn call(&mut self, function: Function) -> PResult<Expr> {
        let name = self.bump().span;
        let open = self.bump().span;
        self.enter(open)?;
        let saved = self.open_bracket(false);
        let args = self.arguments(open);
        self.close_bracket(saved);
        let (args, close) = args?;
        self.check_arity(function, name.to(close), name, args.len())?;
        Ok(Expr { kind: ExprKind::Call(function, name, args), span: name.to(close) })
    }

    /// `unvec(v)`, `unvec_{m×n}(v)`.
    fn unvec(&mut self) -> PResult<Expr> {
        let name = self.bump().span;
        let shape = match self.subscript() {
            None => None,
            Some((_, sub_span)) => Some(self.unvec_shape(sub_span)?),
        };
        let open = self.peek().clone();
        if open.kind != TokenKind::LParen {
            return Err(boxed(
                Diagnostic::at(name, "`unvec` is a function and needs parentheses").hint("write `unvec(v)` or `unvec_{m×n}(v)`"),
            ));
        }
        self.bump();
        self.enter(open.span)?;
        let saved = self.open_bracket(false);
        let args = self.arguments(open.span);
        self.close_bracket(saved);
        let (mut args, close) = args?;
        if args.len() != 1 {
            return Err(boxed(
                Diagnostic::at(name.to(close), format!("`unvec` takes 1 argument, found {}", args.len()))
                    .hint("write `unvec(v)` or `unvec_{m×n}(v)`"),
            ));
        }
        Ok(Expr { kind: ExprKind::Unvec(Box::new(args.remove(0)), shape), span: name.to(close) })
    }

    /// A shape `_{m×n}`, as after `unvec` and `0`.
    fn unvec_shape(&self, span: Span) -> PResult<(DimSpec, DimSpec)> {
        let written = self.text(span);
        let open = written.find('{').map_or(1, |i| i + 1);
        let inner = &written[open..written.len() - usize::from(written.ends_with('}'))];
        let Some((r, c)) = inner.split_once('×') else {
            return Err(boxed(Diagnostic::at(span, "a shape here is `rows×cols`").hint("write `unvec_{m×n}(v)`, `0_{m×n}`")));
        };
        let at = span.start + open;
        Ok((size(r, at).map_err(boxed)?, size(c, at + r.len() + '×'.len_utf8()).map_err(boxed)?))
    }

    /// The arguments after `(` and the span of the closing `)`.
    fn arguments(&mut self, open: Span) -> PResult<(Vec<Expr>, Span)> {
        let mut args = Vec::new();
        if *self.peek_kind() != TokenKind::RParen {
            loop {
                if !starts_operand(self.peek_kind()) {
                    return Err(self.expected_argument());
                }
                args.push(self.expr()?);
                if *self.peek_kind() != TokenKind::Comma {
                    break;
                }
                self.bump();
            }
        }
        Ok((args, self.close_paren(open)?))
    }

    fn expected_argument(&mut self) -> Box<Diagnostic> {
        let after = self.tokens[self.pos.saturating_sub(1)].clone();
        self.expected_expression(Some(&after))
    }

    fn check_arity(&self, function: Function, span: Span, name: Span, found: usize) -> PResult<()> {
        if found == function.arity() {
            return Ok(());
        }
        let written = self.text(name);
        let found = if found == 0 { "none".to_string() } else { found.to_string() };
        let noun = if function.arity() == 1 { "argument" } else { "arguments" };
        let error = Diagnostic::at(span, format!("`{written}` takes {} {noun}, found {found}", function.arity()));
        let error = match function {
            Function::Kron => error.hint("write `kron(A, B)` or `A ⊗ B`"),
            // the argument named as the function's domain: a matrix or a vector
            Function::Trace | Function::Det | Function::LogDet | Function::Inv | Function::DiagVector | Function::Vec => {
                error.hint(format!("write `{written}(A)`"))
            }
            _ => error.hint(format!("write `{written}(x)`")),
        };
        Err(boxed(error))
    }

    /// `( … )`; the parentheses are part of the expression's span.
    fn parenthesized(&mut self) -> PResult<Expr> {
        let open = self.bump().span;
        self.enter(open)?;
        let saved = self.open_bracket(false);
        let result = self.parenthesized_body(open);
        self.close_bracket(saved);
        result
    }

    fn parenthesized_body(&mut self, open: Span) -> PResult<Expr> {
        if *self.peek_kind() == TokenKind::RParen {
            return Err(self.empty_parentheses(open));
        }
        let inner = self.expr()?;
        let close = self.close_paren(open)?;
        Ok(Expr { span: open.to(close), ..inner })
    }

    fn empty_parentheses(&mut self, open: Span) -> Box<Diagnostic> {
        let close = self.bump().span;
        boxed(Diagnostic::at(open.to(close), "empty parentheses"))
    }

    /// The `)` that closes `open`, or an error pointing at both.
    fn close_paren(&mut self, open: Span) -> PResult<Span> {
        let found = self.peek().clone();
        let error = match found.kind {
            TokenKind::RParen => return Ok(self.bump().span),
            TokenKind::Error(d) => return Err(d),
            TokenKind::Eof => Diagnostic::new("unclosed `(`").label(open, "opened here").label(found.span, "expected `)`"),
            TokenKind::Comma => Diagnostic::at(found.span, "unexpected `,` in parentheses")
                .label(open, "opened here")
                .hint("commas separate the arguments of a function such as `kron(A, B)`"),
            _ => Diagnostic::at(found.span, format!("expected `)`, found {}", self.describe(&found)))
                .label(open, "to close this `(`"),
        };
        Err(boxed(error))
    }

    /// `‖x‖`, `||X||_F`, `‖X‖_2`.
    fn norm(&mut self, kind: BarKind) -> PResult<Expr> {
        let open = self.bump().span;
        self.enter(open)?;
        let saved = self.open_bracket(true);
        let result = self.norm_body(open, kind);
        self.close_bracket(saved);
        let (inner, close) = result?;
        self.norm_subscript(inner, open.to(close))
    }

    fn norm_body(&mut self, open: Span, kind: BarKind) -> PResult<(Expr, Span)> {
        if !starts_operand(self.peek_kind()) {
            return Err(self.expected_after(open));
        }
        let inner = self.expr()?;
        Ok((inner, self.close_norm(open, kind)?))
    }

    fn expected_after(&mut self, span: Span) -> Box<Diagnostic> {
        let token = Token { kind: TokenKind::Eof, span };
        self.expected_expression(Some(&token))
    }

    fn close_norm(&mut self, open: Span, kind: BarKind) -> PResult<Span> {
        let found = self.peek().clone();
        let bar = kind.spelling();
        let error = match found.kind {
            TokenKind::Bar(k) if k == kind => return Ok(self.bump().span),
            TokenKind::Error(d) => return Err(d),
            TokenKind::Bar(k) => {
                Diagnostic::at(found.span, format!("a norm opened with `{bar}` is closed with `{}`", k.spelling()))
                    .label(open, "opened here")
            }
            TokenKind::Eof => Diagnostic::new(format!("unclosed norm `{bar}`"))
                .label(open, "opened here")
                .label(found.span, format!("expected `{bar}`")),
            _ => Diagnostic::at(found.span, format!("expected `{bar}`, found {}", self.describe(&found)))
                .label(open, "to close this norm"),
        };
        Err(boxed(error))
    }

    /// The `_F` or `_2` after a norm.
    fn norm_subscript(&mut self, inner: Expr, mut span: Span) -> PResult<Expr> {
        let norm = match self.subscript() {
            None => NormKind::Two,
            Some((sub, sub_span)) => {
                span = span.to(sub_span);
                match sub.as_str() {
                    "F" => NormKind::Frobenius,
                    "2" => NormKind::Two,
                    _ => {
                        return Err(boxed(
                            Diagnostic::at(sub_span, format!("unknown norm `{}`", self.text(sub_span)))
                                .hint("norms are `‖x‖` (2-norm), `‖X‖_F` (Frobenius) and `‖X‖_2`"),
                        ));
                    }
                }
            }
        };
        Ok(Expr { kind: ExprKind::Norm(Box::new(inner), norm), span })
    }
}

/// The node for a chain of one level's operators.
fn build_chain(level: Level, first: Expr, rest: Vec<(BinOp, Span, Expr)>) -> Expr {
    let span = rest.last().map_or(first.span, |(_, _, e)| first.span.to(e.span));
    let operands =
        |first: Expr, rest: Vec<(BinOp, Span, Expr)>| std::iter::once(first).chain(rest.into_iter().map(|r| r.2)).collect();
    let kind = match level {
        Level::Frobenius => ExprKind::Frob(operands(first, rest)),
        Level::Kronecker => ExprKind::Kron(operands(first, rest)),
        Level::Sum => ExprKind::Sum(
            Box::new(first),
            rest.into_iter().map(|(op, s, e)| (if let BinOp::Sum(sign) = op { sign } else { Sign::Plus }, s, e)).collect(),
        ),
        Level::Hadamard => ExprKind::Hadamard(
            Box::new(first),
            rest.into_iter().map(|(op, s, e)| (if let BinOp::Hadamard(h) = op { h } else { HadOp::Times }, s, e)).collect(),
        ),
        _ => ExprKind::Product(
            Box::new(first),
            rest.into_iter().map(|(op, s, e)| (if let BinOp::Product(p) = op { p } else { ProdOp::Times }, s, e)).collect(),
        ),
    };
    Expr { kind, span }
}

/// `-` signs (outermost first) applied to an operand.
fn negate(mut expr: Expr, minus: &[Span]) -> Expr {
    for &sign in minus.iter().rev() {
        expr = Expr { span: sign.to(expr.span), kind: ExprKind::Neg(Box::new(expr)) };
    }
    expr
}

/// Tokens that begin an atom, and so, after an operand, a juxtaposed factor.
/// Inside a norm a bar after an operand closes it instead.
fn starts_atom(kind: &TokenKind, in_norm: bool) -> bool {
    match kind {
        TokenKind::Number
        | TokenKind::Name
        | TokenKind::Func(_)
        | TokenKind::Ones
        | TokenKind::Unvec
        | TokenKind::Scalar
        | TokenKind::LParen
        | TokenKind::LBrace => true,
        TokenKind::Bar(_) => !in_norm,
        _ => false,
    }
}

/// Tokens that can begin an operand: an atom or a minus sign.
fn starts_operand(kind: &TokenKind) -> bool {
    starts_atom(kind, false) || matches!(kind, TokenKind::Minus | TokenKind::Error(_))
}

/// A size written at byte `at`: `3`, `n`, `d_1`, or a product of factors
/// side by side, spaced or with `·`, each perhaps with a power (`mn`,
/// `m n`, `2n`, `n^{2}`, `n²`).
pub(crate) fn size(text: &str, at: usize) -> Result<DimSpec, Diagnostic> {
    let trimmed = text.trim();
    let at = at + text.len() - text.trim_start().len();
    let span = Span::new(at, at + trimmed.len());
    let refuse = || {
        Diagnostic::at(span, format!("`{trimmed}` is not a size"))
            .hint("a size is a positive integer, a name such as `n` or `d_1`, or a product (`I_{mn}`)")
    };
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return match trimmed.parse::<u64>() {
            Ok(0) => Err(Diagnostic::at(span, "a size must be positive, found `0`")),
            Ok(n) => Ok(DimSpec::Int(n, span)),
            Err(_) => Err(Diagnostic::at(span, format!("size `{trimmed}` is too large"))),
        };
    }
    if names::is_plain_name(trimmed) {
        return Ok(DimSpec::Name(trimmed.to_string(), span));
    }
    let mut factors = Vec::new();
    let mut rest = trimmed;
    while !rest.is_empty() {
        rest = rest.trim_start_matches([' ', '·']);
        let start = at + trimmed.len() - rest.len();
        let first = rest.chars().next().ok_or_else(refuse)?;
        let digits = |r: &str| r.len() - r.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let len = if first.is_ascii_digit() {
            digits(rest)
        } else if is_name_letter(first) {
            first.len_utf8() + digits(&rest[first.len_utf8()..])
        } else {
            return Err(refuse());
        };
        let factor = size(&rest[..len], start)?;
        rest = &rest[len..];
        // a power: ^2, ^{2}, ²
        let power = if let Some(p) = rest.strip_prefix('^') {
            let (body, used) = match p.strip_prefix('{') {
                Some(b) => (b.split('}').next().unwrap_or(""), 1 + b.find('}').map_or(b.len(), |i| i + 1)),
                None => (&p[..digits(p)], digits(p)),
            };
            rest = &p[used..];
            body.trim().parse::<usize>().ok()
        } else {
            let sup: String = rest.chars().take_while(|c| lexer::SUPERSCRIPT_DIGITS.contains(c)).collect();
            rest = &rest[sup.len()..];
            if sup.is_empty() { Some(1) } else { superscript_value(&sup).and_then(|v| usize::try_from(v).ok()) }
        };
        match power {
            Some(k @ 1..=8) => factors.extend(std::iter::repeat_n(factor, k)),
            _ => return Err(refuse()),
        }
    }
    match factors.len() {
        0 => Err(refuse()),
        1 => Ok(factors.remove(0)),
        _ => Ok(DimSpec::Product(factors, span)),
    }
}

fn too_deep(span: Span) -> Box<Diagnostic> {
    boxed(
        Diagnostic::at(span, format!("expression nested too deeply (more than {MAX_DEPTH} levels)"))
            .hint("name inner parts with definitions (`a = …`) and use the names"),
    )
}

/// `I` is a constant, not something to declare or define.
fn refuse_keyword_head(name: &Ident, what: &str) -> PResult<()> {
    if name.name == "I" || name.name.starts_with("I_") || name.name.starts_with("I'") {
        return Err(boxed(
            Diagnostic::at(name.span, format!("`I` is the identity matrix and cannot be {what}"))
                .hint("`I_n` or `I_3` gives its size; choose another letter for a variable"),
        ));
    }
    Ok(())
}
