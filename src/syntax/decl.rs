//! Shapes in declarations: what follows `:` or `∈`, read from the text itself.
//!
//! Shapes have their own little language (`5x4` is five by four, `nxm` is n
//! by m, `\mathbb{R}^{m \times n}`), so they are parsed from the source
//! between the separator and the end of the statement rather than from the
//! expression tokens.
//!
//! Properties follow the shape after a comma (`Σ : n×n, spd`, `p : n,
//! probability`, several separated by commas); a property the shape cannot
//! have (`diagonal` on a non-square matrix, `probability` on a scalar) is
//! refused here, where both are in view.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{char, digit0, digit1, multispace0, satisfy};
use nom::combinator::{opt, recognize};
use nom::{IResult, Parser};

use crate::diagnostic::{Diagnostic, Span};
use crate::name::is_name_letter;
use crate::syntax::ast::{DimSpec, Property, ShapeSpec};
use crate::syntax::lexer::SUPERSCRIPT_DIGITS;

/// How the declaration was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclForm {
    /// `x : n`
    Colon,
    /// `x ∈ R^n`
    In,
}

/// Why a shape was refused, and whether it was at least a shape in form
/// (`x : 0` is; `x : y + z` is not, and may be an expression instead).
#[derive(Debug)]
pub struct ShapeError {
    pub diagnostic: Diagnostic,
    pub parsed: bool,
}

const SHAPE_HINT: &str = "a shape is `scalar`, a size (`n`, `3`) or `rows×cols` (`5×4`, `m x n`)";

/// The properties declared after a shape, each with its span.
pub type Properties = Vec<(Property, Span)>;

/// Parses `text`, which starts at byte `base` of the program: a shape, then
/// its properties if any.
pub fn parse_shape(text: &str, base: usize, form: DeclForm) -> Result<(ShapeSpec, Properties), ShapeError> {
    let mut cursor = Cursor { text, rest: text, base };
    let shape = match form {
        DeclForm::Colon => colon_shape(&mut cursor)?,
        DeclForm::In => set_shape(&mut cursor)?,
    };
    cursor.skip_spaces();
    if cursor.rest.is_empty() {
        return Ok((shape, Vec::new()));
    }
    if cursor.eat(|i| char(',').parse(i)).is_some() {
        let properties = properties(&mut cursor, &shape)?;
        return Ok((shape, properties));
    }
    let found = cursor.found();
    let error = if form == DeclForm::In && matches!(shape, ShapeSpec::Vector(_)) {
        Diagnostic::at(found.0, format!("unexpected {} after `R^…`", found.1)).hint("put a matrix shape in braces: `R^{m×n}`")
    } else if cross(cursor.rest).is_ok() {
        Diagnostic::at(found.0, "a shape has at most two dimensions").hint(SHAPE_HINT)
    } else {
        Diagnostic::at(found.0, format!("unexpected {} in a shape", found.1)).hint(SHAPE_HINT)
    };
    Err(ShapeError { diagnostic: error, parsed: false })
}

struct Cursor<'a> {
    text: &'a str,
    rest: &'a str,
    base: usize,
}

