//! Text → tokens, with nom combinators for each kind of token.
//!
//! The lexer never fails: the first thing that is not a token becomes a
//! [`TokenKind::Error`] and ends the stream, so an earlier syntax error is
//! still reported first. Every token ends with [`TokenKind::Eof`], whose
//! empty span sits just past the last thing typed (trailing comments and
//! blank lines are not "input" a caret should point past).

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{anychar, char, digit1, one_of, satisfy};
use nom::combinator::{map_opt, opt, recognize, value};
use nom::{IResult, Parser};

use crate::diagnostic::{Diagnostic, Span};
use crate::name::is_name_letter;
use crate::syntax::token::{BarKind, Token, TokenKind};

/// Superscript characters, in the order of the digits they stand for.
pub const SUPERSCRIPT_DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
const SUPERSCRIPT_MINUS: char = '⁻';

pub fn lex(src: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = src;
    let mut last_end = 0;
    loop {
        rest = skip_blanks(rest);
        let start = src.len() - rest.len();
        if rest.is_empty() {
            break;
        }
        match token(src, rest) {
            Ok((next, kind)) => {
                let end = src.len() - next.len();
                if kind != TokenKind::Newline {
                    last_end = end;
                }
                tokens.push(Token { kind, span: Span::new(start, end) });
                rest = next;
            }
            Err(diagnostic) => {
                let span = diagnostic.labels.first().map_or(Span::new(start, start), |l| l.span);
                last_end = span.end;
                tokens.push(Token { kind: TokenKind::Error(Box::new(diagnostic)), span });
                break;
            }
        }
    }
    tokens.push(Token { kind: TokenKind::Eof, span: Span::new(last_end, last_end) });
    tokens
}

/// Spaces, tabs, carriage returns and comments; not line breaks.
fn skip_blanks(mut rest: &str) -> &str {
    loop {
        let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() && c != '\n');
        rest = match trimmed.strip_prefix('#') {
            Some(comment) => comment.find('\n').map_or("", |i| &comment[i..]),
            None => return trimmed,
        };
    }
}

type Lexed<'a> = Result<(&'a str, TokenKind), Diagnostic>;

fn token<'a>(src: &str, rest: &'a str) -> Lexed<'a> {
    let start = src.len() - rest.len();
    let first = rest.chars().next().unwrap_or(' ');
    // Dispatch on the first character, so each token tries one parser.
    if first.is_ascii_digit() || (first == '.' && rest[1..].starts_with(|c: char| c.is_ascii_digit())) {
        return number(src, rest);
    }
    if letter(first) {
        return word(rest).map(|(next, _)| (next, TokenKind::Word)).map_err(|_| unexpected(start, first));
    }
    match first {
        '_' => return subscript(src, rest),
        '\\' => return command(src, rest),
        c if c == SUPERSCRIPT_MINUS || SUPERSCRIPT_DIGITS.contains(&c) => {
            return superscript(rest).map(|(next, _)| (next, TokenKind::Superscript)).map_err(|_| unexpected(start, first));
        }
        _ => {}
    }
    let one = |len: usize| Span::new(start, start + len);
    if rest.starts_with("**") {
        return Err(Diagnostic::at(one(2), "unexpected `**`").hint("use ^ for powers: `x^2`"));
    }
    if first == '[' || first == ']' {
        return Err(
            Diagnostic::at(one(1), format!("unexpected `{first}`")).hint("brackets are not part of the notation; use ( )")
        );
    }
    if first == '|' && !rest.starts_with("||") {
        return Err(Diagnostic::at(one(1), "unexpected `|`")
            .hint("write abs(x) for absolute values or det(X) for determinants; norms are `||x||` or `‖x‖`"));
    }
    symbol(rest).map_err(|_| unexpected(start, first))
}

/// [`is_name_letter`], with ASCII decided without looking at Greek.
fn letter(c: char) -> bool {
    c.is_ascii_alphabetic() || (!c.is_ascii() && is_name_letter(c))
}

fn unexpected(start: usize, c: char) -> Diagnostic {
    let span = Span::new(start, start + c.len_utf8());
    let error = Diagnostic::at(span, format!("unexpected character `{}`", c.escape_debug()));
    match c {
        c if c.is_alphabetic() => error.hint("a name is one Latin or Greek letter"),
        // pasted from a `where` line: `δ_v = ∂E/∂v = …`
        '∂' => error.hint(
            "`∂E/∂v` labels a derivative matdiff printed; a program defines a name by its formula alone (`δ_v = …`, without `∂E/∂v =`), and asks for derivatives with `--wrt`",
        ),
        _ => error,
    }
}

fn word(i: &str) -> IResult<&str, &str> {
    recognize((satisfy(letter), take_while(|c: char| c.is_ascii_alphanumeric() || letter(c)))).parse(i)
}

