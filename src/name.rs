//! Identifiers: one letter (Latin or Greek), then digits, a subscript, primes.
//!
//! A [`Name`] is stored in its canonical spelling (`W_{12}` and `W_12` are the
//! same name, `W_12`); [`NameParts`] splits it again for the printers, which
//! need the letter, the subscript and the primes separately.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use egg::Symbol;

/// An interned identifier, ordered and hashed by its spelling (not by its
/// interning index, which depends on what ran before): maps keyed by names
/// iterate in the same order in every process, so output is reproducible.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Name(Symbol);

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl Name {
    pub fn new(canonical: &str) -> Name {
        Name(Symbol::from(canonical))
    }
    pub fn as_str(&self) -> &'static str {
        self.0.as_str()
    }
    pub fn parts(&self) -> NameParts {
        NameParts::split(self.as_str())
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}
impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_str())
    }
}
impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_str())
    }
}
impl FromStr for Name {
    type Err = String;
    /// Accepts a canonical name: a letter, then digits, `_sub`, primes.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut chars = s.chars();
        match chars.next() {
            Some(c) if is_name_letter(c) => Ok(Name::new(s)),
            _ => Err(format!("not a name: {s}")),
        }
    }
}

/// Letters that may start a name: ASCII letters and Greek letters.
pub fn is_name_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || greek_ascii(c).is_some()
}

/// Uppercase Latin or Greek: a matrix when nothing is declared.
pub fn is_upper(c: char) -> bool {
    c.is_uppercase()
}

/// Greek letters and their ASCII spelling (for NumPy) and LaTeX command.
const GREEK: &[(char, &str, &str)] = &[
    ('α', "alpha", "\\alpha"),
    ('β', "beta", "\\beta"),
    ('γ', "gamma", "\\gamma"),
    ('δ', "delta", "\\delta"),
    ('ε', "epsilon", "\\varepsilon"),
    ('ϵ', "epsilon", "\\epsilon"),
    ('ζ', "zeta", "\\zeta"),
    ('η', "eta", "\\eta"),
    ('θ', "theta", "\\theta"),
    ('ι', "iota", "\\iota"),
    ('κ', "kappa", "\\kappa"),
    ('λ', "lambda_", "\\lambda"),
    ('μ', "mu", "\\mu"),
    ('ν', "nu", "\\nu"),
    ('ξ', "xi", "\\xi"),
    ('π', "pi", "\\pi"),
    ('ρ', "rho", "\\rho"),
    ('σ', "sigma", "\\sigma"),
    ('τ', "tau", "\\tau"),
    ('υ', "upsilon", "\\upsilon"),
    ('φ', "phi", "\\phi"),
    ('χ', "chi", "\\chi"),
    ('ψ', "psi", "\\psi"),
    ('ω', "omega", "\\omega"),
    ('Γ', "Gamma", "\\Gamma"),
    ('Δ', "Delta", "\\Delta"),
    ('Θ', "Theta", "\\Theta"),
    ('Λ', "Lambda", "\\Lambda"),
    ('Ξ', "Xi", "\\Xi"),
    ('Π', "Pi", "\\Pi"),
    ('Σ', "Sigma", "\\Sigma"),
    ('Υ', "Upsilon", "\\Upsilon"),
    ('Φ', "Phi", "\\Phi"),
    ('Ψ', "Psi", "\\Psi"),
    ('Ω', "Omega", "\\Omega"),
];

/// `θ` → `theta` (`λ` → `lambda_`, since `lambda` is a Python keyword).
pub fn greek_ascii(c: char) -> Option<&'static str> {
    GREEK.iter().find(|g| g.0 == c).map(|g| g.1)
}

/// `θ` → `\theta`.
pub fn greek_latex(c: char) -> Option<&'static str> {
    GREEK.iter().find(|g| g.0 == c).map(|g| g.2)
}

/// A name split for printing: `W_12'` is letter `W`, digits ``, subscript
/// `12`, one prime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameParts {
    pub letter: char,
    /// Digits written right after the letter (`W1`).
    pub digits: String,
    /// The subscript without braces (`W_{12}` → `12`), if any.
    pub subscript: Option<String>,
    pub primes: usize,
}

impl NameParts {
    pub fn split(canonical: &str) -> NameParts {
        let mut chars = canonical.chars();
        let letter = chars.next().unwrap_or('?');
        let rest: String = chars.collect();
        let primes = rest.chars().rev().take_while(|&c| c == '\'').count();
        let rest = &rest[..rest.len() - primes];
        let (digits, subscript) = match rest.split_once('_') {
            Some((d, s)) => (d.to_string(), Some(s.to_string())),
            None => (rest.to_string(), None),
        };
        NameParts { letter, digits, subscript, primes }
    }

    /// The canonical spelling: `W` `1` `_12` `''`.
    pub fn canonical(&self) -> String {
        let mut s = String::new();
        s.push(self.letter);
        s.push_str(&self.digits);
        if let Some(sub) = &self.subscript {
            s.push('_');
            s.push_str(sub);
        }
        s.extend(std::iter::repeat_n('\'', self.primes));
        s
    }

