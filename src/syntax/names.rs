//! Juxtaposition: a run of letters becomes names, keywords or a function.
//!
//! `Wx` is `W x`, `W1x` is `W1 x`, `Wexp(x)` is `W exp(x)`: a run followed by
//! `(` ends with the longest function name it has as a suffix; whatever comes
//! before it, and any run with no function in it, is one-letter names (each
//! with the digits after it). Primes are settled later by the parser, with
//! [`Heads`]: `b'` is a name only where the program defines or declares it.

use std::collections::{BTreeSet, HashMap};

use crate::diagnostic::{Diagnostic, Span};
use crate::name::is_name_letter;
use crate::syntax::ast::Function;
use crate::syntax::ops;
use crate::syntax::token::{Token, TokenKind};

/// Replaces every [`TokenKind::Word`] by the tokens it spells.
pub fn split_words(src: &str, mut tokens: Vec<Token>) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut after_caret = false;
    let text = |t: &Token| src.get(t.span.start..t.span.end).unwrap_or("");
    let mut i = 0;
    while i < tokens.len() {
        // taken, not cloned: what is left behind is never looked at again
        let token = Token { kind: std::mem::replace(&mut tokens[i].kind, TokenKind::Eof), span: tokens[i].span };
        i += 1;
        if token.kind != TokenKind::Word {
            after_caret = token.kind == TokenKind::Caret;
            out.push(token);
            continue;
        }
        let kind = |i: usize| tokens.get(i).map(|t: &Token| &t.kind);
        let token = &token;
        // `log det(X)`, as matdiff prints log det, is `logdet(X)`
        if !after_caret
            && text(token) == "log"
            && kind(i) == Some(&TokenKind::Word)
            && text(&tokens[i]) == "det"
            && kind(i + 1) == Some(&TokenKind::LParen)
        {
            out.push(Token { kind: TokenKind::Func(Function::LogDet), span: token.span.to(tokens[i].span) });
            i += 1;
            continue;
        }
        let before_paren = kind(i) == Some(&TokenKind::LParen);
        if after_caret {
            split_exponent(text(token), token.span.start, before_paren, &mut out);
        } else {
            split_run(text(token), token.span.start, before_paren, &mut out);
        }
        after_caret = false;
    }
    out
}

/// After `^` only one letter is the exponent: `x^Ty` is `xᵀ y`.
fn split_exponent(text: &str, start: usize, before_paren: bool, out: &mut Vec<Token>) {
    let first = text.chars().next().map_or(0, char::len_utf8);
    out.push(Token { kind: TokenKind::Name, span: Span::new(start, start + first) });
    let rest = &text[first..];
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 {
        out.push(Token { kind: TokenKind::Number, span: Span::new(start + first, start + first + digits) });
    }
    if digits < rest.len() {
        split_run(&rest[digits..], start + first + digits, before_paren, out);
    }
}

/// One run of letters and digits that starts with a letter.
fn split_run(text: &str, start: usize, before_paren: bool, out: &mut Vec<Token>) {
    let span = Span::new(start, start + text.len());
    match text {
        "ones" => {
            return out.push(Token { kind: TokenKind::Ones, span });
        }
        "scalar" => {
            return out.push(Token { kind: TokenKind::Scalar, span });
        }
        "unvec" => {
            return out.push(Token { kind: TokenKind::Unvec, span });
        }
        _ => {}
    }
    // One letter and its digits (`x`, `W12`): the common case, one name.
    let first = text.chars().next().map_or(0, char::len_utf8);
    if !before_paren && text[first..].bytes().all(|b| b.is_ascii_digit()) {
        return out.push(Token { kind: TokenKind::Name, span });
    }
    let pieces = pieces(text);
    let name_tokens = |pieces: &[(usize, usize)], out: &mut Vec<Token>| {
        for &(a, b) in pieces {
            out.push(Token { kind: TokenKind::Name, span: Span::new(start + a, start + b) });
        }
    };
    if !before_paren {
        if text.chars().count() >= 2 && Function::from_name(text).is_some() {
            let error = Diagnostic::at(span, format!("`{text}` is a function and needs parentheses"))
                .hint(format!("write `{text}(…)`; to multiply one-letter names, separate them: `{}`", spaced(text)));
            return out.push(Token { kind: TokenKind::Error(Box::new(error)), span });
        }
        return name_tokens(&pieces, out);
    }
    // The longest ending that is a function: the first piece it starts at.
    // An ending of two letters or more that spells a function in another
    // letter case (`Tr(X)`, `LOG(x)`, `xLogdet(Σ)`) is that function
    // misspelt, never a product of one-letter names (CONTRACT §1).
    for (k, &(a, _)) in pieces.iter().enumerate() {
        let ending = &text[a..];
        let ending_span = Span::new(start + a, span.end);
        if let Some(f) = Function::from_name(ending) {
            name_tokens(&pieces[..k], out);
            return out.push(Token { kind: TokenKind::Func(f), span: ending_span });
        }
        if let Some(error) = wrong_case(ending, ending_span) {
            name_tokens(&pieces[..k], out);
            return out.push(Token { kind: TokenKind::Error(Box::new(error)), span: ending_span });
        }
    }
    // No function in it: is the letters-only tail a misspelt one?
    let tail_start = text.rfind(|c: char| c.is_ascii_digit()).map_or(0, |i| i + 1);
    let tail = &text[tail_start..];
    if looks_like_a_function(tail) {
        let k = pieces.iter().position(|&(a, _)| a >= tail_start).unwrap_or(pieces.len());
        name_tokens(&pieces[..k], out);
        let tail_span = Span::new(start + tail_start, span.end);
        let mut error = Diagnostic::at(tail_span, format!("unknown function `{tail}`"));
        error = match suggestion(tail) {
            Some(f) => error.hint(format!("did you mean `{f}`?")),
            None => error.hint(format!("names are one letter; for a product write `{} (…)`", spaced(tail))),
        };
        return out.push(Token { kind: TokenKind::Error(Box::new(error)), span: tail_span });
    }
    name_tokens(&pieces, out)
}