fn number_literal(i: &str) -> IResult<&str, &str> {
    let mantissa = alt((recognize((digit1, opt((char('.'), digit1)))), recognize((char('.'), digit1))));
    let exponent = (one_of("eE"), opt(one_of("+-")), digit1);
    recognize((mantissa, opt(exponent))).parse(i)
}

/// A number, refusing what looks like one gone wrong: `1.2.3`, `1.`, `1e+`.
/// An `e` after a number that no digit follows is a name (`2e` is `2 e`).
fn number<'a>(src: &str, rest: &'a str) -> Lexed<'a> {
    let start = src.len() - rest.len();
    let Ok((next, _)) = number_literal(rest) else {
        return Err(Diagnostic::at(Span::new(start, start + 1), "malformed number"));
    };
    let mut chars = next.chars();
    let malformed = match (chars.next(), chars.next(), chars.next()) {
        (Some('.'), Some(c), _) if c.is_ascii_digit() => true,
        (Some('.'), c, _) => !matches!(c, Some('*' | '/' | '^')),
        (Some('e' | 'E'), Some('+' | '-'), c) => !c.is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    };
    if malformed {
        let extent = malformed_extent(rest);
        let span = Span::new(start, start + extent);
        let text = &rest[..extent];
        let hint = if text.contains(['e', 'E']) {
            "an exponent needs digits (`1e-3`); to multiply by a name, leave a space (`2 e`)"
        } else {
            "a number has at most one decimal point and digits after it (`0.5`, `2.0`)"
        };
        return Err(Diagnostic::at(span, format!("malformed number `{text}`")).hint(hint));
    }
    Ok((next, TokenKind::Number))
}

/// How far a malformed number reaches: digits, points, exponent letters and
/// the sign right after one.
fn malformed_extent(rest: &str) -> usize {
    let mut end = 0;
    let mut prev = ' ';
    for (i, c) in rest.char_indices() {
        let ok = c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E' || (matches!(c, '+' | '-') && matches!(prev, 'e' | 'E'));
        if !ok {
            break;
        }
        end = i + c.len_utf8();
        prev = c;
    }
    end.max(1)
}

/// `{…}` after `_`: letters, digits and `_`, and for the sizes matdiff
/// prints also `,` (`K_{m,n}`, `W_{1,12}`), `×` (`unvec_{m×n}`), spaces,
/// `·`, powers and one
/// level of inner braces (`I_{m n}`, `I_{n^{2}}`, `I_{n²}`).
fn braced_subscript(i: &str) -> IResult<&str, &str> {
    let fail = || nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify));
    let body = i.strip_prefix('{').ok_or_else(fail)?;
    if !body.starts_with(|c: char| is_name_letter(c) || c.is_ascii_digit()) {
        return Err(fail());
    }
    let mut depth = 0;
    for (k, c) in body.char_indices() {
        match c {
            '{' if depth == 0 => depth = 1,
            '}' if depth == 1 => depth = 0,
            '}' => return Ok((&body[k + 1..], &body[..k])),
            c if is_name_letter(c) || c.is_ascii_digit() || matches!(c, '_' | ',' | ' ' | '^' | '·' | '×') => {}
            c if c == SUPERSCRIPT_MINUS || SUPERSCRIPT_DIGITS.contains(&c) => {}
            _ => return Err(fail()),
        }
    }
    Err(fail())
}

fn subscript_body(i: &str) -> IResult<&str, &str> {
    alt((braced_subscript, digit1, recognize((satisfy(is_name_letter), take_while(|c: char| c.is_ascii_digit()))))).parse(i)
}

/// `_1`, `_12`, `_i`, `_i1`, `_{ij}`: a run of digits, or one letter and
/// digits, or anything alphanumeric in braces.
fn subscript<'a>(src: &str, rest: &'a str) -> Lexed<'a> {
    let start = src.len() - rest.len();
    match subscript_body(&rest[1..]) {
        Ok((next, body)) => Ok((next, TokenKind::Sub(body.to_string()))),
        Err(_) => {
            let end = rest[1..].find(|c: char| c.is_whitespace()).map_or(rest.len(), |i| i + 1);
            let end = end.min(rest.find('}').map_or(end, |i| i + 1)).max(1);
            Err(Diagnostic::at(Span::new(start, start + end), format!("malformed subscript `{}`", &rest[..end]))
                .hint("write `x_1`, `x_i` or `x_{12}`"))
        }
    }
}

fn superscript(i: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c == SUPERSCRIPT_MINUS || SUPERSCRIPT_DIGITS.contains(&c)).parse(i)
}

