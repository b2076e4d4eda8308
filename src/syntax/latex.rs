//! LaTeX and matdiff's own printed spellings, rewritten to the plain ones
//! before lexing (CONTRACT §1, *LaTeX and matdiff's own output are input*).
//!
//! `\frac{a}{b}` becomes `((a)/(b))`, `\sigma` becomes `σ`, `^{\top}` becomes
//! `^{⊤}`, `\hat{y}` becomes the name `y_{hat}`, `\\` a line break, and so
//! on; the lexer then makes the same tokens as from the plain text, so there
//! is one grammar and the parser never learns LaTeX. Every byte written
//! remembers the span of the source it came from ([`Translation::span`]), so
//! that the AST and every error point at what was typed.
//!
//! The rewrite is one pass over the text with a stack of what each open `{`
//! becomes when it closes (heap, not recursion: any nesting is safe).
//! Commands it does not know are copied as they are, for the lexer to
//! refuse (`unknown command`); `\in` and `\mathbb` are copied too,
//! since the lexer and the shapes of declarations read them.

use crate::diagnostic::{Diagnostic, Span};
use crate::name::{greek_latex, is_name_letter};
use crate::syntax::ast::{DimSpec, Expr, ExprKind, Ident, Program, ShapeSpec, Stmt};

/// The plain text and, for each of its bytes, the span of the source it
/// was written for.
pub struct Translation {
    pub text: String,
    origin: Vec<Span>,
    source_len: usize,
}

impl Translation {
    /// The span of the source that `span` of the plain text was written
    /// for. An empty span stays empty, before what follows it (or after
    /// what precedes it, at the end).
    pub fn span(&self, span: Span) -> Span {
        let at_end = || self.origin.last().map_or(self.source_len, |s| s.end);
        if span.start >= span.end {
            let p = self.origin.get(span.start).map_or_else(at_end, |s| s.start);
            return Span::new(p, p);
        }
        let start = self.origin.get(span.start).map_or_else(at_end, |s| s.start);
        let end = self.origin.get(span.end - 1).map_or_else(at_end, |s| s.end);
        Span::new(start, end.max(start))
    }

    /// The diagnostic with its places moved to the source.
    pub fn diagnostic(&self, mut d: Diagnostic) -> Diagnostic {
        for label in &mut d.labels {
            label.span = self.span(label.span);
        }
        d
    }

    /// The program with every span moved to the source.
    pub fn program(&self, mut program: Program) -> Program {
        for stmt in &mut program.stmts {
            match stmt {
                Stmt::Decl { names, shape, properties, span } => {
                    names.iter_mut().for_each(|n| self.ident(n));
                    properties.iter_mut().for_each(|(_, s)| *s = self.span(*s));
                    match shape {
                        ShapeSpec::Scalar(s) => *s = self.span(*s),
                        ShapeSpec::Vector(d) => self.dim(d),
                        ShapeSpec::Matrix(r, c) => {
                            self.dim(r);
                            self.dim(c);
                        }
                    }
                    *span = self.span(*span);
                }
                Stmt::Def { name, expr, span } => {
                    self.ident(name);
                    self.expr(expr);
                    *span = self.span(*span);
                }
                Stmt::Expr(expr) => self.expr(expr),
            }
        }
        program
    }

    fn ident(&self, ident: &mut Ident) {
        ident.span = self.span(ident.span);
    }

    fn dim(&self, dim: &mut DimSpec) {
        match dim {
            DimSpec::Int(_, s) | DimSpec::Name(_, s) => *s = self.span(*s),
            DimSpec::Product(factors, s) => {
                *s = self.span(*s);
                factors.iter_mut().for_each(|d| self.dim(d));
            }
        }
    }