/// The refusal of `word`, two letters or more, when it is a function name
/// in another letter case: the hint gives every spelling it could mean
/// (`DIAG` is `Diag` or `diag`). One letter (`Σ(x − μ)`) is a name.
fn wrong_case(word: &str, span: Span) -> Option<Diagnostic> {
    // longer than any function name: decided without reading it (a long
    // run before `(` must not cost its length for each of its endings)
    let longest = Function::SPELLINGS.iter().map(|(f, _)| f.len()).max().unwrap_or(0);
    if word.len() > longest || word.chars().count() < 2 || !word.chars().all(char::is_alphabetic) {
        return None;
    }
    let lower = word.to_lowercase();
    let meant: Vec<String> =
        Function::SPELLINGS.iter().filter(|(f, _)| f.to_lowercase() == lower).map(|(f, _)| format!("`{f}`")).collect();
    if meant.is_empty() {
        return None;
    }
    let mut hint = format!("did you mean {}? function names are case-sensitive", meant.join(" or "));
    if word.chars().count() <= 3 {
        hint.push_str(&format!("; for a product of one-letter names write `{} (…)`", spaced(word)));
    }
    Some(Diagnostic::at(span, format!("unknown function `{word}`")).hint(hint))
}

/// Byte ranges of the names in a run: each letter with the digits after it.
fn pieces(text: &str) -> Vec<(usize, usize)> {
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        match pieces.last_mut() {
            Some(last) if c.is_ascii_digit() => last.1 = end,
            _ => pieces.push((i, end)),
        }
    }
    pieces
}

fn spaced(text: &str) -> String {
    pieces(text).iter().map(|&(a, b)| &text[a..b]).collect::<Vec<_>>().join(" ")
}

/// A run before `(` that is meant as a function rather than a product:
/// four letters or more, or three within one edit of a function name. Two
/// letters (`Wx(a+b)`) are always a product.
fn looks_like_a_function(tail: &str) -> bool {
    match tail.chars().count() {
        0..=2 => false,
        3 => closest(tail).is_some_and(|(_, d)| d <= 1),
        _ => true,
    }
}

/// The function name a misspelling is closest to, within two edits.
pub fn suggestion(word: &str) -> Option<&'static str> {
    closest(word).filter(|&(_, d)| d <= 2).map(|(f, _)| f)
}

fn closest(word: &str) -> Option<(&'static str, usize)> {
    let word: Vec<char> = word.to_lowercase().chars().collect();
    let mut best: Option<(&'static str, usize)> = None;
    for (spelling, _) in Function::SPELLINGS {
        let candidate: Vec<char> = spelling.to_lowercase().chars().collect();
        let d = edit_distance(&word, &candidate);
        if best.is_none_or(|(_, b)| d < b) {
            best = Some((spelling, d));
        }
    }
    best
}

/// Optimal string alignment distance: insertions, deletions, substitutions
/// and swaps of neighbours each cost one.
pub fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The canonical spelling of a name: `W` + `_12` (braces dropped); the
/// digits and subscript that matdiff's LaTeX writes together (`W_{1,12}`
/// for `W1_12`) are put back apart.
pub fn canonical(base: &str, subscript: Option<&str>) -> String {
    match subscript.map(|sub| (sub, sub.split_once(','))) {
        Some((_, Some((digits, sub)))) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{base}{digits}_{sub}")
        }
        Some((sub, _)) => format!("{base}_{sub}"),
        None => base.to_string(),
    }
}

