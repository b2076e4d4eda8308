//! The seed answer for the Jacobian of a one-hidden-layer network
//! (`../shared/seeds/002_*.txt`) ends in `∂vec(Y)/∂vec(X) = D(I_p ⊗ W)` with
//! `D = Diag(vec(US′))`. It drops U's action on the hidden layer: it does not
//! even conform unless U is square, and where it does, it is wrong. These
//! tests pin both facts with matdiff's own machinery, so that the example
//! `examples/one-hidden-layer-jacobian.mdiff` is known to disagree with the
//! seed for a reason.

use matdiff::name::Name;
use matdiff::numeric::check::{Failure, check};
use matdiff::{Error, Options, derive};

/// The network, with the seed's answer written beside it as `J`
/// (σ′(V) = S ∘ (𝟙𝟙ᵀ − S) for the logistic σ).
fn program(u_shape: &str) -> String {
    format!(
        "X : n×p\nU : {u_shape}\nS = σ(W X + b 𝟙^T)\nY = U S + c 𝟙^T\n\
         J = Diag(vec(U (S ∘ (𝟙𝟙^T - S)))) kron(I_p, W)\n"
    )
}

fn options() -> Options {
    Options { of: Some("Y".into()), wrt: vec!["X".into()], ..Default::default() }
}

#[test]
fn the_seed_answer_does_not_conform_when_u_is_not_square() {
    let src = program("3×4");
    let Err(Error::Program(e)) = derive(&src, &options()) else { panic!("the seed's J should be a shape error for a 3×4 U") };
    let message = e.render(&src);
    assert!(message.contains("a 3p×3p matrix") && message.contains("a 4p×np matrix"), "{message}");
}

#[test]
fn the_seed_answer_fails_the_check_that_matdiffs_passes() {
    let src = program("m×m");
    let mut d = derive(&src, &options()).expect("a square U conforms");
    let seed = 2026;
    check(&d.graph, &d.derivative, &d.variables, &d.dims, seed).expect("matdiff's Jacobian agrees with finite differences");

    let answer = d.graph.info(Name::new("J")).def.expect("J is a definition");
    for entry in &mut d.derivative.entries {
        (entry.readable, entry.numpy) = (answer, answer);
    }
    match check(&d.graph, &d.derivative, &d.variables, &d.dims, seed) {
        Err(Failure::Disagrees { error, .. }) => assert!(error > 1e-2, "disagrees only by {error:.1e}"),
        Err(other) => panic!("the check could not run: {other:?}"),
        Ok(report) => panic!("the seed's answer passed the check: {report:?}"),
    }
}