    /// Recurses with the AST, whose depth the parser bounds (`MAX_DEPTH`).
    fn expr(&self, e: &mut Expr) {
        e.span = self.span(e.span);
        match &mut e.kind {
            ExprKind::Num(_) | ExprKind::Name(_) => {}
            ExprKind::Identity(d) | ExprKind::Ones(d) => d.iter_mut().for_each(|d| self.dim(d)),
            ExprKind::Commutation(m, n) => {
                self.dim(m);
                self.dim(n);
            }
            ExprKind::Zero(r, c) => {
                self.dim(r);
                c.iter_mut().for_each(|c| self.dim(c));
            }
            ExprKind::Unvec(v, shape) => {
                self.expr(v);
                if let Some((r, c)) = shape {
                    self.dim(r);
                    self.dim(c);
                }
            }
            ExprKind::Frob(items) | ExprKind::Kron(items) => items.iter_mut().for_each(|e| self.expr(e)),
            ExprKind::Sum(first, rest) => {
                self.expr(first);
                for (_, s, e) in rest {
                    *s = self.span(*s);
                    self.expr(e);
                }
            }
            ExprKind::Hadamard(first, rest) => {
                self.expr(first);
                for (_, s, e) in rest {
                    *s = self.span(*s);
                    self.expr(e);
                }
            }
            ExprKind::Product(first, rest) => {
                self.expr(first);
                for (_, s, e) in rest {
                    *s = self.span(*s);
                    self.expr(e);
                }
            }
            ExprKind::Neg(inner) | ExprKind::Norm(inner, _) => self.expr(inner),
            ExprKind::Postfix(inner, _, s) => {
                *s = self.span(*s);
                self.expr(inner);
            }
            ExprKind::Call(_, s, args) => {
                *s = self.span(*s);
                args.iter_mut().for_each(|e| self.expr(e));
            }
        }
    }
}

/// What the `}` of an open group writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Closer {
    /// `{` … `}` kept as braces (exponents, subscripts).
    Brace,
    /// The braces of `\mathbf{x}`: nothing.
    Nothing,
    /// The numerator of `\frac`: `)/(` and then the denominator.
    Numerator,
    /// The denominator of `\frac`: `))`.
    Denominator,
    /// The argument of `\sqrt`: `)`.
    Paren,
}

/// Accents that make a new name (`\hat{y}` is `y_{hat}`), and the word
/// each adds.
pub(crate) const ACCENTS: &[(&str, &str)] =
    &[("hat", "hat"), ("widehat", "hat"), ("bar", "bar"), ("overline", "bar"), ("tilde", "tilde"), ("widetilde", "tilde")];

/// Unicode combining accents after a letter (`x̄`, `x̂`, `x̃`).
const COMBINING: &[(char, &str)] = &[('\u{302}', "hat"), ('\u{304}', "bar"), ('\u{305}', "bar"), ('\u{303}', "tilde")];

/// Precomposed accented letters (`ŷ`, `ȳ`, `ñ`, …): the letter and the accent.
const PRECOMPOSED: &[(char, char, &str)] = &[
    ('ŷ', 'y', "hat"),
    ('Ŷ', 'Y', "hat"),
    ('â', 'a', "hat"),
    ('ê', 'e', "hat"),
    ('î', 'i', "hat"),
    ('ô', 'o', "hat"),
    ('û', 'u', "hat"),
    ('ĉ', 'c', "hat"),
    ('ĝ', 'g', "hat"),
    ('ĥ', 'h', "hat"),
    ('ĵ', 'j', "hat"),
    ('ŝ', 's', "hat"),
    ('ŵ', 'w', "hat"),
    ('ẑ', 'z', "hat"),
    ('Â', 'A', "hat"),
    ('Ê', 'E', "hat"),
    ('Ô', 'O', "hat"),
    ('ȳ', 'y', "bar"),
    ('Ȳ', 'Y', "bar"),
    ('ā', 'a', "bar"),
    ('ē', 'e', "bar"),
    ('ī', 'i', "bar"),
    ('ō', 'o', "bar"),
    ('ū', 'u', "bar"),
    ('Ā', 'A', "bar"),
    ('Ē', 'E', "bar"),
    ('Ō', 'O', "bar"),
    ('ã', 'a', "tilde"),
    ('ẽ', 'e', "tilde"),
    ('ĩ', 'i', "tilde"),
    ('õ', 'o', "tilde"),
    ('ũ', 'u', "tilde"),
    ('ñ', 'n', "tilde"),
    ('ỹ', 'y', "tilde"),
    ('Ã', 'A', "tilde"),
    ('Õ', 'O', "tilde"),
    ('Ñ', 'N', "tilde"),
];

