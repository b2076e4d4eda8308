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
use crate::syntax::ops::Level;

pub type Doc = RcDoc<'static, ()>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Latex,
    Unicode,
}

pub struct Piece {
    pub doc: Doc,
    pub prec: Level,
    /// Starts with a word (`Diag(`, `tr(`): juxtaposed, it wants a space.
    pub word_start: bool,
    /// Starts with a letter or digit (not a bracket).
    pub alnum_start: bool,
    /// Ends with a subscript or digits (`W_1`, `W1`): a letter right after
    /// would read as part of it.
    pub spaced_end: bool,
    /// A variable that spells a function (`σ`): a bracket right after it
    /// would read as a call.
    pub function_name: bool,
}

impl Piece {
    fn atom(text: String) -> Piece {
        let starts_letter = text.starts_with(char::is_alphabetic);
        let spaced_end = text.contains('_') || (starts_letter && text.ends_with(|c: char| c.is_ascii_digit()));
        let alnum_start = text.starts_with(char::is_alphanumeric) || text.starts_with('\\');
        Piece { doc: RcDoc::text(text), prec: Level::Atom, word_start: false, alnum_start, spaced_end, function_name: false }
    }
    fn with(doc: Doc, prec: Level) -> Piece {
        Piece { doc, prec, word_start: false, alnum_start: false, spaced_end: false, function_name: false }
    }
}

/// A scalar factor of a product: one node, or a chain of matrices whose
/// product is 1×1 (`xᵀAx`).
enum Item {
    One(Id),
    /// A number too large to join the coefficient.
    Number(Number),
    Chain(Vec<Id>),
}

/// A product taken apart by [`Renderer::gather`].
struct Items {
    coef: Number,
    scalars: Vec<Item>,
    factors: Vec<Id>,
}