impl<'a> Cursor<'a> {
    fn pos(&self) -> usize {
        self.base + self.text.len() - self.rest.len()
    }
    fn skip_spaces(&mut self) {
        if let Ok((rest, _)) = multispace0::<&str, nom::error::Error<&str>>(self.rest) {
            self.rest = rest;
        }
    }
    /// Runs a nom parser, returning what it matched and its span.
    fn eat<O>(&mut self, parser: impl Fn(&'a str) -> IResult<&'a str, O>) -> Option<(O, Span)> {
        let start = self.pos();
        let (rest, out) = parser(self.rest).ok()?;
        self.rest = rest;
        Some((out, Span::new(start, self.pos())))
    }
    /// The next word of the text as a message quotes it, and its span.
    fn found(&self) -> (Span, String) {
        let start = self.pos();
        if self.rest.is_empty() {
            return (Span::new(start, start), "end of the statement".to_string());
        }
        let first = self.rest.chars().next().map_or(1, char::len_utf8);
        let len = self
            .rest
            .char_indices()
            .take(12)
            .take_while(|(_, c)| !c.is_whitespace())
            .last()
            .map_or(first, |(i, c)| i + c.len_utf8());
        (Span::new(start, start + len), format!("`{}`", &self.rest[..len]))
    }
    fn refuse(&self, message: String) -> ShapeError {
        let (span, _) = self.found();
        ShapeError { diagnostic: Diagnostic::at(span, message).hint(SHAPE_HINT), parsed: false }
    }
}

fn colon_shape(cursor: &mut Cursor) -> Result<ShapeSpec, ShapeError> {
    cursor.skip_spaces();
    if let Some((_, span)) = cursor.eat(|i| tag("scalar").parse(i)) {
        return Ok(ShapeSpec::Scalar(span));
    }
    dims(cursor, "expected a shape")
}

/// `R`, `ℝ`, `\mathbb{R}`, then nothing (a scalar), `^n` or `^{…}`.
fn set_shape(cursor: &mut Cursor) -> Result<ShapeSpec, ShapeError> {
    cursor.skip_spaces();
    let Some((_, reals_span)) = cursor.eat(reals) else {
        let (span, found) = cursor.found();
        let error = Diagnostic::at(span, format!("expected `R` or `ℝ` after `∈`, found {found}"))
            .hint("write `x ∈ R^n`, `W ∈ R^{m×n}` or `a ∈ R`");
        return Err(ShapeError { diagnostic: error, parsed: false });
    };
    cursor.skip_spaces();
    if cursor.eat(|i| char('^').parse(i)).is_none() {
        return Ok(ShapeSpec::Scalar(reals_span));
    }
    cursor.skip_spaces();
    let Some((_, open)) = cursor.eat(|i| char('{').parse(i)) else {
        return dim(cursor, "expected a size after `^`").map(ShapeSpec::Vector);
    };
    let shape = dims(cursor, "expected a shape after `{`")?;
    cursor.skip_spaces();
    if cursor.eat(|i| char('}').parse(i)).is_none() {
        let (span, found) = cursor.found();
        let error = if cursor.rest.is_empty() {
            Diagnostic::at(open, "unclosed `{`").label(span, "expected `}`")
        } else {
            Diagnostic::at(span, format!("expected `}}`, found {found}")).label(open, "to close this `{`")
        };
        return Err(ShapeError { diagnostic: error.hint(SHAPE_HINT), parsed: false });
    }
    Ok(shape)
}

const PROPERTY_HINT: &str = "the properties are `symmetric`, `spd`, `diagonal`, `positive` and `probability`, after the shape and a comma: `Σ : n×n, spd`";

/// `word (, word)*` to the end of the statement, each a property that
/// `shape` can have.
fn properties(cursor: &mut Cursor, shape: &ShapeSpec) -> Result<Properties, ShapeError> {
    let mut out = Vec::new();
    loop {
        cursor.skip_spaces();
        let refuse = |diagnostic: Diagnostic| ShapeError { diagnostic: diagnostic.hint(PROPERTY_HINT), parsed: true };
        let Some((word, span)) = cursor.eat(|i| take_while1(|c: char| c.is_alphanumeric() || c == '_').parse(i)) else {
            let (span, found) = cursor.found();
            return Err(refuse(Diagnostic::at(span, format!("expected a property, found {found}"))));
        };
        let Some(&(_, property)) = Property::SPELLINGS.iter().find(|(s, _)| *s == word) else {
            let chars: Vec<char> = word.chars().collect();
            let close = Property::SPELLINGS
                .iter()
                .map(|(s, _)| (crate::syntax::names::edit_distance(&chars, &s.chars().collect::<Vec<_>>()), *s))
                .min()
                .filter(|(d, _)| *d <= 2);
            let diagnostic = Diagnostic::at(span, format!("unknown property `{word}`"));
            return Err(match close {
                Some((_, s)) => {
                    ShapeError { diagnostic: diagnostic.hint(format!("did you mean `{s}`? {PROPERTY_HINT}")), parsed: true }
                }
                None => refuse(diagnostic),
            });
        };
        if let Some((why, hint)) = refused(property, shape) {
            let diagnostic = Diagnostic::at(span, format!("`{word}` {why}")).label(shape_span(shape), "declared here");
            return Err(ShapeError { diagnostic: diagnostic.hint(hint), parsed: true });
        }
        out.push((property, span));
        cursor.skip_spaces();
        if cursor.rest.is_empty() {
            return Ok(out);
        }
        if cursor.eat(|i| char(',').parse(i)).is_none() {
            let (span, found) = cursor.found();
            return Err(refuse(Diagnostic::at(span, format!("expected `,` or the end of the declaration, found {found}"))));
        }
    }
}

/// Why `shape` cannot have `property`, if it cannot, and a hint: a
/// symmetric, SPD or diagonal value is square (a scalar is), and a
/// probability vector has at least two entries that vary (a scalar, or a
/// row whose columns are single entries, would be the constant 1).
fn refused(property: Property, shape: &ShapeSpec) -> Option<(&'static str, String)> {
    let same = |a: &DimSpec, b: &DimSpec| match (a, b) {
        (DimSpec::Int(x, _), DimSpec::Int(y, _)) => x == y,
        (DimSpec::Name(x, _), DimSpec::Name(y, _)) => x == y,
        _ => false,
    };
    let is_one = |d: &DimSpec| matches!(d, DimSpec::Int(1, _));
    let square = match shape {
        ShapeSpec::Scalar(_) => true,
        ShapeSpec::Vector(n) => is_one(n),
        ShapeSpec::Matrix(r, c) => same(r, c),
    };
    if property.needs_square() && !square {
        let hint = format!("declare it square (`n×n, {}`), or leave the property out", property.spelling());
        return Some(("needs a square matrix (`n×n`)", hint));
    }
    let single = match shape {
        ShapeSpec::Scalar(_) => true,
        ShapeSpec::Vector(n) => is_one(n),
        ShapeSpec::Matrix(r, _) => is_one(r),
    };
    if property == Property::Probability && single {
        let hint =
            "a probability vector is a column (`p : n, probability`); for a matrix, each column is one (`Y : k×b, probability`)";
        return Some(("needs columns of several entries: a probability of one entry is the constant 1", hint.to_string()));
    }
    None
}

/// Where a shape was written.
fn shape_span(shape: &ShapeSpec) -> Span {
    match shape {
        ShapeSpec::Scalar(s) => *s,
        ShapeSpec::Vector(n) => n.span(),
        ShapeSpec::Matrix(r, c) => r.span().to(c.span()),
    }
}

/// `n` or `r×c`.
fn dims(cursor: &mut Cursor, expected: &str) -> Result<ShapeSpec, ShapeError> {
    cursor.skip_spaces();
    let rows = dim(cursor, expected)?;
    cursor.skip_spaces();
    let Some((times, _)) = cursor.eat(cross) else {
        return Ok(ShapeSpec::Vector(rows));
    };
    cursor.skip_spaces();
    let cols = dim(cursor, &format!("expected a dimension after `{times}`"))?;
    Ok(ShapeSpec::Matrix(rows, cols))
}

/// A positive integer, a name (`m`, `d1`, `d_1`, `d_{12}`), or a product
/// of them written side by side, as matdiff prints the size of `vec(X)`
/// (`mn`, `2n`, `n²`; the letter `x` is always the cross: `mxn` is `m×n`).
fn dim(cursor: &mut Cursor, expected: &str) -> Result<DimSpec, ShapeError> {
    cursor.skip_spaces();
    let in_product =
        |c: char| (is_name_letter(c) && c != 'x') || c.is_ascii_digit() || "_{}^·".contains(c) || SUPERSCRIPT_DIGITS.contains(&c);
    let run = cursor.rest.find(|c: char| !in_product(c)).unwrap_or(cursor.rest.len());
    if let Ok(product @ DimSpec::Product(..)) = crate::syntax::parser::size(&cursor.rest[..run], cursor.pos()) {
        cursor.rest = &cursor.rest[run..];
        return Ok(product);
    }
    if let Some((digits, span)) = cursor.eat(|i| digit1.parse(i)) {
        let refuse = |message: String| ShapeError { diagnostic: Diagnostic::at(span, message).hint(SHAPE_HINT), parsed: true };
        return match digits.parse::<u64>() {
            Ok(0) => Err(refuse("a dimension must be positive, found `0`".to_string())),
            Ok(n) => Ok(DimSpec::Int(n, span)),
            Err(_) => Err(refuse(format!("dimension `{digits}` is too large"))),
        };
    }
    if let Some(((base, sub), span)) = cursor.eat(dim_name) {
        let name = match sub {
            Some(sub) => format!("{base}_{sub}"),
            None => base.to_string(),
        };
        return Ok(DimSpec::Name(name, span));
    }
    let found = cursor.found().1;
    Err(cursor.refuse(format!("{expected}, found {found}")))
}

/// A size name: its letter and digits, and its subscript without braces.
fn dim_name(i: &str) -> IResult<&str, (&str, Option<&str>)> {
    let alnum = |c: char| is_name_letter(c) || c.is_ascii_digit();
    let subscript = alt((
        (char('{'), take_while1(alnum), char('}')).map(|(_, s, _)| s),
        digit1,
        recognize((satisfy(is_name_letter), digit0)),
    ));
    (recognize((satisfy(is_name_letter), digit0)), opt((char('_'), subscript).map(|(_, s)| s))).parse(i)
}

/// `×`, `\times`, `*`, or the letter `x`.
fn cross(i: &str) -> IResult<&str, &str> {
    alt((tag("×"), tag("\\times"), tag("*"), tag("x"))).parse(i)
}

fn reals(i: &str) -> IResult<&str, &str> {
    let mathbb = recognize((tag("\\mathbb"), multispace0, alt((tag("{R}"), tag("R")))));
    alt((tag("ℝ"), mathbb, tag("R"))).parse(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str, form: DeclForm) -> String {
        match parse_shape(text, 0, form) {
            Ok((shape, properties)) => {
                let shape = match shape {
                    ShapeSpec::Scalar(_) => "scalar".to_string(),
                    ShapeSpec::Vector(d) => show(&d),
                    ShapeSpec::Matrix(r, c) => format!("{}×{}", show(&r), show(&c)),
                };
                properties.iter().fold(shape, |s, (p, _)| format!("{s}, {}", p.spelling()))
            }
            Err(e) => format!("error: {}", e.diagnostic.message),
        }
    }

    fn show(d: &DimSpec) -> String {
        match d {
            DimSpec::Int(n, _) => n.to_string(),
            DimSpec::Name(n, _) => n.clone(),
            DimSpec::Product(factors, _) => factors.iter().map(show).collect::<Vec<_>>().join("·"),
        }
    }

    #[test]
    fn colon_shapes() {
        assert_eq!(shape("5×4", DeclForm::Colon), "5×4");
        assert_eq!(shape("5x4", DeclForm::Colon), "5×4");
        assert_eq!(shape("nxm", DeclForm::Colon), "n×m");
        assert_eq!(shape("d_{1} \\times d_2", DeclForm::Colon), "d_1×d_2");
        assert_eq!(shape("1 * n", DeclForm::Colon), "1×n");
        assert_eq!(shape("scalar", DeclForm::Colon), "scalar");
        assert_eq!(shape("n", DeclForm::Colon), "n");
        assert_eq!(shape("0", DeclForm::Colon), "error: a dimension must be positive, found `0`");
        assert_eq!(shape("5×4×3", DeclForm::Colon), "error: a shape has at most two dimensions");
        // products of sizes, as matdiff prints the size of vec(X)
        assert_eq!(shape("mn", DeclForm::Colon), "m·n");
        assert_eq!(shape("n²", DeclForm::Colon), "n·n");
        assert_eq!(shape("2n×pq", DeclForm::Colon), "2·n×p·q");
        assert_eq!(shape("mxn", DeclForm::Colon), "m×n");
        assert_eq!(shape("d_1", DeclForm::Colon), "d_1");
    }

    #[test]
    fn set_shapes() {
        assert_eq!(shape("R^n", DeclForm::In), "n");
        assert_eq!(shape("ℝ^{m×n}", DeclForm::In), "m×n");
        assert_eq!(shape("\\mathbb{R}^{5 \\times 4}", DeclForm::In), "5×4");
        assert_eq!(shape("R", DeclForm::In), "scalar");
        assert_eq!(shape("Q^n", DeclForm::In), "error: expected `R` or `ℝ` after `∈`, found `Q^n`");
    }

    #[test]
    fn properties() {
        assert_eq!(shape("n×n, spd", DeclForm::Colon), "n×n, spd");
        assert_eq!(shape("n x n , symmetric,positive", DeclForm::Colon), "n×n, symmetric, positive");
        assert_eq!(shape("3×3, diagonal", DeclForm::Colon), "3×3, diagonal");
        assert_eq!(shape("k×b, probability", DeclForm::Colon), "k×b, probability");
        assert_eq!(shape("R^n, probability", DeclForm::In), "n, probability");
        assert_eq!(shape("scalar, positive", DeclForm::Colon), "scalar, positive");
        assert_eq!(shape("scalar, spd", DeclForm::Colon), "scalar, spd");
        assert_eq!(shape("n×m, diagonal", DeclForm::Colon), "error: `diagonal` needs a square matrix (`n×n`)");
        assert_eq!(shape("n, symmetric", DeclForm::Colon), "error: `symmetric` needs a square matrix (`n×n`)");
        assert_eq!(shape("3×4, spd", DeclForm::Colon), "error: `spd` needs a square matrix (`n×n`)");
        assert!(shape("scalar, probability", DeclForm::Colon).starts_with("error: `probability` needs columns"));
        assert!(shape("1×n, probability", DeclForm::Colon).starts_with("error: `probability` needs columns"));
        assert_eq!(shape("n×n, symetric", DeclForm::Colon), "error: unknown property `symetric`");
        assert_eq!(shape("n×n,", DeclForm::Colon), "error: expected a property, found end of the statement");
        assert_eq!(shape("n×n, spd spd", DeclForm::Colon), "error: expected `,` or the end of the declaration, found `spd`");
    }
}