/// Font commands around a name: the same name (`\mathbf{x}` is `x`).
const FONTS: &[&str] =
    &["mathbf", "boldsymbol", "bm", "vec", "mathsf", "mathit", "mathnormal", "mathbfit", "pmb", "bold", "textbf"];

/// Commands whose argument is a word to copy (`\operatorname{tr}`).
const WORDS: &[&str] = &["operatorname", "mathrm", "text", "textrm", "textit", "textsf", "mathop", "mathbin", "mathord"];

/// Function names that LaTeX has commands for.
const FUNCTIONS: &[&str] = &["log", "ln", "exp", "det", "tanh", "sin", "cos", "tr", "sgn"];

/// Sizes of delimiters, ignored.
const SIZES: &[&str] = &[
    "left", "right", "middle", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl", "Biggr",
];

/// Spacing commands, a space each.
const SPACES: &[&str] = &["quad", "qquad", "enspace", "thinspace", "medspace", "thickspace", "negthinspace", "displaystyle"];

/// Rewrites `src`; `None` when there is nothing to rewrite (plain text).
pub fn translate(src: &str) -> Option<Translation> {
    // by ranges, not by the tables: this runs on every program, however long
    let rewritten = |c: char| matches!(c, '\\' | '&' | '%' | '$' | '½' | '⅓' | '¼' | '∘' | '⁻' | '₀'..='₉' | '\u{300}'..='\u{36f}' | 'À'..='ɏ' | '\u{1e00}'..='\u{1eff}');
    if !src.contains(rewritten) {
        return None;
    }
    let mut w = Writer {
        src,
        pos: 0,
        text: String::with_capacity(src.len() + 16),
        origin: Vec::with_capacity(src.len() + 16),
        open: Vec::new(),
    };
    w.run();
    Some(Translation { text: w.text, origin: w.origin, source_len: src.len() })
}

fn subscript_digit(c: char) -> Option<char> {
    ('₀'..='₉').contains(&c).then(|| char::from(b'0' + (c as u32 - '₀' as u32) as u8))
}

fn accent_of(c: char) -> Option<(char, &'static str)> {
    PRECOMPOSED.iter().find(|p| p.0 == c).map(|p| (p.1, p.2))
}

fn combining(c: char) -> Option<&'static str> {
    COMBINING.iter().find(|p| p.0 == c).map(|p| p.1)
}

/// The Greek letter a command names (`\sigma` → `σ`).
fn greek(command: &str) -> Option<char> {
    ('Α'..='ω').find(|&c| greek_latex(c).is_some_and(|g| &g[1..] == command))
}

struct Writer<'a> {
    src: &'a str,
    pos: usize,
    text: String,
    origin: Vec<Span>,
    open: Vec<Closer>,
}