/// The canonical spelling of `text` when it is exactly one name
/// (`W_{12}` → `W_12`, `b'` → `b'`).
pub fn canonical_of(text: &str) -> Option<String> {
    let flat = text.replace(['{', '}'], "");
    is_plain_name(flat.trim_end_matches('\'')).then_some(flat)
}

/// Whether `text` is a valid name without primes: a letter, digits, and an
/// optional subscript of letters and digits (`n`, `d1`, `d_1`, `d_ij`).
pub fn is_plain_name(text: &str) -> bool {
    let mut chars = text.chars();
    if !chars.next().is_some_and(is_name_letter) {
        return false;
    }
    let rest = chars.as_str().trim_start_matches(|c: char| c.is_ascii_digit());
    match rest.strip_prefix('_') {
        None => rest.is_empty(),
        Some(sub) => !sub.is_empty() && sub.chars().all(|c| is_name_letter(c) || c.is_ascii_digit()),
    }
}

/// Whether a subscript is one a name may have: letters, digits and `_`.
pub fn is_plain_subscript(sub: &str) -> bool {
    !sub.is_empty() && sub.chars().all(|c| is_name_letter(c) || c.is_ascii_digit() || c == '_')
}

/// A subscript whose braces are only those of inner subscripts (`U_{1}`,
/// `W_{12}`), without them (`U_1`, `W_12`), when that is a plain subscript.
pub fn flat_subscript(sub: &str) -> Option<String> {
    let opened = sub.matches("_{").count();
    let flat = sub.replace("_{", "_").replace('}', "");
    (opened == sub.matches('}').count() && opened == sub.matches('{').count() && is_plain_subscript(&flat)).then_some(flat)
}

/// The primed names the program defines or declares (`b'` in `b' = …`),
/// found before parsing so that `b'` elsewhere reads as that name and not
/// as `b` transposed.
#[derive(Debug, Default)]
pub struct Heads {
    /// Canonical name without primes → the prime counts it is a head with.
    primes: HashMap<String, BTreeSet<usize>>,
}

impl Heads {
    /// Looks at the start of every statement for `NAME =`, `NAME, NAME :`
    /// and `NAME ∈` (parentheses are counted, so an `=` inside them is not a
    /// statement's).
    pub fn scan(src: &str, tokens: &[Token]) -> Heads {
        let mut heads = Heads::default();
        let mut depth = 0usize;
        let mut at_start = true;
        let mut last_significant: Option<&TokenKind> = None;
        for (i, token) in tokens.iter().enumerate() {
            match &token.kind {
                TokenKind::Newline => {
                    if depth == 0 && !last_significant.is_some_and(ops::continues_line) {
                        at_start = true;
                    }
                    continue;
                }
                TokenKind::Semicolon if depth == 0 => {
                    at_start = true;
                    last_significant = Some(&token.kind);
                    continue;
                }
                _ => {}
            }
            if at_start && depth == 0 {
                heads.scan_statement(src, &tokens[i..]);
            }
            match token.kind {
                TokenKind::LParen => depth += 1,
                TokenKind::RParen => depth = depth.saturating_sub(1),
                _ => {}
            }
            at_start = false;
            last_significant = Some(&token.kind);
        }
        heads
    }

    fn scan_statement(&mut self, src: &str, tokens: &[Token]) {
        let mut found = Vec::new();
        let mut i = 0;
        loop {
            let Some((name, primes, next)) = head_name(src, tokens, i) else {
                return;
            };
            found.push((name, primes));
            match tokens.get(next).map(|t| &t.kind) {
                Some(TokenKind::Equals) if found.len() == 1 => break,
                Some(TokenKind::Colon | TokenKind::In) => break,
                Some(TokenKind::Comma) => i = next + 1,
                _ => return,
            }
            while tokens.get(i).is_some_and(|t| t.kind == TokenKind::Newline) {
                i += 1;
            }
        }
        for (name, primes) in found {
            self.primes.entry(name).or_default().insert(primes);
        }
    }

    /// How many of the `available` primes after `name` belong to it: the
    /// most that make a name some statement defines or declares.
    pub fn primes_of(&self, name: &str, available: usize) -> usize {
        self.primes.get(name).and_then(|set| set.range(..=available).next_back().copied()).unwrap_or(0)
    }
}

