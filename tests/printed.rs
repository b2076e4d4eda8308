//! Printed forms that must say what was computed (issue 12): a negative
//! factor in front of its product, never `+ −`, scalar factors in front,
//! no number after a superscript, brackets wherever the parser would group
//! otherwise — in Unicode, in LaTeX and in `--steps`. Each is snapshotted;
//! `run` reads every printed text back before it returns (src/readback.rs),
//! so each passing run is also a round trip.

use matdiff::{Format, Options};

/// The programs of issue 12 and their kin.
const PROGRAMS: &[(&str, &str, &str, bool)] = &[
    ("inverse_square", "f = α/(x^T x)^2", "x", false),
    ("rayleigh", "f = x^T A x / ||x||^2", "x", false),
    ("softmax_xent", "p = exp(z)/sum(exp(z)); L = -y^T log(p)", "z", false),
    ("rayleigh_hessian", "f = x^T A^T A x / (x^T x)", "x", true),
    ("cookbook_quadratic_hessian", "f = (A x + b)^T C (D x + e)", "x", true),
    // a 1×1 chain over a product: xᵀy/(‖x‖‖y‖), not xᵀy/‖x‖‖y‖
    ("cosine_similarity", "x, y : n\nf = cos(x^T y/(||x|| ||y||))", "x", false),
    // accented names print as the lexer reads them back: y_{hat}, \hat{y}
    ("accented_names", "ŷ = W x\nȳ_1 = V x\nL = ||ŷ - ȳ_1||^2", "W", false),
    ("negated_sum", "A, B : n×n\nx, y : n\nf = α - diag(A)^T (B ∘ A) x", "A", false),
];

#[path = "support/redact.rs"]
mod support;
use support::redact;

#[test]
fn printed_forms_say_what_was_computed() {
    for &(name, program, wrt, hessian) in PROGRAMS {
        for (format, tag) in [(Format::Unicode, "unicode"), (Format::Latex, "latex")] {
            for steps in [false, true] {
                let opts = Options { format, hessian, steps, wrt: vec![wrt.to_string()], ..Options::default() };
                let out = matdiff::run(program, &opts).unwrap_or_else(|e| panic!("{name}: {e:?}"));
                assert!(!out.contains("+ −") && !out.contains("+ -"), "{name}: `+ −` in\n{out}");
                let suffix = if steps { "_steps" } else { "" };
                insta::assert_snapshot!(format!("{name}@{tag}{suffix}"), redact(&out));
            }
        }
    }
}