    /// The Python identifier of CONTRACT §3: `W_{12}` → `W_12`, `θ` → `theta`,
    /// `b'` → `b_prime`.
    pub fn python(&self) -> String {
        let mut s = greek_ascii(self.letter).map(str::to_string).unwrap_or_else(|| self.letter.to_string());
        s.push_str(&self.digits);
        if let Some(sub) = &self.subscript {
            s.push('_');
            s.extend(sub.chars().map(|c| greek_ascii(c).map(str::to_string).unwrap_or_else(|| c.to_string())));
        }
        for _ in 0..self.primes {
            s.push_str("_prime");
        }
        s
    }

    /// The canonical spelling with its letter spelled out in ASCII, without
    /// the underscore Python needs: `λ_1` → `lambda_1`, `Σ` → `Sigma`.
    pub fn spelled(&self) -> String {
        let mut s = greek_ascii(self.letter).map_or_else(|| self.letter.to_string(), |g| g.trim_end_matches('_').to_string());
        s.push_str(&self.canonical()[self.letter.len_utf8()..]);
        s
    }

    pub fn is_upper(&self) -> bool {
        is_upper(self.letter)
    }
    pub fn is_greek(&self) -> bool {
        greek_ascii(self.letter).is_some()
    }
}

/// The name of `among` that `typed` spells: as in the program (`W_{01}`,
/// `θ`), canonical (`W_01`), as in the NumPy module (`theta`, `lambda_`) or
/// with a Greek letter spelled out (`lambda`, `Sigma`, `lambda_1`; CONTRACT
/// §2, §3).
pub fn resolve(typed: &str, among: &[Name]) -> Option<Name> {
    let typed = typed.trim();
    let canonical = typed.replace(['{', '}'], "");
    among.iter().copied().find(|v| v.as_str() == canonical || v.parts().python() == typed || v.parts().spelled() == canonical)
}

/// The name of `among` closest to `typed` (within two edits, in either
/// spelling), for "did you mean".
pub fn closest(typed: &str, among: &[Name]) -> Option<Name> {
    let typed: Vec<char> = typed.trim().replace(['{', '}'], "").chars().collect();
    among
        .iter()
        .filter_map(|n| {
            let spellings = [n.as_str().to_string(), n.parts().python()];
            let d =
                spellings.iter().map(|s| crate::syntax::names::edit_distance(&typed, &s.chars().collect::<Vec<_>>())).min()?;
            // a letter off in a one-letter name is another name, not a typo
            let same_letters = spellings.iter().any(|s| s.to_lowercase() == typed.iter().collect::<String>().to_lowercase());
            (same_letters || (d <= 2 && 2 * d <= typed.len())).then_some((d, *n))
        })
        .min_by_key(|&(d, _)| d)
        .map(|(_, n)| n)
}

/// Names for a message: `x, y, W`, the first eight and a count when there
/// are more.
pub fn list(names: &[Name]) -> String {
    const SHOWN: usize = 8;
    let shown: Vec<&str> = names.iter().take(SHOWN).map(|n| n.as_str()).collect();
    match names.len() {
        n if n > SHOWN => format!("{}, … ({n} in all)", shown.join(", ")),
        _ => shown.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_and_rejoin() {
        for s in ["W", "W1", "W_12", "x_0", "b'", "W_1''", "θ", "d_1"] {
            assert_eq!(NameParts::split(s).canonical(), s);
        }
        let p = NameParts::split("W_12'");
        assert_eq!((p.letter, p.subscript.as_deref(), p.primes), ('W', Some("12"), 1));
    }

    #[test]
    fn python_spelling_follows_the_contract() {
        assert_eq!(NameParts::split("W_12").python(), "W_12");
        assert_eq!(NameParts::split("W1").python(), "W1");
        assert_eq!(NameParts::split("θ").python(), "theta");
        assert_eq!(NameParts::split("Σ").python(), "Sigma");
        assert_eq!(NameParts::split("b'").python(), "b_prime");
        assert_eq!(NameParts::split("λ").python(), "lambda_");
    }

    #[test]
    fn greek_names_resolve_spelled_out() {
        let among = [Name::new("λ"), Name::new("Σ"), Name::new("θ_1"), Name::new("x")];
        for (typed, want) in
            [("lambda", "λ"), ("lambda_", "λ"), ("λ", "λ"), ("Sigma", "Σ"), ("theta_1", "θ_1"), ("theta_{1}", "θ_1")]
        {
            assert_eq!(resolve(typed, &among).map(|n| n.as_str()), Some(want), "{typed}");
        }
        assert_eq!(resolve("sigma", &among), None);
    }

    #[test]
    fn names_order_by_spelling() {
        let (b, a) = (Name::new("zz_order_b"), Name::new("aa_order_a"));
        assert!(a < b);
    }
}