/// The value of a superscript run such as `²` or `⁻¹`, if it is one number.
pub fn superscript_value(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix(SUPERSCRIPT_MINUS) {
        Some(d) => (true, d),
        None => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for c in digits.chars() {
        let d = SUPERSCRIPT_DIGITS.iter().position(|&s| s == c)?;
        value = value.checked_mul(10)?.checked_add(d as i64)?;
    }
    Some(if negative { -value } else { value })
}

/// `\in`, `\times`, `\mathbb`; any other command left by
/// [`super::latex`] is refused with a hint.
fn command<'a>(src: &str, rest: &'a str) -> Lexed<'a> {
    let start = src.len() - rest.len();
    let name_len = rest[1..].find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len() - 1);
    let name = &rest[1..1 + name_len];
    let next = &rest[1 + name_len..];
    let kind = match name {
        "in" => TokenKind::In,
        "times" => TokenKind::Cross,
        "mathbb" => TokenKind::Mathbb,
        _ => {
            let span = Span::new(start, start + 1 + name_len);
            if name.is_empty() {
                return Err(Diagnostic::at(span, "unexpected `\\`"));
            }
            let command = format!("\\{name}");
            let hint = match name {
                "partial" | "nabla" => "type the function itself (`f = …`) and name the variables with --wrt".to_string(),
                "sum" | "prod" | "int" => "sums are written `sum(x)` or `𝟙ᵀx`".to_string(),
                _ => "this command is not part of the notation; grammar/README.md lists the LaTeX matdiff reads".to_string(),
            };
            return Err(Diagnostic::at(span, format!("unknown command `{command}`")).hint(hint));
        }
    };
    Ok((next, kind))
}

/// Operators and punctuation: the few of two characters, then one.
fn symbol(i: &str) -> IResult<&str, TokenKind> {
    use TokenKind as T;
    if i.starts_with(['.', '|']) {
        let mut pairs = alt((
            value(T::Hadamard, tag(".*")),
            value(T::HadamardDivide, tag("./")),
            value(T::DotCaret, tag(".^")),
            value(T::Bar(BarKind::Ascii), tag("||")),
        ));
        return pairs.parse(i);
    }
    map_opt(anychar, single_symbol).parse(i)
}

fn single_symbol(c: char) -> Option<TokenKind> {
    use TokenKind as T;
    Some(match c {
        '‖' => T::Bar(BarKind::Unicode),
        '+' => T::Plus,
        '-' | '−' => T::Minus,
        '*' | '·' | '⋅' => T::Times,
        '/' => T::Divide,
        '∘' | '⊙' => T::Hadamard,
        '⊘' => T::HadamardDivide,
        '⊗' => T::Kron,
        ':' => T::Colon,
        '=' => T::Equals,
        ',' => T::Comma,
        '(' => T::LParen,
        ')' => T::RParen,
        '{' => T::LBrace,
        '}' => T::RBrace,
        '^' => T::Caret,
        // `′` is how the printers write a name's prime (`b′`)
        '\'' | '′' => T::Prime,
        'ᵀ' | '⊤' => T::TransposeMark,
        '∈' => T::In,
        '×' => T::Cross,
        'ℝ' => T::Reals,
        '𝟙' => T::Ones,
        ';' => T::Semicolon,
        '\n' => T::Newline,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<String> {
        lex(src)
            .into_iter()
            .map(|t| match t.kind {
                TokenKind::Error(d) => format!("Error({})", d.message),
                TokenKind::Eof => "Eof".to_string(),
                k => format!("{k:?}:{}", &src[t.span.start..t.span.end]),
            })
            .collect()
    }

    #[test]
    fn numbers_and_names() {
        assert_eq!(kinds("2x"), ["Number:2", "Word:x", "Eof"]);
        assert_eq!(kinds("2e"), ["Number:2", "Word:e", "Eof"]);
        assert_eq!(kinds("1e-3 .5"), ["Number:1e-3", "Number:.5", "Eof"]);
        assert_eq!(kinds("2.*x"), ["Number:2", "Hadamard:.*", "Word:x", "Eof"]);
        assert_eq!(kinds("W1x_{12}'"), ["Word:W1x", "Sub(\"12\"):_{12}", "Prime:'", "Eof"]);
        assert_eq!(kinds("1.2.3"), ["Error(malformed number `1.2.3`)", "Eof"]);
        assert_eq!(kinds("1e+"), ["Error(malformed number `1e+`)", "Eof"]);
    }

    #[test]
    fn symbols_comments_and_lines() {
        assert_eq!(
            kinds("a−b # note\n‖x‖²"),
            ["Word:a", "Minus:−", "Word:b", "Newline:\n", "Bar(Unicode):‖", "Word:x", "Bar(Unicode):‖", "Superscript:²", "Eof"]
        );
        assert_eq!(superscript_value("⁻¹"), Some(-1));
        assert_eq!(superscript_value("⁻"), None);
    }

    #[test]
    fn eof_sits_after_the_last_token() {
        let tokens = lex("x +  # c\n\n");
        assert_eq!(tokens.last().map(|t| t.span), Some(Span::new(3, 3)));
    }
}