impl Writer<'_> {
    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn emit(&mut self, text: &str, from: Span) {
        self.text.push_str(text);
        self.origin.extend(std::iter::repeat_n(from, text.len()));
    }

    /// Copies the next character as it is.
    fn copy(&mut self) {
        let Some(c) = self.rest().chars().next() else { return };
        let span = Span::new(self.pos, self.pos + c.len_utf8());
        let mut buf = [0; 4];
        self.emit(c.encode_utf8(&mut buf), span);
        self.pos = span.end;
    }

    fn skip_spaces(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t']).len();
    }

    /// The command at the cursor (after `\`): its name, letters or one
    /// character.
    fn command_name(&self) -> &str {
        let after = &self.src[self.pos + 1..];
        let letters = after.len() - after.trim_start_matches(|c: char| c.is_ascii_alphabetic()).len();
        let len = if letters > 0 { letters } else { after.chars().next().map_or(0, char::len_utf8) };
        &after[..len]
    }

    fn run(&mut self) {
        while let Some(c) = self.rest().chars().next() {
            let here = Span::new(self.pos, self.pos + c.len_utf8());
            match c {
                '\\' => self.command(),
                '{' => {
                    self.open.push(Closer::Brace);
                    self.copy();
                }
                '}' => self.close(),
                '&' | '$' => {
                    self.emit(" ", here);
                    self.pos = here.end;
                }
                // a comment is copied as it is, to the end of its line
                '%' | '#' => {
                    self.emit("#", here);
                    let end = self.src[here.end..].find('\n').map_or(self.src.len(), |i| here.end + i);
                    let comment = Span::new(here.end, end);
                    self.emit(&self.src[here.end..end], comment);
                    self.pos = end;
                }
                '^' => self.caret(),
                '½' | '⅓' | '¼' => {
                    let q = match c {
                        '½' => "(1/2)",
                        '⅓' => "(1/3)",
                        _ => "(1/4)",
                    };
                    self.emit(q, here);
                    self.pos = here.end;
                }
                '⁻' if self.rest()['⁻'.len_utf8()..].starts_with('ᵀ') => {
                    let span = Span::new(self.pos, self.pos + "⁻ᵀ".len());
                    self.emit("^{-T}", span);
                    self.pos = span.end;
                }
                c if subscript_digit(c).is_some() => {
                    let start = self.pos;
                    let digits: String = self.rest().chars().map_while(subscript_digit).collect();
                    let len: usize = self.rest().chars().take(digits.len()).map(char::len_utf8).sum();
                    self.pos += len;
                    self.emit(&format!("_{{{digits}}}"), Span::new(start, self.pos));
                }
                c if accent_of(c).is_some() => {
                    let (letter, accent) = accent_of(c).unwrap_or((c, ""));
                    self.emit(&letter.to_string(), here);
                    self.pos = here.end;
                    self.accent(accent, here);
                }
                c if combining(c).is_some() => {
                    self.pos = here.end;
                    self.accent(combining(c).unwrap_or(""), here);
                }
                _ => self.copy(),
            }
        }
    }

    /// The subscript of an accented name: `_{hat}`, or `_{hat_1}` when the
    /// name has a subscript of its own (`\hat{y}_1`).
    fn accent(&mut self, accent: &str, from: Span) {
        let rest = self.rest();
        let sub = rest.strip_prefix('_').and_then(|r| match r.strip_prefix('{') {
            Some(inner) => close_brace(inner).map(|end| (&inner[..end], 2 + end + 1)),
            None => {
                r.chars().next().filter(char::is_ascii_alphanumeric)?;
                let digits = r[1..].len() - r[1..].trim_start_matches(|c: char| c.is_ascii_digit()).len();
                let len = 1 + digits;
                Some((&r[..len], 1 + len))
            }
        });
        match sub {
            Some((sub, len)) if !sub.is_empty() && sub.chars().all(|c| c.is_ascii_alphanumeric() || is_name_letter(c)) => {
                let text = format!("_{{{accent}_{sub}}}");
                let span = Span::new(from.start, self.pos + len);
                self.pos += len;
                self.emit(&text, span);
            }
            _ => self.emit(&format!("_{{{accent}}}"), from),
        }
    }

    fn close(&mut self) {
        let here = Span::new(self.pos, self.pos + 1);
        self.pos += 1;
        match self.open.pop() {
            None | Some(Closer::Brace) => self.emit("}", here),
            Some(Closer::Nothing) => {}
            Some(Closer::Paren) => self.emit(")", here),
            Some(Closer::Denominator) => self.emit("))", here),
            Some(Closer::Numerator) => {
                self.emit(")/(", here);
                self.skip_spaces();
                self.argument(Closer::Denominator, "))");
            }
        }
    }

    /// A command's argument: a group whose `}` writes `closer`, or one
    /// character followed by `after`.
    fn argument(&mut self, closer: Closer, after: &str) {
        let Some(c) = self.rest().chars().next() else {
            let at = Span::new(self.pos, self.pos);
            return self.emit(after, at);
        };
        let here = Span::new(self.pos, self.pos + c.len_utf8());
        if c == '{' {
            self.pos = here.end;
            self.open.push(closer);
        } else if c == '\\' {
            // `\frac1\sigma`: the command stands alone
            let name_len = self.command_name().len();
            let end = self.pos + 1 + name_len;
            self.command();
            self.emit(after, Span::new(end.min(self.pos), self.pos));
        } else {
            self.copy();
            self.emit(after, here);
        }
    }

    /// `^`, or `.^` for an elementwise power: `^{\circ 2}`, `^\circ 2`, `^∘2`.
    fn caret(&mut self) {
        let start = self.pos;
        let after = &self.src[start + 1..];
        let trimmed = after.trim_start();
        let (braced, inner) = match trimmed.strip_prefix('{') {
            Some(inner) => (true, inner.trim_start()),
            None => (false, trimmed),
        };
        let circ = ["\\circ", "∘"].into_iter().find(|c| {
            inner.starts_with(c) && !(c.starts_with('\\') && inner[c.len()..].starts_with(|c: char| c.is_ascii_alphabetic()))
        });
        match circ {
            Some(c) => {
                let end = self.src.len() - inner.len() + c.len();
                let span = Span::new(start, end);
                self.emit(if braced { ".^{" } else { ".^" }, span);
                if braced {
                    self.open.push(Closer::Brace);
                }
                self.pos = end;
            }
            None => self.copy(),
        }
    }

    fn command(&mut self) {
        let start = self.pos;
        let name = self.command_name().to_string();
        let end = start + 1 + name.len();
        let here = Span::new(start, end);
        let word = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        // what is copied for the lexer to read or refuse
        let verbatim = |w: &mut Self| {
            w.emit(&w.src[start..end], here);
            w.pos = end;
        };
        if !word {
            match name.as_str() {
                "\\" => return self.line_break(here),
                "|" => self.emit("‖", here),
                "," | ";" | ":" | "!" | " " | ">" | "[" | "]" | "(" | ")" => self.emit(" ", here),
                _ => return verbatim(self),
            }
            self.pos = end;
            return;
        }
        self.pos = end;
        let n = name.as_str();
        if let Some(g) = greek(n) {
            self.emit(&g.to_string(), here);
        } else if FUNCTIONS.contains(&n) {
            let word = if n == "sgn" { "sign" } else { n };
            self.emit(word, here);
            self.separate(here);
        } else if SIZES.contains(&n) {
            self.skip_spaces();
            if self.rest().starts_with('.') {
                self.pos += 1;
            }
        } else if SPACES.contains(&n) {
            self.emit(" ", here);
        } else if let Some(&(_, accent)) = ACCENTS.iter().find(|a| a.0 == n) {
            self.accented(accent, here);
        } else if FONTS.contains(&n) || n == "mathbb" {
            self.font(n, here);
        } else if WORDS.contains(&n) {
            self.word(n, here);
        } else {
            match n {
                "cdot" | "ast" => self.emit("·", here),
                "circ" | "odot" => self.emit("∘", here),
                "otimes" => self.emit("⊗", here),
                "times" => self.emit("×", here),
                "oslash" => self.emit("⊘", here),
                "top" | "intercal" => self.emit("⊤", here),
                "lVert" | "rVert" | "Vert" => self.emit("‖", here),
                "frac" | "tfrac" | "dfrac" | "cfrac" => {
                    self.emit("((", here);
                    self.skip_spaces();
                    if self.rest().starts_with('{') {
                        self.pos += 1;
                        self.open.push(Closer::Numerator);
                    } else {
                        self.argument(Closer::Brace, ")/(");
                        self.skip_spaces();
                        self.argument(Closer::Denominator, "))");
                    }
                }
                "sqrt" => {
                    self.emit("sqrt(", here);
                    self.skip_spaces();
                    self.argument(Closer::Paren, ")");
                }
                "begin" | "end" => {
                    // `\begin{aligned}`: the environment's name goes too
                    self.skip_spaces();
                    if self.rest().starts_with('{') {
                        let close = close_brace(self.rest()).map_or(self.pos + 1, |i| self.pos + i + 1);
                        self.pos = close;
                    }
                    self.emit(" ", Span::new(start, self.pos));
                }
                _ => {
                    self.pos = start;
                    verbatim(self)
                }
            }
        }
    }

    /// A space after a word a command wrote when a letter follows, so that
    /// `\operatorname{tr}X` is `tr X` (refused: a function needs `(`), not
    /// the letters `t r X`.
    fn separate(&mut self, from: Span) {
        if self.rest().starts_with(|c: char| c.is_alphanumeric()) {
            self.emit(" ", Span::new(from.end, from.end));
        }
    }

    /// `\\`: a line break between statements, or a space when the next line
    /// goes on with `+` or `−` (how long sums are broken in `aligned`).
    fn line_break(&mut self, here: Span) {
        self.pos = here.end;
        let mut look = self.pos;
        loop {
            let rest = &self.src[look..];
            let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '&');
            look += rest.len() - trimmed.len();
            let skip = SPACES.iter().chain(&["quad"]).find_map(|s| {
                let cmd = format!("\\{s}");
                trimmed
                    .strip_prefix(cmd.as_str())
                    .filter(|r| !r.starts_with(|c: char| c.is_ascii_alphabetic()))
                    .map(|_| cmd.len())
            });
            let skip = skip.or_else(|| [r"\,", r"\;", r"\!", r"\:"].iter().find(|s| trimmed.starts_with(**s)).map(|s| s.len()));
            match skip {
                Some(len) => look += len,
                None => break,
            }
        }
        if self.src[look..].starts_with(['+', '-', '−']) {
            self.emit(" ", Span::new(here.start, look));
            self.pos = look;
        } else {
            self.emit("\n", here);
        }
    }

    /// `\hat{y}`, `\bar x`, `\tilde{\theta}`: the letter, then its accent
    /// as a subscript word.
    fn accented(&mut self, accent: &str, here: Span) {
        self.skip_spaces();
        let rest = self.rest();
        let (inner, len) = match rest.strip_prefix('{') {
            Some(r) => match close_brace(r) {
                // one level of font command inside: `\hat{\mathbf{y}}`
                Some(i) if r[..i].contains('{') => match close_brace(&r[i + 1..]) {
                    Some(j) => (&r[..i + 1 + j], 1 + i + 1 + j + 1),
                    // unclosed: not a letter, left for the lexer
                    None => ("", 0),
                },
                Some(i) => (&r[..i], 1 + i + 1),
                None => ("", 0),
            },
            None if rest.starts_with('\\') => {
                let letters = rest[1..].len() - rest[1..].trim_start_matches(|c: char| c.is_ascii_alphabetic()).len();
                (&rest[..1 + letters], 1 + letters)
            }
            None => {
                let len = rest.chars().next().map_or(0, char::len_utf8);
                (&rest[..len], len)
            }
        };
        match accent_base(inner) {
            Some(letter) => {
                let span = Span::new(here.start, self.pos + len);
                self.pos += len;
                self.emit(&letter.to_string(), span);
                self.accent(accent, span);
            }
            // not a letter: left for the lexer to refuse
            None => {
                self.pos = here.start;
                let end = here.end;
                self.emit(&self.src[here.start..end], here);
                self.pos = end;
            }
        }
    }

    /// `\mathbf{x}` is `x`; `\mathbf{1}`, `\mathbb{1}` are `𝟙`; `\mathbb{R}`
    /// is `ℝ`; any other `\mathbb` is left to the lexer.
    fn font(&mut self, name: &str, here: Span) {
        self.skip_spaces();
        let rest = self.rest();
        let group = rest.strip_prefix('{').and_then(|r| close_brace(r).map(|i| (r[..i].trim(), i + 2)));
        let single = rest.chars().next().filter(|c| *c != '{' && *c != '\\').map(|c| (c, c.len_utf8()));
        let content = group.map(|(s, len)| (s.to_string(), len)).or(single.map(|(c, len)| (c.to_string(), len)));
        match content {
            Some((s, len)) if s == "1" => {
                self.emit("𝟙", Span::new(here.start, self.pos + len));
                self.pos += len;
            }
            Some((s, len)) if s == "R" && name == "mathbb" => {
                self.emit("ℝ", Span::new(here.start, self.pos + len));
                self.pos += len;
            }
            _ if name == "mathbb" => {
                self.emit("\\mathbb", here);
            }
            // a name (`\mathbf{x}`, `\mathbf{W_1}`): written for the whole command
            Some((s, len)) if group.is_none() || !s.contains(['\\', '{', '}', '^']) => {
                self.emit(&s, Span::new(here.start, self.pos + len));
                self.pos += len;
            }
            _ if rest.starts_with('{') => {
                self.pos += 1;
                self.open.push(Closer::Nothing);
            }
            // `\mathbf\Sigma`: the command that follows is the name
            _ => {}
        }
    }

    /// `\operatorname{tr}`, `\mathrm{T}`, `\text{where}`, `\mathbin{:}`:
    /// the word inside; `where` and `and` are spaces.
    fn word(&mut self, name: &str, here: Span) {
        self.skip_spaces();
        let rest = self.rest();
        let Some((inner, len)) = rest.strip_prefix('{').and_then(|r| close_brace(r).map(|i| (r[..i].trim().to_string(), i + 2)))
        else {
            if name.starts_with("text") {
                return self.emit(" ", here);
            }
            // `\mathrm T`: one character
            return;
        };
        let span = Span::new(here.start, self.pos + len);
        self.pos += len;
        match inner.as_str() {
            "where" | "and" | "with" | "for" | "" => self.emit(" ", span),
            "T" | "⊤" => self.emit("⊤", span),
            _ if inner.contains('\\') || inner.contains('{') => {
                // not a word: leave it for the lexer, braces and all
                self.pos = here.start;
                let end = span.end;
                self.emit(&self.src[here.start..end], span);
                self.pos = end;
            }
            _ => {
                self.emit(&inner, span);
                self.separate(span);
            }
        }
    }
}

