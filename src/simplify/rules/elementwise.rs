//! Elementwise functions: inverse pairs.

use super::Pred::*;
use super::{Rule, rule};

#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    rule("log-exp",              "(map log (map exp ?a))",      "?a",                             "log(exp(a)) = a"),
    rule("exp-log",              "(map exp (map log ?a))",      "?a",                             "exp(log(a)) = a where log(a) is defined").when(&[(Positive, "?a")]),
];