/// A name with its subscript and primes at `tokens[i]`, as written at the
/// head of a statement: its canonical spelling without primes, the number of
/// primes, and the index after it.
pub fn head_name(src: &str, tokens: &[Token], i: usize) -> Option<(String, usize, usize)> {
    let token = tokens.get(i)?;
    if token.kind != TokenKind::Name {
        return None;
    }
    let base = src.get(token.span.start..token.span.end)?;
    let mut end = token.span.end;
    let mut next = i + 1;
    let mut subscript = None;
    if let Some(Token { kind: TokenKind::Sub(sub), span }) = tokens.get(next)
        && span.start == end
    {
        // `δ_{U_{1}}` is `δ_{U_1}`, as in an expression
        let sub = if is_plain_subscript(sub) { sub.clone() } else { flat_subscript(sub).unwrap_or_else(|| sub.clone()) };
        if !is_plain_subscript(&sub)
            && !sub.split_once(',').is_some_and(|(d, s)| d.bytes().all(|b| b.is_ascii_digit()) && is_plain_subscript(s))
        {
            return None;
        }
        subscript = Some(sub);
        end = span.end;
        next += 1;
    }
    let mut primes = 0;
    while let Some(Token { kind: TokenKind::Prime, span }) = tokens.get(next)
        && span.start == end
    {
        primes += 1;
        end = span.end;
        next += 1;
    }
    Some((canonical(base, subscript.as_deref()), primes, next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::lexer::lex;

    fn split(src: &str) -> Vec<String> {
        split_words(src, lex(src))
            .into_iter()
            .filter(|t| t.kind != TokenKind::Eof)
            .map(|t| match t.kind {
                TokenKind::Func(f) => format!("fn:{}", f.name()),
                TokenKind::Error(d) => format!("error:{}", d.message),
                _ => src[t.span.start..t.span.end].to_string(),
            })
            .collect()
    }

    #[test]
    fn runs_split_into_names_and_a_trailing_function() {
        assert_eq!(split("Wx"), ["W", "x"]);
        assert_eq!(split("σ(x)"), ["fn:σ", "(", "x", ")"]);
        assert_eq!(split("σ x"), ["σ", "x"]);
        assert_eq!(split("W1x"), ["W1", "x"]);
        assert_eq!(split("Wexp(x)"), ["W", "fn:exp", "(", "x", ")"]);
        assert_eq!(split("xtr(A)"), ["x", "fn:tr", "(", "A", ")"]);
        assert_eq!(split("xlogdet(A)"), ["x", "fn:logdet", "(", "A", ")"]);
        assert_eq!(split("x^Ty"), ["x", "^", "T", "y"]);
        assert_eq!(split("Wx(a)"), ["W", "x", "(", "a", ")"]);
        assert_eq!(split("sigmod(x)")[0], "error:unknown function `sigmod`");
        assert_eq!(split("log y")[0], "error:`log` is a function and needs parentheses");
        assert_eq!(split("Σ(x)"), ["Σ", "(", "x", ")"]);
        assert_eq!(split("log det(X)"), ["fn:logdet", "(", "X", ")"]);
        assert_eq!(split("log det X")[0], "error:`log` is a function and needs parentheses");
        for wrong in ["Tr(X)", "TR(X)", "Det(X)", "Log(x)", "LOG(x)", "Exp(x)", "Softmax(x)", "Logdet(X)"] {
            assert!(split(wrong)[0].starts_with("error:unknown function"), "{wrong}: {:?}", split(wrong));
        }
        assert_eq!(split("xTr(X)")[..2], ["x".to_string(), "error:unknown function `Tr`".to_string()]);
    }

    #[test]
    fn misspellings_find_their_function() {
        assert_eq!(suggestion("sigmod"), Some("sigmoid"));
        assert_eq!(suggestion("tahn"), Some("tanh"));
        assert_eq!(suggestion("DIAG"), Some("Diag"));
        assert_eq!(suggestion("qwerty"), None);
    }

    #[test]
    fn heads_are_found_at_statement_starts_only() {
        let src = "b' = 2\nx, y'' : n\nE = (c' = 1)";
        let heads = Heads::scan(src, &split_words(src, lex(src)));
        assert_eq!(heads.primes_of("b", 3), 1);
        assert_eq!(heads.primes_of("y", 3), 2);
        assert_eq!(heads.primes_of("y", 1), 0);
        assert_eq!(heads.primes_of("c", 1), 0);
    }
}
