//! Numeric constants of the IR: exact rationals where possible, reals otherwise.
//!
//! `1/2` stays `½` through simplification and printing; only literals that no
//! `i64` fraction can hold (and results that overflow one) become reals.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug)]
pub enum Number {
    /// `num/den` in lowest terms, `den > 0`.
    Rat(i64, i64),
    /// A finite real that is not a small fraction.
    Real(f64),
}

impl Number {
    pub const ZERO: Number = Number::Rat(0, 1);
    pub const ONE: Number = Number::Rat(1, 1);
    pub const MINUS_ONE: Number = Number::Rat(-1, 1);

    pub fn int(n: i64) -> Number {
        Number::Rat(n, 1)
    }

    /// `num/den` reduced; falls back to a real when `den` is zero-free but the
    /// reduced fraction does not fit.
    pub fn ratio(num: i64, den: i64) -> Option<Number> {
        if den == 0 {
            return None;
        }
        let g = gcd(num.unsigned_abs(), den.unsigned_abs()).max(1);
        let (mut n, mut d) = (num / g as i64, den / g as i64);
        if d < 0 {
            n = n.checked_neg()?;
            d = d.checked_neg()?;
        }
        Some(Number::Rat(n, d))
    }

    /// Parses a decimal literal such as `2`, `0.5`, `1e-3` exactly when it can.
    pub fn parse_decimal(text: &str) -> Option<Number> {
        let (mantissa, exp) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
            None => (text, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let exact = || -> Option<Number> {
            let all = format!("{int}{frac}");
            let significant = all.trim_start_matches('0');
            let digits: i64 = if significant.is_empty() { 0 } else { significant.parse().ok()? };
            let scale = exp.checked_sub(i32::try_from(frac.len()).ok()?)?;
            if scale >= 0 {
                Number::ratio(digits.checked_mul(10i64.checked_pow(scale as u32)?)?, 1)
            } else {
                Number::ratio(digits, 10i64.checked_pow((-scale) as u32)?)
            }
        };
        exact().or_else(|| text.parse::<f64>().ok().filter(|x| x.is_finite()).map(Number::Real))
    }

    pub fn to_f64(self) -> f64 {
        match self {
            Number::Rat(n, d) => n as f64 / d as f64,
            Number::Real(x) => x,
        }
    }

    fn from_f64(x: f64) -> Option<Number> {
        x.is_finite().then_some(Number::Real(x))
    }

    pub fn is_zero(self) -> bool {
        self.to_f64() == 0.0
    }
    pub fn is_one(self) -> bool {
        matches!(self, Number::Rat(1, 1))
    }
    pub fn is_negative(self) -> bool {
        self.to_f64() < 0.0
    }
    pub fn is_integer(self) -> bool {
        matches!(self, Number::Rat(_, 1))
    }
    /// The value as an integer, when it is one.
    pub fn as_int(self) -> Option<i64> {
        match self {
            Number::Rat(n, 1) => Some(n),
            _ => None,
        }
    }

    pub fn checked_neg(self) -> Option<Number> {
        match self {
            Number::Rat(n, d) => Some(Number::Rat(n.checked_neg()?, d)),
            Number::Real(x) => Some(Number::Real(-x)),
        }
    }

    pub fn checked_add(self, other: Number) -> Option<Number> {
        match (self, other) {
            (Number::Rat(a, b), Number::Rat(c, d)) => {
                Number::ratio(a.checked_mul(d)?.checked_add(c.checked_mul(b)?)?, b.checked_mul(d)?)
            }
            _ => Number::from_f64(self.to_f64() + other.to_f64()),
        }
    }

    pub fn checked_mul(self, other: Number) -> Option<Number> {
        match (self, other) {
            (Number::Rat(a, b), Number::Rat(c, d)) => Number::ratio(a.checked_mul(c)?, b.checked_mul(d)?),
            _ => Number::from_f64(self.to_f64() * other.to_f64()),
        }
    }

    pub fn recip(self) -> Option<Number> {
        match self {
            Number::Rat(0, _) => None,
            Number::Rat(n, d) => Number::ratio(d, n),
            Number::Real(x) => Number::from_f64(1.0 / x),
        }
    }

    /// `self^k`, exactly for rationals and integer `k`.
    pub fn pow(self, k: Number) -> Option<Number> {
        match (self, k.as_int()) {
            (Number::Rat(..), Some(e)) => {
                let base = if e < 0 { self.recip()? } else { self };
                let Number::Rat(n, d) = base else { unreachable!() };
                let e = u32::try_from(e.unsigned_abs()).ok()?;
                Number::ratio(n.checked_pow(e)?, d.checked_pow(e)?)
            }
            _ => Number::from_f64(self.to_f64().powf(k.to_f64())),
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Number {}

impl Ord for Number {
    /// A total order: rationals before reals, then by value (reals by bits).
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Number::Rat(a, b), Number::Rat(c, d)) => (*a as i128 * *d as i128).cmp(&(*c as i128 * *b as i128)),
            (Number::Rat(..), Number::Real(_)) => Ordering::Less,
            (Number::Real(_), Number::Rat(..)) => Ordering::Greater,
            (Number::Real(x), Number::Real(y)) => x.total_cmp(y),
        }
    }
}
impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl std::hash::Hash for Number {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Number::Rat(n, d) => (0u8, n, d).hash(state),
            Number::Real(x) => (1u8, x.to_bits()).hash(state),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Rat(n, 1) => write!(f, "{n}"),
            Number::Rat(n, d) => write!(f, "{n}/{d}"),
            Number::Real(x) => write!(f, "{x}"),
        }
    }
}

impl FromStr for Number {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (body, neg) = match s.strip_prefix('-') {
            Some(rest) => (rest, true),
            None => (s, false),
        };
        let n = match body.split_once('/') {
            Some((a, b)) => {
                let (a, b) = (a.parse::<i64>().map_err(|e| e.to_string())?, b.parse::<i64>().map_err(|e| e.to_string())?);
                Number::ratio(a, b)
            }
            None => Number::parse_decimal(body),
        }
        .ok_or_else(|| format!("not a number: {s}"))?;
        if neg { n.checked_neg().ok_or_else(|| format!("not a number: {s}")) } else { Ok(n) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact_fractions() {
        assert_eq!(Number::parse_decimal("0.5"), Some(Number::Rat(1, 2)));
        assert_eq!(Number::parse_decimal("2"), Some(Number::Rat(2, 1)));
        assert_eq!(Number::parse_decimal("1e-3"), Some(Number::Rat(1, 1000)));
        assert_eq!(Number::parse_decimal("0.0"), Some(Number::Rat(0, 1)));
        assert!(matches!(Number::parse_decimal("1e-300"), Some(Number::Real(_))));
        assert_eq!(Number::parse_decimal("1.2.3"), None);
    }

    #[test]
    fn arithmetic_stays_exact_and_reduced() {
        let half = Number::Rat(1, 2);
        assert_eq!(half.checked_add(half), Some(Number::ONE));
        assert_eq!(half.checked_mul(Number::int(2)), Some(Number::ONE));
        assert_eq!(Number::int(2).pow(Number::int(-2)), Some(Number::Rat(1, 4)));
        assert_eq!(Number::ratio(2, -4), Some(Number::Rat(-1, 2)));
        assert_eq!("-3/6".parse::<Number>(), Ok(Number::Rat(-1, 2)));
    }

    #[test]
    fn overflow_is_refused_not_wrapped() {
        assert_eq!(Number::int(i64::MAX).checked_add(Number::ONE), None);
    }
}
