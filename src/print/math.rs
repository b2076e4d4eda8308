//! Formulas in LaTeX or Unicode: one renderer, two spellings.
//!
//! Each node becomes a [`Piece`]: a `pretty` document with its precedence
//! (the levels of CONTRACT §1, so a piece is parenthesized exactly when
//! the parser would need it) and what its text starts and ends with (to
//! space juxtaposed factors: `W_1 x`, not `W_1x`). Sums, products and
//! Hadamard chains are flattened iteratively, so long ones cost no depth.
//!
//! Printers print: the renderer chooses notation (`a − b` for `a +
//! (−1)b`, `a ⊘ b` for `a ∘ b^∘−1`, `S` for `Diag(s)`), never mathematics.

use std::collections::HashMap;

use egg::Id;
use pretty::RcDoc;

use crate::ir::{Constant, Func, Graph, Math};
use crate::name::{Name, NameParts, greek_latex};
use crate::num::Number;
use crate::shape::Dim;

pub type Doc = RcDoc<'static, ()>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Latex,
    Unicode,
}

/// Binding strength, loosest first (CONTRACT §1 levels 1–7, then atoms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Prec {
    Sum = 1,
    Frob = 2,
    Kron = 3,
    Had = 4,
    Product = 5,
    Neg = 6,
    Postfix = 7,
    Atom = 8,
}

pub struct Piece {
    pub doc: Doc,
    pub prec: Prec,
    /// Starts with a word (`Diag(`, `tr(`): juxtaposed, it wants a space.
    pub word_start: bool,
    /// Starts with a letter or digit (not a bracket).
    pub alnum_start: bool,
    /// Ends with a subscript or digits (`W_1`, `W1`): a letter right after
    /// would read as part of it.
    pub spaced_end: bool,
}

impl Piece {
    fn atom(text: String) -> Piece {
        let starts_letter = text.starts_with(char::is_alphabetic);
        let spaced_end = text.contains('_') || (starts_letter && text.ends_with(|c: char| c.is_ascii_digit()));
        let alnum_start = text.starts_with(char::is_alphanumeric) || text.starts_with('\\');
        Piece { doc: RcDoc::text(text), prec: Prec::Atom, word_start: false, alnum_start, spaced_end }
    }
    fn with(doc: Doc, prec: Prec) -> Piece {
        Piece { doc, prec, word_start: false, alnum_start: false, spaced_end: false }
    }
}

pub struct Renderer<'a> {
    pub g: &'a Graph,
    pub style: Style,
    /// `s` → `S`: `Diag(s)` written as `S`.
    pub diag_names: &'a HashMap<Name, Name>,
    /// Names to write as something else (adjoints as `∂f/∂h` in steps…).
    pub aliases: &'a HashMap<Name, String>,
}

fn latex_name(parts: &NameParts) -> String {
    let mut s = match greek_latex(parts.letter) {
        Some(g) => format!("{g} "),
        None => parts.letter.to_string(),
    };
    let mut sub = parts.digits.clone();
    if let Some(inner) = &parts.subscript {
        // a subscript that is itself a name (δ_{W_12}) is written as one
        let rendered = match inner.chars().next() {
            Some(c) if crate::name::is_name_letter(c) && inner.len() > 1 => {
                latex_name(&NameParts::split(inner)).trim_end().to_string()
            }
            _ => inner
                .chars()
                .map(|c| greek_latex(c).map(|g| format!("{g} ")).unwrap_or(c.to_string()))
                .collect::<String>()
                .trim_end()
                .to_string(),
        };
        if !sub.is_empty() {
            sub.push(',');
        }
        sub.push_str(&rendered);
    }
    if !sub.is_empty() {
        s = format!("{}_{{{sub}}}", s.trim_end());
    }
    s.push_str(&"'".repeat(parts.primes));
    s
}

fn unicode_name(parts: &NameParts) -> String {
    let mut s = parts.letter.to_string();
    s.push_str(&parts.digits);
    if let Some(sub) = &parts.subscript {
        if sub.contains('_') { s.push_str(&format!("_{{{sub}}}")) } else { s.push_str(&format!("_{sub}")) }
    }
    s.push_str(&"′".repeat(parts.primes));
    s
}