/// Where the `}` of a short group is: names, words and environments are
/// short, and looking no further keeps every lookup bounded (long input
/// stays linear).
fn close_brace(s: &str) -> Option<usize> {
    s.char_indices().take(64).find(|&(_, c)| c == '}').map(|(i, _)| i)
}

/// The letter an accent sits on: `y`, `\theta`, `\mathbf{y}`, `\boldsymbol\theta`.
fn accent_base(inner: &str) -> Option<char> {
    let mut s = inner.trim();
    loop {
        let stripped = FONTS.iter().find_map(|f| {
            let cmd = format!("\\{f}");
            s.strip_prefix(cmd.as_str()).filter(|r| !r.starts_with(|c: char| c.is_ascii_alphabetic()))
        });
        match stripped {
            Some(r) => s = r.trim().trim_start_matches('{').trim_end_matches('}').trim(),
            None => break,
        }
    }
    if let Some(cmd) = s.strip_prefix('\\') {
        return greek(cmd);
    }
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if is_name_letter(c) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(src: &str) -> String {
        translate(src).map_or_else(|| src.to_string(), |t| t.text)
    }

    #[test]
    fn commands_become_the_plain_spellings() {
        assert_eq!(plain(r"s = \sigma(Wx) \\ E = \frac{1}{2}\|s - y\|^2"), "s = σ(Wx) \n E = ((1)/(2))‖s - y‖^2");
        assert_eq!(plain(r"\frac12 x"), "((1)/(2)) x");
        assert_eq!(plain(r"x^{\top} A^\intercal B^{\mathsf T}"), "x^{⊤} A^⊤ B^{T}");
        assert_eq!(plain(r"\hat{y}_1 + \bar x + \tilde{\theta}"), "y_{hat_1} + x_{bar} + θ_{tilde}");
        assert_eq!(plain("ŷ + x̄"), "y_{hat} + x_{bar}");
        assert_eq!(plain(r"x^{\circ 2} + x^{\circ -1} + x^∘2"), "x.^{ 2} + x.^{ -1} + x.^2");
        assert_eq!(plain(r"\operatorname{tr}X"), "tr X");
        assert_eq!(plain("W₁₂ + ½X⁻ᵀ"), "W_{12} + (1/2)X^{-T}");
        assert_eq!(plain("a +\\\\\n&\\quad - b"), "a + - b");
        assert_eq!(plain("x # \\frac{a} \\\\\n% \\hat{y}"), "x # \\frac{a} \\\\\n# \\hat{y}");
    }

    #[test]
    fn spans_map_back_to_the_source() {
        let src = r"\frac{a}{b}";
        let t = translate(src).unwrap();
        let a = t.text.find('a').unwrap();
        assert_eq!(t.span(Span::new(a, a + 1)), Span::new(6, 7));
        assert_eq!(t.span(Span::new(0, t.text.len())), Span::new(0, src.len()));
    }
}