impl Items {
    fn new() -> Items {
        Items { coef: Number::ONE, scalars: Vec::new(), factors: Vec::new() }
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

/// The accent of a name made from an accented letter (`\hat{y}` is
/// `y_{hat}`, `\hat{y}_1` is `y_{hat_1}`), and the subscript after it.
fn accent(parts: &NameParts) -> Option<(&'static str, Option<String>)> {
    let sub = parts.subscript.as_deref()?;
    crate::syntax::latex::ACCENTS.iter().find_map(|&(_, word)| match sub.strip_prefix(word)? {
        "" => Some((word, None)),
        rest => rest.strip_prefix('_').map(|r| (word, Some(r.to_string()))),
    })
}

fn latex_name(parts: &NameParts) -> String {
    let letter = match greek_latex(parts.letter) {
        Some(g) => format!("{g} "),
        None => parts.letter.to_string(),
    };
    // `\hat{y}_{1}`, as typed
    let (mut s, subscript) = match accent(parts) {
        Some((word, rest)) => (format!("\\{word}{{{}}}", letter.trim_end()), rest),
        None => (letter, parts.subscript.clone()),
    };
    let mut sub = parts.digits.clone();
    if let Some(inner) = &subscript {
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
    // `W_12`, `y_{hat}` (for `ŷ`, `\hat{y}`), `y_{hat_1}`: braced where the
    // subscript is more than a letter and its digits, so that it reads back
    // as one name; ASCII, not the seeds' `W₁₂` or `ŷ` (which the lexer reads
    // too), because readers of the text, and roundtrip.py, find names by
    // their ASCII spelling
    if let Some(sub) = &parts.subscript {
        let plain = sub.chars().next().is_some_and(|c| c.is_ascii_digit() || crate::name::is_name_letter(c))
            && sub.chars().skip(1).all(|c| c.is_ascii_digit());
        if plain { s.push_str(&format!("_{sub}")) } else { s.push_str(&format!("_{{{sub}}}")) }
    }
    // `b'`, as typed and as the parser reads it (it refuses `′`)
    s.push_str(&"'".repeat(parts.primes));
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
            (Style::Unicode, Number::Rat(p, q)) if q != 1 => Piece::with(RcDoc::text(format!("{p}/{q}")), Level::Product),
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
    fn wrap(&self, p: Piece, at_least: Level) -> Piece {
        if p.prec >= at_least { p } else { Piece::with(self.parens(p.doc), Level::Atom) }
    }

    /// `f(arg)`, with `f` a word.
    fn call(&self, latex: &str, unicode: &str, arg: Id) -> Piece {
        let inner = match self.g.node(arg) {
            // nothing around says the size: tr(I_n), sum(𝟙_n)
            Math::Const(c @ (Constant::Identity(_) | Constant::Ones(_))) => self.constant(c, true).doc,
            _ => self.render(arg).doc,
        };
        let name = self.word(latex, unicode);
        let word_start = name.chars().count() > 1 || self.style == Style::Latex;
        Piece {
            doc: RcDoc::text(name).append(self.parens(inner)),
            prec: Level::Atom,
            word_start,
            alnum_start: true,
            spaced_end: false,
            function_name: false,
        }
    }

    fn superscript(&self, base: Piece, latex: String, unicode: String) -> Piece {
        let base = self.wrap(base, Level::Atom);
        let sup = match self.style {
            Style::Latex => format!("^{{{latex}}}"),
            Style::Unicode => unicode,
        };
        Piece {
            doc: base.doc.append(RcDoc::text(sup)),
            prec: Level::Postfix,
            word_start: base.word_start,
            alnum_start: base.alnum_start,
            spaced_end: false,
            function_name: false,
        }
    }

    /// A constant; identities and ones carry their size only where it is
    /// not evident, in Kronecker products (`I_p ⊗ W`, `𝟙_q ⊗ I_n`) and as
    /// arguments (`tr(I_n)`); zero matrices always.
    fn constant(&self, c: &Constant, sized: bool) -> Piece {
        match c {
            Constant::Identity(_) if !sized => Piece::atom("I".into()),
            Constant::Ones(_) if !sized => Piece::atom(self.word("\\mathbf{1}", "𝟙")),
            Constant::Identity(n) | Constant::Ones(n) => {
                let letter = match (c, self.style) {
                    (Constant::Identity(_), _) => "I",
                    (_, Style::Latex) => "\\mathbf{1}",
                    (_, Style::Unicode) => "𝟙",
                };
                let size = self.dim(n);
                // one character needs no braces: I_n, 𝟙_p; I_{mn}, I_{d_1}
                Piece::atom(match self.style {
                    Style::Unicode if size.chars().count() == 1 => format!("{letter}_{size}"),
                    _ => format!("{letter}_{{{size}}}"),
                })
            }
            // a zero matrix says its shape: `∂f/∂A = 0_{n×n}` (the gradient
            // of a variable the function does not use)
            Constant::Zero(s) => {
                let size = if s.is_column() {
                    self.dim(&s.rows)
                } else {
                    format!("{}{}{}", self.dim(&s.rows), self.op(" \\times ", "×"), self.dim(&s.cols))
                };
                let zero = Piece::atom(match self.style {
                    Style::Latex => format!("\\mathbf{{0}}_{{{size}}}"),
                    Style::Unicode if size.chars().count() == 1 => format!("0_{size}"),
                    Style::Unicode => format!("0_{{{size}}}"),
                });
                // spaced from a name before it: `α 0_n`, never the name `α0`
                Piece { word_start: true, ..zero }
            }
            Constant::Commutation(m, n) => Piece::atom(format!("K_{{{},{}}}", self.dim(m), self.dim(n))),
            // a size is written by its name; a product of sizes (`mn`) is a product
            Constant::Size(n) if n.as_name().is_some() => Piece::atom(self.dim(n)),
            Constant::Size(n) => Piece::with(RcDoc::text(self.dim(n)), Level::Product),
        }
    }

    /// The juxtaposition of factors, spaced where text would run together
    /// (`W_1 x`, `U Diag(s)`) and nowhere else (`2Aᵀ(Ax − b)`).
    fn juxtapose(&self, factors: Vec<Piece>) -> Doc {
        let mut parts = Vec::with_capacity(2 * factors.len());
        let mut prev: Option<(bool, bool, bool)> = None; // (spaced end, word, function name)
        for f in factors {
            if let Some((_, _, true)) = prev
                && !f.alnum_start
            {
                // σ·(…): the variable σ times a bracket, not the function σ
                parts.push(RcDoc::text(self.op(" \\cdot ", "·")));
            } else if let Some((spaced_end, word, _)) = prev {
                let space = match self.style {
                    Style::Latex => true,
                    Style::Unicode => f.word_start || (word && f.alnum_start) || (spaced_end && f.alnum_start),
                };
                if space {
                    parts.push(RcDoc::text(" "));
                }
            }
            prev = Some((f.spaced_end, f.word_start, f.function_name));
            parts.push(f.doc);
        }
        concat(parts)
    }

    /// A sum; `breaks` allows line breaks before its terms (top level only:
    /// LaTeX cannot break inside `\left( … \right)`). A negative term is
    /// written `a − b`, never `a + −b`.
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
            let (negative, body) = self.signed(t);
            // after a minus, a sum needs its parentheses: a − (b + c)
            let body = self.wrap(body, if negative { Level::Sum.tighter() } else { Level::Sum }).doc;
            match (i, negative) {
                (0, false) => {}
                (0, true) => parts.push(RcDoc::text(minus)),
                (_, false) => parts.push(sep("+")),
                (_, true) => parts.push(sep(minus)),
            }
            parts.push(body);
        }
        Piece::with(concat(parts).group(), Level::Sum)
    }

    /// The parts of the product `root`, flattened: its numeric coefficient,
    /// its scalar factors and its matrix factors (in order). Products of
    /// scalars are flattened into scalar factors; a scalar that is a chain
    /// of matrices (`xᵀAx`) inside a larger product is one [`Item::Chain`],
    /// so that it is printed in brackets (`(xᵀAx)x`: as `xᵀAxx` it would
    /// read as a chain that does not exist).
    fn gather(&self, root: Id, out: &mut Items) {
        let g = self.g;
        let mut stack = vec![root];
        while let Some(t) = stack.pop() {
            match *g.node(t) {
                Math::Num(n) => match out.coef.checked_mul(n) {
                    Some(c) => out.coef = c,
                    None => out.scalars.push(Item::Number(n)),
                },
                Math::Mul([a, b]) if t == root || !g.is_scalar(t) || (g.is_scalar(a) && g.is_scalar(b)) => {
                    stack.push(b);
                    stack.push(a);
                }
                Math::Mul(_) => {
                    let mut chain = Items::new();
                    self.gather(t, &mut chain);
                    match out.coef.checked_mul(chain.coef) {
                        Some(c) => out.coef = c,
                        None => out.scalars.push(Item::Number(chain.coef)),
                    }
                    out.scalars.extend(chain.scalars);
                    match chain.factors.as_slice() {
                        [] => {}
                        [one] => out.scalars.push(Item::One(*one)),
                        _ => out.scalars.push(Item::Chain(chain.factors)),
                    }
                }
                _ if g.is_scalar(t) => out.scalars.push(Item::One(t)),
                _ => out.factors.push(t),
            }
        }
    }

    /// A product as a sign and a magnitude: the numeric coefficient in
    /// front (with every minus sign of its factors: `−4α(xᵀx)⁻³x`), then
    /// the scalar factors, then the matrix factors; scalar inverses as a
    /// fraction (`x/‖x‖`).
    ///
    /// `sized`: identity and ones factors say their size (`αI_n`, `x𝟙_qᵀ`),
    /// where nothing around fixes it (an operand of `⊗`).
    fn product(&self, id: Id, sized: bool) -> (bool, Piece) {
        let mut items = Items::new();
        self.gather(id, &mut items);
        let negative = std::cell::Cell::new(items.coef.is_negative());
        let coef = if negative.get() { items.coef.checked_neg().unwrap_or(items.coef) } else { items.coef };
        let is_reciprocal = |f: Id| matches!(*self.g.node(f), Math::Pow([b, k]) if self.g.is_scalar(b) && self.g.num_value(k) == Some(Number::MINUS_ONE));
        // each factor's own sign joins the product's
        let factor = |f: Id| {
            let (neg, p) = self.signed(f);
            negative.set(negative.get() ^ neg);
            p
        };
        let mut bottom: Vec<Piece> = Vec::new();
        let mut ones: Vec<Piece> = Vec::new();
        let mut chains: Vec<Vec<Piece>> = Vec::new();
        for item in &items.scalars {
            match item {
                Item::One(f) if is_reciprocal(*f) => {
                    let Math::Pow([b, _]) = *self.g.node(*f) else { unreachable!("a reciprocal") };
                    bottom.push(factor(b));
                }
                // a number the coefficient could not hold: bracketed, so
                // that it never runs into another number
                Item::Number(n) => {
                    negative.set(negative.get() ^ n.is_negative());
                    ones.push(Piece::with(self.parens(self.number(*n).doc), Level::Atom));
                }
                Item::One(f) => ones.push(factor(*f)),
                Item::Chain(fs) => chains.push(fs.iter().map(|&f| self.wrap(factor(f), Level::Postfix)).collect()),
            }
        }
        let matrices: Vec<Piece> = items
            .factors
            .iter()
            .map(|&f| match self.sized_constant(f) {
                Some(p) if sized => p,
                _ => factor(f),
            })
            .collect();
        let mut top: Vec<Piece> = Vec::new();
        let bare_chain = matrices.is_empty() && chains.len() == 1 && ones.is_empty();
        if !coef.is_one() || (ones.is_empty() && chains.is_empty() && matrices.is_empty()) {
            top.push(self.number(coef));
        }
        top.extend(ones);
        for chain in chains {
            let doc = self.juxtapose(chain);
            top.push(if bare_chain { Piece::with(doc, Level::Product) } else { Piece::with(self.parens(doc), Level::Atom) });
        }
        top.extend(matrices);
        if bottom.is_empty() && top.len() == 1 {
            return (negative.get(), top.pop().expect("one factor"));
        }
        // juxtaposed, each factor binds tighter than a product (but a lone
        // 1×1 chain at the end needs no brackets: 2xᵀAx); alone in a LaTeX
        // fraction's part, nothing needs brackets
        let bottom_empty = bottom.is_empty();
        let juxtaposed = |pieces: Vec<Piece>, is_top: bool| -> Vec<Piece> {
            let (n, latex_alone) = (pieces.len(), self.style == Style::Latex && pieces.len() == 1 && !bottom_empty);
            // the bare chain is the numerator's: a denominator that is a product keeps its brackets (xᵀy/(‖x‖‖y‖))
            let bare_chain = bare_chain && is_top;
            pieces
                .into_iter()
                .enumerate()
                .map(|(i, p)| {
                    if latex_alone || (bare_chain && i + 1 == n && p.prec == Level::Product) {
                        p
                    } else {
                        self.wrap(p, Level::Postfix)
                    }
                })
                .collect()
        };
        let top = juxtaposed(top, true);
        let bottom = juxtaposed(bottom, false);
        if bottom.is_empty() {
            return (negative.get(), Piece::with(self.juxtapose(top), Level::Product));
        }
        let doc = match self.style {
            Style::Latex => {
                RcDoc::text("\\frac{").append(self.juxtapose(top)).append("}{").append(self.juxtapose(bottom)).append("}")
            }
            Style::Unicode => {
                let top = if top.len() > 1 { self.parens(self.juxtapose(top)) } else { self.juxtapose(top) };
                let bottom = if bottom.len() > 1 { self.parens(self.juxtapose(bottom)) } else { self.juxtapose(bottom) };
                top.append("/").append(bottom)
            }
        };
        (negative.get(), Piece::with(doc, if self.style == Style::Latex { Level::Atom } else { Level::Product }))
    }

    /// A Hadamard chain as a sign and a magnitude (`−a ∘ b`, never `a ∘ −b`).
    fn hadamard(&self, id: Id) -> (bool, Piece) {
        let ids = self.g.operands(id, |n| match n {
            Math::Had(ab) => Some(*ab),
            _ => None,
        });
        let mut negative = false;
        let mut parts = Vec::with_capacity(2 * ids.len());
        for (i, &f) in ids.iter().enumerate() {
            let (op, operand) = match *self.g.node(f) {
                Math::EPow([b, k]) if i > 0 && self.g.num_value(k) == Some(Number::MINUS_ONE) => (self.op("\\oslash", "⊘"), b),
                _ => (self.op("\\circ", "∘"), f),
            };
            if i > 0 {
                parts.push(RcDoc::text(format!(" {op} ")));
            }
            let (neg, p) = self.signed(operand);
            negative ^= neg;
            parts.push(self.wrap(p, Level::Hadamard.tighter()).doc);
        }
        (negative, Piece::with(concat(parts), Level::Hadamard))
    }

    /// An identity or ones vector (or its transpose) with its size
    /// (`I_n`, `𝟙_qᵀ`), for places where nothing around fixes it.
    fn sized_constant(&self, id: Id) -> Option<Piece> {
        match self.g.node(id) {
            Math::Const(c @ (Constant::Identity(_) | Constant::Ones(_))) => Some(self.constant(c, true)),
            Math::Trans(a) => match self.g.node(*a) {
                Math::Const(c @ (Constant::Identity(_) | Constant::Ones(_))) => {
                    Some(self.superscript(self.constant(c, true), "\\top".into(), "ᵀ".into()))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// `a op b` for a bilinear `op` (⊗, :), the operands' signs in front.
    fn bilinear(&self, a: Id, b: Id, level: Level, latex: &'static str, unicode: &'static str) -> (bool, Piece) {
        let operand = |x: Id| match self.g.node(x) {
            // identities and ones in Kronecker products keep their size:
            // I_p ⊗ W, 𝟙_q ⊗ I_n
            _ if level == Level::Kronecker && self.sized_constant(x).is_some() => {
                (false, self.sized_constant(x).expect("a constant"))
            }
            Math::Mul(_) if level == Level::Kronecker => {
                let (neg, p) = self.product(x, true);
                (neg, self.wrap(p, level.tighter()))
            }
            // (a sum is bracketed as an operand of `:` whichever way the
            // table ranks them: (s − y) : ds)
            _ => {
                let (neg, p) = self.signed(x);
                (neg, self.wrap(p, level.tighter().max(Level::Kronecker)))
            }
        };
        let ((na, pa), (nb, pb)) = (operand(a), operand(b));
        let doc = pa.doc.append(RcDoc::text(format!(" {} ", self.op(latex, unicode)))).append(pb.doc);
        (na ^ nb, Piece::with(doc, level))
    }

    /// `id` as a sign and a magnitude: minus signs inside products
    /// (matrix, scalar, Hadamard, Kronecker, Frobenius) and under a
    /// transpose move to the front, where a sum writes them as `−` and a
    /// formula as a leading `−`; never `+ −`, never a minus inside a product.
    fn signed(&self, id: Id) -> (bool, Piece) {
        let g = self.g;
        match *g.node(id) {
            Math::Num(n) => (n.is_negative(), self.number(n)),
            Math::Mul(_) => self.product(id, false),
            Math::Had(_) => self.hadamard(id),
            Math::Kron([a, b]) => self.bilinear(a, b, Level::Kronecker, "\\otimes", "⊗"),
            Math::Frob([a, b]) => self.bilinear(a, b, Level::Frobenius, "\\mathbin{:}", ":"),
            Math::Trans(a) if !matches!(*g.node(a), Math::Pow([_, k]) if g.num_value(k) == Some(Number::MINUS_ONE)) => {
                let (neg, p) = self.signed(a);
                (neg, self.superscript(p, "\\top".into(), "ᵀ".into()))
            }
            _ => (false, self.unsigned(id)),
        }
    }

    /// `−p`: binds like a negation, or looser if `p` does (`−a ⊗ b`); a
    /// sum in brackets (`−(a + b)`).
    fn negate(&self, p: Piece) -> Piece {
        let p = self.wrap(p, Level::Sum.tighter());
        let level = p.prec.min(Level::Negation);
        Piece::with(RcDoc::text(self.op("-", "−")).append(p.doc), level)
    }

    /// Renders `id`.
    pub fn render(&self, id: Id) -> Piece {
        let (negative, p) = self.signed(id);
        if negative { self.negate(p) } else { p }
    }

    /// Renders `id`, a node that carries no sign of its own.
    fn unsigned(&self, id: Id) -> Piece {
        let g = self.g;
        match g.node(id) {
            Math::Sym(n) => {
                let p = n.parts();
                let plain = p.digits.is_empty() && p.subscript.is_none() && p.primes == 0;
                Piece { function_name: plain && p.letter == 'σ', ..Piece::atom(self.name(*n)) }
            }
            Math::Fun(f) => Piece::atom(f.to_string()),
            Math::Const(c) => self.constant(c, false),
            Math::Add(_) => self.sum(id, false),
            // (rendered by `signed`, with their signs)
            Math::Num(_) | Math::Mul(_) | Math::Had(_) | Math::Kron(_) | Math::Frob(_) => self.render(id),
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
                    None => self.superscript(base, k.to_string(), format!("^({})", k.to_string().replace('-', "−"))),
                }
            }
            Math::EPow([a, k]) => {
                let k = g.num_value(*k).expect("numeric exponent");
                let base = self.render(*a);
                // Unicode has no superscript ∘: a square is written A ∘ A
                if self.style == Style::Unicode && k == Number::int(2) && base.prec == Level::Atom {
                    let again = self.render(*a).doc;
                    return Piece::with(base.doc.append(RcDoc::text(" ∘ ")).append(again), Level::Hadamard);
                }
                // x^∘2, x^∘−1 (a true minus), x^∘(3/2)
                let unicode = match k.as_int() {
                    Some(_) => format!("^∘{}", k.to_string().replace('-', "−")),
                    None => format!("^∘({})", k.to_string().replace('-', "−")),
                };
                self.superscript(base, format!("\\circ {k}"), unicode)
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
            // with its target shape: a length mn has more than one reading
            Math::Unvec([v, _]) => {
                let s = g.shape(id);
                let shape = format!("{}{}{}", self.dim(&s.rows), self.op(" \\times ", "×"), self.dim(&s.cols));
                let (latex, unicode) = (format!("\\operatorname{{unvec}}_{{{shape}}}"), format!("unvec_{{{shape}}}"));
                self.call(&latex, &unicode, *v)
            }
            Math::Norm(a) => {
                let inner = self.render(*a).doc;
                let matrix = !g.shape(*a).cols.is_one() && !g.shape(*a).rows.is_one();
                let (open, close) = match self.style {
                    Style::Latex => ("\\left\\lVert ", "\\right\\rVert"),
                    Style::Unicode => ("‖", "‖"),
                };
                let sub = if matrix { "_F" } else { "" };
                Piece::with(RcDoc::text(open).append(inner).append(RcDoc::text(close)).append(RcDoc::text(sub)), Level::Atom)
            }
            Math::Diff(s) => {
                let name = self.render(*s).doc;
                let d = self.word("\\mathrm{d}", "d");
                // dW x, not dWx
                Piece {
                    doc: RcDoc::text(d).append(name),
                    prec: Level::Atom,
                    word_start: false,
                    alnum_start: true,
                    spaced_end: true,
                    function_name: false,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Constant, NameInfo, NameKind, Props};
    use crate::shape::{Dim, Shape};

    #[test]
    fn a_zero_matrix_after_a_name_is_spaced_from_it() {
        let mut g = Graph::new();
        let alpha = Name::new("α");
        let info = NameInfo { shape: Shape::scalar(), props: Props::NONE, kind: NameKind::Variable, def: None, span: None };
        g.declare(alpha, info);
        let a = g.sym(alpha);
        let n = Dim::named(Name::new("n"));
        let zero = g.raw(Math::Const(Constant::Zero(Shape::new(n.clone(), n))));
        let product = g.raw(Math::Mul([a, zero]));
        let (diag_names, aliases) = (HashMap::new(), HashMap::new());
        let r = Renderer { g: &g, style: Style::Unicode, diag_names: &diag_names, aliases: &aliases };
        // `α0_{n×n}` would read back as a name `α0`
        assert_eq!(r.formula(product).pretty(80).to_string(), "α 0_{n×n}");
    }
}
