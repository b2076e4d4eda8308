//! The numeric check must catch a wrong result and name it: here the
//! results of real derivations are spoiled one at a time, in the form for
//! people or in the form for NumPy, and the check must say which.

use matdiff::diff::Derivative;
use matdiff::ir::Graph;
use matdiff::name::Name;
use matdiff::numeric::check::{Failure, check};
use matdiff::{Derived, Options, derive};

/// Which form of a result to spoil.
#[derive(Clone, Copy, Debug)]
enum Form {
    Readable,
    Numpy,
}

/// How to spoil it.
type Spoil = fn(&mut Graph, egg::Id) -> egg::Id;

fn doubled(g: &mut Graph, id: egg::Id) -> egg::Id {
    let two = g.int(2);
    g.mul(two, id)
}

fn zeroed(g: &mut Graph, id: egg::Id) -> egg::Id {
    g.zero_like(id)
}

fn derived(src: &str, hessian: bool) -> Derived {
    derive(src, &Options { hessian, ..Default::default() }).unwrap_or_else(|e| panic!("{src}: {e:?}"))
}

fn run_check(d: &Derived, derivative: &Derivative) -> Result<(), Failure> {
    check(&d.graph, derivative, &d.variables, &d.dims, 7).map(|_| ())
}

/// Spoils each result of `src` in turn (each form, each way) and expects
/// the check to blame exactly that result and form.
fn each_spoiled_result_is_caught(src: &str, hessian: bool) {
    let mut d = derived(src, hessian);
    run_check(&d, &d.derivative).unwrap_or_else(|f| panic!("{src}: the unspoiled derivative fails: {f:?}"));
    let wrts: Vec<Name> = d.derivative.entries.iter().map(|e| e.wrt).collect();
    assert!(wrts.len() >= 2, "{src}: wanted several results");
    for (i, &wrt) in wrts.iter().enumerate() {
        for form in [Form::Readable, Form::Numpy] {
            for (how, spoil) in [("doubled", doubled as Spoil), ("zeroed", zeroed as Spoil)] {
                let entry = &d.derivative.entries[i];
                let original = match form {
                    Form::Readable => entry.readable,
                    Form::Numpy => entry.numpy,
                };
                let spoiled = spoil(&mut d.graph, original);
                let mut derivative = d.derivative.clone();
                match form {
                    Form::Readable => derivative.entries[i].readable = spoiled,
                    Form::Numpy => derivative.entries[i].numpy = spoiled,
                }
                match run_check(&d, &derivative) {
                    Err(Failure::Disagrees { wrt: blamed, numpy, .. }) => {
                        assert_eq!((blamed, numpy), (wrt, matches!(form, Form::Numpy)), "{src}: {how} {form:?} result for {wrt}")
                    }
                    other => panic!("{src}: the {how} {form:?} result for {wrt} was not caught: {other:?}"),
                }
            }
        }
    }
}

#[test]
fn a_wrong_gradient_is_caught_and_named() {
    each_spoiled_result_is_caught("s = σ(W x + b)\nE = 1/2 (s - y):(s - y)", false);
}

/// One direction moves every variable at once; a result far smaller than
/// the others must not hide behind them.
#[test]
fn a_small_gradient_beside_a_large_one_is_checked_too() {
    each_spoiled_result_is_caught("f = 10000 ((A x):(A x)) + 1/1000 (b:c)", false);
}

#[test]
fn a_wrong_jacobian_is_caught_and_named() {
    each_spoiled_result_is_caught("Y = U σ(W X + b 𝟙^T)", false);
}

#[test]
fn a_wrong_hessian_is_caught_and_named() {
    each_spoiled_result_is_caught("f = 1/2 (A x - b):(A x - b)", true);
}

/// `run` with `--hessian` (or not), as text; panics with the error.
fn runs(src: &str, hessian: bool, check: bool) -> String {
    let options = Options { hessian, check, ..Default::default() };
    matdiff::run_guarded(src, &options).unwrap_or_else(|e| panic!("{src} (hessian: {hessian}, check: {check}): {e:?}"))
}

/// Issue 17: the Hessians of functions of declared row vectors, the
/// constant ones too (`sum(sqrt(s).^2)` has the gradient 𝟙ᵀ, whose zero
/// differential was an internal error), with and without the check.
#[test]
fn hessians_of_row_vector_programs() {
    let programs = [
        "s : 1×3\nf = sum(sqrt(s).^2)",
        "s : 1×3\nf = sum(s)",
        "s : 1×3\nf = sum(s.^2)",
        "s : 1×3\nA : 3×3\nf = s A s^T",
        "s : 1×3\nf = logsumexp(s)",
        "s : 1×3\nf = sum(σ(s))",
        "s : 1×3\nf = ||s||^2",
        "s : 1×3\nt : 1×3\nf = s t^T + sum(sqrt(s).^2)",
        "s : 1×3\nW : 3×2\nf = sum(exp(s W))",
        "x : 1×4\nW : 4×3\nb_1 : 1×3\na = x W.^21 + b_1\nf = sum(σ(a))",
    ];
    for src in programs {
        for check in [true, false] {
            runs(src, true, check);
        }
    }
}

/// Issue 17: the check's points do not depend on spacing, line breaks or
/// comments, and a program whose values overflow at standard normal
/// points (`W^∘21`) is checked at smaller ones, never refused for want of
/// points.
#[test]
fn the_check_finds_points_whatever_the_spacing() {
    let variants = [
        "x : 4; W_1 : 6×4; b_1 : 6; F = W_1.^21 x + b_1",
        "x:4; W_1:6×4; b_1:6; F=W_1.^21 x+b_1",
        "x : 4\nW_1 : 6×4\nb_1 : 6\nF = W_1.^21 x + b_1",
        "x :4; W_1 :6×4; b_1 :6; F = W_1.^21 x + b_1",
        "x : 4 ;  W_1 : 6 × 4 ;b_1 : 6 ; F = W_1 .^ 21 x + b_1",
        "# a layer\nx : 4\nW_1 : 6×4   # weights\nb_1 : 6\nF = W_1.^21 x + b_1\n",
    ];
    let seed = matdiff::numeric::check::seed_of(variants[0]);
    for src in variants {
        assert_eq!(matdiff::numeric::check::seed_of(src), seed, "{src:?}");
        runs(src, false, true);
    }
    assert_ne!(seed, matdiff::numeric::check::seed_of("x : 4; W_1 : 6×4; b_1 : 6; F = W_1.^20 x + b_1"));
    runs("-y : log(softmax(W.^21 x))", false, true);
}

/// Issue 17: right Hessians whose forms cancel in floating point (terms
/// of `σ′` distributed and multiplied by `(W^∘20)²`) pass the check: a
/// disagreement that rounding explains is no failure.
#[test]
fn rounding_is_not_a_wrong_result() {
    for src in [
        "x : 1×5\nW : 5×3\np : 1×3\nf = p : log(softmax(σ(x W.^21)))",
        "x : 1×4\nW : 4×3\nb_1 : 1×3\np : 1×3\na = x W.^21 + b_1\nf = p : log(softmax(σ(a)))",
    ] {
        runs(src, true, true);
        // every line of the derivation is checked the same way (with
        // respect to W alone: `--steps` of a Hessian in several variables
        // is an internal error of its own, in diff::steps)
        let options = Options { hessian: true, steps: true, wrt: vec!["W".into()], ..Default::default() };
        matdiff::run_guarded(src, &options).unwrap_or_else(|e| panic!("{src} --steps: {e:?}"));
    }
}