const SUPERSCRIPT: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/// `2` → `²`, `-1` → `⁻¹`; `None` for non-integers.
fn superscript(n: Number) -> Option<String> {
    let k = n.as_int()?;
    let mut s = if k < 0 { "⁻".to_string() } else { String::new() };
    s.extend(k.unsigned_abs().to_string().chars().map(|c| SUPERSCRIPT[c.to_digit(10).unwrap_or(0) as usize]));
    Some(s)
}

impl Renderer<'_> {
    pub fn name(&self, n: Name) -> String {
        if let Some(alias) = self.aliases.get(&n) {
            return alias.clone();
        }
        match self.style {
            Style::Latex => latex_name(&n.parts()).trim_end().to_string(),
            Style::Unicode => unicode_name(&n.parts()),
        }
    }

    pub fn dim(&self, d: &Dim) -> String {
        let name = |n: Name| self.name(n);
        match self.style {
            Style::Latex => d.render(name, " ", |e| format!("^{{{e}}}")),
            Style::Unicode => d.render(name, "", |e| superscript(Number::int(e as i64)).unwrap_or_default()),
        }
    }

    fn number(&self, n: Number) -> Piece {
        let n = if n.is_negative() { n.checked_neg().unwrap_or(n) } else { n };
        match (self.style, n) {
            (Style::Latex, Number::Rat(p, q)) if q != 1 => Piece::atom(format!("\\frac{{{p}}}{{{q}}}")),
            (Style::Unicode, Number::Rat(1, q)) if (2..=4).contains(&q) => {
                Piece::atom(["½", "⅓", "¼"][q as usize - 2].to_string())
            }
            (Style::Unicode, Number::Rat(p, q)) if q != 1 => Piece::with(RcDoc::text(format!("{p}/{q}")), Prec::Product),
            _ => Piece::atom(n.to_string()),
        }
    }

    fn word(&self, latex: &str, unicode: &str) -> String {
        match self.style {
            Style::Latex => latex.to_string(),
            Style::Unicode => unicode.to_string(),
        }
    }

    fn op(&self, latex: &'static str, unicode: &'static str) -> &'static str {
        match self.style {
            Style::Latex => latex,
            Style::Unicode => unicode,
        }
    }

    /// Parentheses; in LaTeX sized to their content (`\left( … \right)`)
    /// only around fractions, which are taller than a line.
    fn parens(&self, doc: Doc) -> Doc {
        let tall = self.style == Style::Latex && doc.pretty(usize::MAX).to_string().contains("\\frac");
        if tall {
            RcDoc::text("\\left(").append(doc).append(RcDoc::text("\\right)"))
        } else {
            RcDoc::text("(").append(doc).append(RcDoc::text(")"))
        }
    }

    /// `p`, parenthesized if it binds looser than `at_least`.
    fn wrap(&self, p: Piece, at_least: Prec) -> Piece {
        if p.prec >= at_least { p } else { Piece::with(self.parens(p.doc), Prec::Atom) }
    }

    /// `f(arg)`, with `f` a word.
    fn call(&self, latex: &str, unicode: &str, arg: Id) -> Piece {
        let inner = match self.g.node(arg) {
            // nothing around says the size: tr(I_n)
            Math::Const(c @ Constant::Identity(_)) => self.constant(c, true).doc,
            _ => self.render(arg).doc,
        };
        let name = self.word(latex, unicode);
        let word_start = name.chars().count() > 1 || self.style == Style::Latex;
        Piece {
            doc: RcDoc::text(name).append(self.parens(inner)),
            prec: Prec::Atom,
            word_start,
            alnum_start: true,
            spaced_end: false,
        }
    }

    fn superscript(&self, base: Piece, latex: String, unicode: String) -> Piece {
        let base = self.wrap(base, Prec::Atom);
        let sup = match self.style {
            Style::Latex => format!("^{{{latex}}}"),
            Style::Unicode => unicode,
        };
        Piece {
            doc: base.doc.append(RcDoc::text(sup)),
            prec: Prec::Postfix,
            word_start: base.word_start,
            alnum_start: base.alnum_start,
            spaced_end: false,
        }
    }

    /// A constant; identities carry their size only where it is not evident,
    /// in Kronecker products (`I_p ⊗ W`) and as arguments (`tr(I_n)`); zero
    /// matrices always.
    fn constant(&self, c: &Constant, sized: bool) -> Piece {
        match c {
            Constant::Identity(_) if !sized => Piece::atom("I".into()),
            Constant::Identity(n) => match self.style {
                Style::Latex => Piece::atom(format!("I_{{{}}}", self.dim(n))),
                Style::Unicode => Piece::atom(format!("I_{}", self.dim(n))),
            },
            Constant::Ones(_) => Piece::atom(self.word("\\mathbf{1}", "𝟙")),
            // a zero matrix says its shape: `∂f/∂A = 0_{n×n}` (the gradient
            // of a variable the function does not use)
            Constant::Zero(s) => {
                let size = if s.is_column() {
                    self.dim(&s.rows)
                } else {
                    format!("{}{}{}", self.dim(&s.rows), self.op(" \\times ", "×"), self.dim(&s.cols))
                };
                Piece::atom(match self.style {
                    Style::Latex => format!("\\mathbf{{0}}_{{{size}}}"),
                    Style::Unicode if size.chars().count() == 1 => format!("0_{size}"),
                    Style::Unicode => format!("0_{{{size}}}"),
                })
            }
            Constant::Commutation(m, n) => Piece::atom(format!("K_{{{},{}}}", self.dim(m), self.dim(n))),
            // a size is written by its name; a product of sizes (`mn`) is a product
            Constant::Size(n) if n.as_name().is_some() => Piece::atom(self.dim(n)),
            Constant::Size(n) => Piece::with(RcDoc::text(self.dim(n)), Prec::Product),
        }
    }

    /// The juxtaposition of factors, spaced where text would run together
    /// (`W_1 x`, `U Diag(s)`) and nowhere else (`2Aᵀ(Ax − b)`).
    fn juxtapose(&self, factors: Vec<Piece>) -> Doc {
        let mut parts = Vec::with_capacity(2 * factors.len());
        let mut prev: Option<(bool, bool)> = None; // (spaced end, word)
        for f in factors {
            if let Some((spaced_end, word)) = prev {
                let space = match self.style {
                    Style::Latex => true,
                    Style::Unicode => f.word_start || (word && f.alnum_start) || (spaced_end && f.alnum_start),
                };
                if space {
                    parts.push(RcDoc::text(" "));
                }
            }
            prev = Some((f.spaced_end, f.word_start));
            parts.push(f.doc);
        }
        concat(parts)
    }

    /// The factors of a product, left to right. In a product that is not a
    /// scalar, a scalar sub-product stays one factor (written `(𝟙ᵀp)q`: as
    /// `𝟙ᵀpq` it would read as a chain that does not exist).
    fn product_factors(&self, id: Id) -> Vec<Id> {
        let whole_scalar = self.g.is_scalar(id);
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(t) = stack.pop() {
            match *self.g.node(t) {
                Math::Mul([a, b]) if t == id || whole_scalar || !self.g.is_scalar(t) => {
                    stack.push(b);
                    stack.push(a);
                }
                _ => out.push(t),
            }
        }
        out
    }

    /// Splits a product into its numeric coefficient and its other factors.
    /// (A number in front of a scalar factor counts too: −(qᵀdθ)q.)
    fn coefficient(&self, id: Id) -> (Number, Vec<Id>) {
        let mut c = Number::ONE;
        let mut rest = Vec::new();
        for f in self.product_factors(id) {
            let (n, f) = match *self.g.node(f) {
                Math::Mul([k, x]) if self.g.is_scalar(f) => match self.g.num_value(k) {
                    Some(n) => (n, Some(x)),
                    None => (Number::ONE, Some(f)),
                },
                _ => match self.g.num_value(f) {
                    Some(n) => (n, None),
                    None => (Number::ONE, Some(f)),
                },
            };
            match c.checked_mul(n) {
                Some(p) => c = p,
                None => rest.push(f.unwrap_or(id)),
            }
            rest.extend(f);
        }
        (c, rest)
    }

    /// A sum; `breaks` allows line breaks before its terms (top level only:
    /// LaTeX cannot break inside `\left( … \right)`).
    pub fn sum(&self, id: Id, breaks: bool) -> Piece {
        let terms = self.g.summands(id);
        let sep = |sign: &str| -> Doc {
            let flat = RcDoc::text(format!(" {sign} "));
            if !breaks {
                return flat;
            }
            let broken = match self.style {
                Style::Latex => RcDoc::text(" \\\\").append(RcDoc::hardline()).append(RcDoc::text(format!("&\\quad {sign} "))),
                Style::Unicode => RcDoc::hardline().append(RcDoc::text(format!("    {sign} "))),
            };
            broken.flat_alt(flat)
        };
        let minus = self.op("-", "−");
        let mut parts = Vec::with_capacity(2 * terms.len());
        for (i, &t) in terms.iter().enumerate() {
            let (c, rest) = self.coefficient(t);
            let negative = c.is_negative();
            let magnitude = if negative { c.checked_neg().unwrap_or(c) } else { c };
            let body = self.product_of(magnitude, &rest);
            // after a minus, a sum needs its parentheses: a − (b + c); a
            // Frobenius product binds tighter than `−` and needs none
            let body = self.wrap(body, if negative { Prec::Frob } else { Prec::Sum }).doc;
            match (i, negative) {
                (0, false) => {}
                (0, true) => parts.push(RcDoc::text(minus)),
                (_, false) => parts.push(sep("+")),
                (_, true) => parts.push(sep(minus)),
            }
            parts.push(body);
        }
        Piece::with(concat(parts).group(), Prec::Sum)
    }

    /// `c` times the `factors` (nonnegative `c`), the coefficient in front
    /// (`½(…)`, `2Aᵀx`) and scalar inverses as a fraction (`x/‖x‖`).
    fn product_of(&self, c: Number, factors: &[Id]) -> Piece {
        let is_reciprocal = |f: Id| matches!(*self.g.node(f), Math::Pow([b, k]) if self.g.is_scalar(b) && self.g.num_value(k) == Some(Number::MINUS_ONE));
        let (den, num): (Vec<Id>, Vec<Id>) = factors.iter().partition(|&&f| is_reciprocal(f));
        if factors.len() == 1 && c.is_one() {
            return self.render(factors[0]);
        }
        let mut top: Vec<Piece> = Vec::new();
        if !c.is_one() || num.is_empty() {
            top.push(self.number(c));
        }
        top.extend(num.iter().map(|&f| self.wrap(self.render(f), Prec::Neg)));
        if den.is_empty() {
            return Piece::with(self.juxtapose(top), Prec::Product);
        }
        let bottom: Vec<Piece> = den
            .iter()
            .map(|&f| match *self.g.node(f) {
                Math::Pow([b, _]) => self.wrap(self.render(b), Prec::Neg),
                _ => unreachable!("a reciprocal"),
            })
            .collect();
        let doc = match self.style {
            Style::Latex => {
                RcDoc::text("\\frac{").append(self.juxtapose(top)).append("}{").append(self.juxtapose(bottom)).append("}")
            }
            Style::Unicode => {
                let many = top.len() > 1;
                let top = if many { self.parens(self.juxtapose(top)) } else { self.juxtapose(top) };
                let bottom = if den.len() > 1 { self.parens(self.juxtapose(bottom)) } else { self.juxtapose(bottom) };
                top.append("/").append(bottom)
            }
        };
        Piece::with(doc, if self.style == Style::Latex { Prec::Atom } else { Prec::Product })
    }

    fn product(&self, id: Id) -> Piece {
        let (c, rest) = self.coefficient(id);
        if rest.is_empty() {
            let p = self.number(c);
            return if c.is_negative() { Piece::with(RcDoc::text(self.op("-", "−")).append(p.doc), Prec::Neg) } else { p };
        }
        if c.is_negative() {
            let body = self.product_of(c.checked_neg().unwrap_or(c), &rest);
            let body = self.wrap(body, Prec::Product);
            return Piece::with(RcDoc::text(self.op("-", "−")).append(body.doc), Prec::Neg);
        }
        self.product_of(c, &rest)
    }

    fn hadamard(&self, id: Id) -> Piece {
        let ids = self.g.operands(id, |n| match n {
            Math::Had(ab) => Some(*ab),
            _ => None,
        });
        let mut parts = Vec::with_capacity(2 * ids.len());
        for (i, &f) in ids.iter().enumerate() {
            let (op, operand) = match *self.g.node(f) {
                Math::EPow([b, k]) if i > 0 && self.g.num_value(k) == Some(Number::MINUS_ONE) => (self.op("\\oslash", "⊘"), b),
                _ => (self.op("\\circ", "∘"), f),
            };
            if i > 0 {
                parts.push(RcDoc::text(format!(" {op} ")));
            }
            parts.push(self.wrap(self.render(operand), Prec::Product).doc);
        }
        Piece::with(concat(parts), Prec::Had)
    }

    /// Renders `id`.
    pub fn render(&self, id: Id) -> Piece {
        let g = self.g;
        match g.node(id) {
            Math::Sym(n) => Piece::atom(self.name(*n)),
            Math::Num(n) => {
                let p = self.number(*n);
                if n.is_negative() { Piece::with(RcDoc::text(self.op("-", "−")).append(p.doc), Prec::Neg) } else { p }
            }
            Math::Fun(f) => Piece::atom(f.to_string()),
            Math::Const(c) => self.constant(c, false),
            Math::Add(_) => self.sum(id, false),
            Math::Mul(_) => self.product(id),
            Math::Had(_) => self.hadamard(id),
            Math::Kron([a, b]) => {
                let operand = |x: Id| match g.node(x) {
                    // identities in Kronecker products keep their size: I_p ⊗ W
                    Math::Const(c @ Constant::Identity(_)) => self.constant(c, true),
                    _ => self.wrap(self.render(x), Prec::Had),
                };
                let doc = operand(*a).doc.append(RcDoc::text(format!(" {} ", self.op("\\otimes", "⊗")))).append(operand(*b).doc);
                Piece::with(doc, Prec::Kron)
            }
            Math::Frob([a, b]) => {
                let a = self.wrap(self.render(*a), Prec::Kron);
                let b = self.wrap(self.render(*b), Prec::Kron);
                Piece::with(a.doc.append(RcDoc::text(format!(" {} ", self.op("\\mathbin{:}", ":")))).append(b.doc), Prec::Frob)
            }
            Math::Trans(a) => match *g.node(*a) {
                Math::Pow([b, k]) if g.num_value(k) == Some(Number::MINUS_ONE) => {
                    self.superscript(self.render(b), "-\\top".into(), "⁻ᵀ".into())
                }
                _ => self.superscript(self.render(*a), "\\top".into(), "ᵀ".into()),
            },
            Math::Pow([a, k]) if g.num_value(*k) == Some(Number::MINUS_ONE) && matches!(g.node(*a), Math::Trans(_)) => {
                let Math::Trans(b) = *g.node(*a) else { unreachable!() };
                self.superscript(self.render(b), "-\\top".into(), "⁻ᵀ".into())
            }
            Math::Pow([a, k]) => {
                let k = g.num_value(*k).expect("numeric exponent");
                let base = self.render(*a);
                match superscript(k) {
                    Some(u) => self.superscript(base, k.to_string(), u),
                    None => self.superscript(base, k.to_string(), format!("^({k})")),
                }
            }
            Math::EPow([a, k]) => {
                let k = g.num_value(*k).expect("numeric exponent");
                let base = self.render(*a);
                // Unicode has no superscript ∘: a square is written A ∘ A
                if self.style == Style::Unicode && k == Number::int(2) && base.prec == Prec::Atom {
                    let again = self.render(*a).doc;
                    return Piece::with(base.doc.append(RcDoc::text(" ∘ ")).append(again), Prec::Had);
                }
                self.superscript(base, format!("\\circ {k}"), format!("^∘{k}"))
            }
            Math::Map([f, a]) => {
                let Math::Fun(f) = g.node(*f) else { unreachable!("map of a non-function") };
                let (latex, unicode) = match f {
                    Func::Sigmoid => ("\\sigma", "σ"),
                    Func::Tanh => ("\\tanh", "tanh"),
                    Func::Exp => ("\\exp", "exp"),
                    Func::Log => ("\\log", "log"),
                    Func::Sqrt => ("\\operatorname{sqrt}", "sqrt"),
                    Func::Softplus => ("\\operatorname{softplus}", "softplus"),
                    Func::Relu => ("\\operatorname{relu}", "relu"),
                    Func::Sin => ("\\sin", "sin"),
                    Func::Cos => ("\\cos", "cos"),
                    Func::Abs => ("\\operatorname{abs}", "abs"),
                    Func::Step => ("\\operatorname{step}", "step"),
                    Func::Sign => ("\\operatorname{sign}", "sign"),
                };
                self.call(latex, unicode, *a)
            }
            Math::Softmax(a) => self.call("\\operatorname{softmax}", "softmax", *a),
            Math::Lse(a) => self.call("\\operatorname{logsumexp}", "logsumexp", *a),
            Math::Sum(a) => self.call("\\operatorname{sum}", "sum", *a),
            Math::Tr(a) => self.call("\\operatorname{tr}", "tr", *a),
            Math::Det(a) => self.call("\\det", "det", *a),
            Math::Logdet(a) => self.call("\\log\\det", "log det", *a),
            Math::DiagM(a) => match g.node(*a) {
                Math::Sym(s) if self.diag_names.contains_key(s) => Piece::atom(self.name(self.diag_names[s])),
                _ => self.call("\\operatorname{Diag}", "Diag", *a),
            },
            Math::DiagV(a) => self.call("\\operatorname{diag}", "diag", *a),
            Math::Vec(a) => self.call("\\operatorname{vec}", "vec", *a),
            Math::Unvec([v, _]) => self.call("\\operatorname{unvec}", "unvec", *v),
            Math::Norm(a) => {
                let inner = self.render(*a).doc;
                let matrix = !g.shape(*a).cols.is_one() && !g.shape(*a).rows.is_one();
                let (open, close) = match self.style {
                    Style::Latex => ("\\left\\lVert ", "\\right\\rVert"),
                    Style::Unicode => ("‖", "‖"),
                };
                let sub = if matrix { "_F" } else { "" };
                Piece::with(RcDoc::text(open).append(inner).append(RcDoc::text(close)).append(RcDoc::text(sub)), Prec::Atom)
            }
            Math::Diff(s) => {
                let name = self.render(*s).doc;
                let d = self.word("\\mathrm{d}", "d");
                // dW x, not dWx
                Piece {
                    doc: RcDoc::text(d).append(name),
                    prec: Prec::Atom,
                    word_start: false,
                    alnum_start: true,
                    spaced_end: true,
                }
            }
        }
    }

    /// `id` as a top-level formula, breaking a long sum across lines.
    pub fn formula(&self, id: Id) -> Doc {
        match self.g.node(id) {
            Math::Add(_) => self.sum(id, true).doc,
            _ => self.render(id).doc,
        }
    }
}

/// The concatenation of `parts` as a balanced tree: appending one by one
/// nests the document as deep as the list is long, and dropping it (a
/// recursion in `pretty`) would overflow the stack for a sum of 20 000
/// terms; balanced, it is as deep as the logarithm.
fn concat(mut parts: Vec<Doc>) -> Doc {
    while parts.len() > 1 {
        let mut paired = Vec::with_capacity(parts.len().div_ceil(2));
        let mut it = parts.into_iter();
        while let Some(a) = it.next() {
            paired.push(match it.next() {
                Some(b) => a.append(b),
                None => a,
            });
        }
        parts = paired;
    }
    parts.pop().unwrap_or_else(RcDoc::nil)
}
